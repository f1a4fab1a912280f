"""Invoice PDFs: the billing system drops them in the inbox bucket, the import copies each to the
portal's private documents bucket, and a subscriber downloads it from there through the API.

    inbox:      invoices/<invoice number>.pdf                    (dropped by the billing system)
    documents:  invoices/<contract number>/<invoice number>.pdf  (copied by the import)

The copy is keyed by contract too: what the API serves is always found under the contract whose
link it checked. Invoice numbers are unique (French law: a continuous numbering), so the inbox
needs no more than the number.
"""

from dataclasses import dataclass
from enum import Enum

from espace_abonne.core import aws
from espace_abonne.core.errors import DomainError
from espace_abonne.core.settings import MissingSetting

# A Lambda answer is 6 MB at most, and the API sends a PDF in base64 (4/3 of its size): a PDF over
# 4 MB could not be served. A real invoice is 50 to 300 KB.
MAX_PDF_BYTES = 4 * 1024 * 1024


class InvoicePdfUnreadable(DomainError):
    """S3 refused to read the documents bucket (AccessDenied): the function's role lacks a grant —
    s3:GetObject on the invoices' keys, or s3:ListBucket, without which a missing PDF is refused
    rather than reported missing. A fault of the deployment, not of the request."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "invoice_pdf_unavailable",
            "Le PDF de cette facture est momentanément indisponible. Veuillez réessayer plus tard.",
        )


class Copy(Enum):
    COPIED = "copied"
    MISSING = "missing"  # not (yet) in the inbox
    TOO_LARGE = "too_large"


@dataclass(frozen=True)
class InvoicePdf:
    filename: str
    content: bytes


def inbox_key(invoice_number: str) -> str:
    return f"invoices/{invoice_number}.pdf"


def document_key(contract_number: str, invoice_number: str) -> str:
    return f"invoices/{contract_number}/{invoice_number}.pdf"


class InvoiceDocuments:
    def __init__(self, documents_bucket: str | None, inbox_bucket: str | None = None) -> None:
        self._documents_bucket = documents_bucket
        self._inbox_bucket = inbox_bucket  # only the import copies from the inbox

    @property
    def _documents(self) -> str:
        if not self._documents_bucket:
            raise MissingSetting("DOCUMENTS_BUCKET")
        return self._documents_bucket

    @property
    def _inbox(self) -> str:
        if not self._inbox_bucket:
            raise MissingSetting("BILLING_INBOX_BUCKET")
        return self._inbox_bucket

    def copy_from_inbox(self, contract_number: str, invoice_number: str) -> Copy:
        from botocore.exceptions import ClientError

        client = aws.s3()
        source = inbox_key(invoice_number)
        try:
            size = client.head_object(Bucket=self._inbox, Key=source)["ContentLength"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return Copy.MISSING
            raise
        if size > MAX_PDF_BYTES:
            return Copy.TOO_LARGE
        client.copy_object(
            Bucket=self._documents,
            Key=document_key(contract_number, invoice_number),
            CopySource={"Bucket": self._inbox, "Key": source},
            ContentType="application/pdf",
            MetadataDirective="REPLACE",
        )
        return Copy.COPIED

    def read(self, contract_number: str, invoice_number: str) -> InvoicePdf | None:
        from botocore.exceptions import ClientError

        try:
            response = aws.s3().get_object(Bucket=self._documents, Key=document_key(contract_number, invoice_number))
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in ("404", "NoSuchKey", "NotFound"):
                return None
            if code in ("403", "AccessDenied"):
                raise InvoicePdfUnreadable() from error
            raise
        return InvoicePdf(filename=f"facture-{invoice_number}.pdf", content=response["Body"].read())

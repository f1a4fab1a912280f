"""Emails: the message, the Régie's layout (text + HTML), and the transports.

Domains write their emails in `<domain>/emails.py` with `compose`; they hand them to a `Mailer`.
API functions get a `QueuedMailer` (core/outbox.py): the email is sent after the answer, by the
outbox worker, which uses `SesMailer`. So an SES hiccup never fails a user's request.
"""

from dataclasses import asdict, dataclass
from html import escape
from typing import Any, Protocol

REGIE_NAME = "Régie des Eaux du Pays d'Aix"
REGIE_PHONE = "04 13 57 39 00"
REGIE_EMAIL = "contact@eauxdupaysdaix.fr"
REGIE_WEBSITE = "www.eauxdupaysdaix.fr"
REGIE_ADDRESS = "185 avenue de Pérouse, 13090 Aix-en-Provence"


@dataclass(frozen=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str
    reply_to: str | None = None

    def as_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> "EmailMessage":
        return cls(
            to=str(payload["to"]),
            subject=str(payload["subject"]),
            text=str(payload["text"]),
            html=str(payload["html"]),
            reply_to=payload.get("reply_to"),
        )


@dataclass(frozen=True)
class Link:
    label: str
    url: str


_SIGNATURE_TEXT = (
    f"\n\n--\n{REGIE_NAME}\nTél. {REGIE_PHONE} · {REGIE_EMAIL}\n{REGIE_ADDRESS}\n{REGIE_WEBSITE}\n"
    "Ceci est un message automatique, merci de ne pas y répondre.\n"
)


def compose(
    to: str, subject: str, paragraphs: list[str], links: list[Link] | None = None, reply_to: str | None = None
) -> EmailMessage:
    """An email in the Régie's layout: greeting, paragraphs, button links, signature."""
    links = links or []
    text_parts = ["Bonjour,", *paragraphs]
    text_parts += [f"{link.label} :\n{link.url}" for link in links]
    text = "\n\n".join(text_parts) + _SIGNATURE_TEXT

    html_paragraphs = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    html_links = "".join(
        f'<p><a href="{escape(link.url)}" style="background:#005a9c;color:#ffffff;padding:10px 16px;'
        f'border-radius:4px;text-decoration:none;display:inline-block">{escape(link.label)}</a></p>'
        f'<p style="font-size:12px;color:#555555">Si le bouton ne fonctionne pas, copiez ce lien dans '
        f"votre navigateur : {escape(link.url)}</p>"
        for link in links
    )
    html = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>"
        '<body style="font-family:Arial,sans-serif;color:#1a1a1a;max-width:600px">'
        f'<h1 style="font-size:20px;color:#005a9c">{escape(REGIE_NAME)}</h1>'
        f"<p>Bonjour,</p>{html_paragraphs}{html_links}"
        '<hr><p style="font-size:12px;color:#555555">'
        f"{escape(REGIE_NAME)} · Tél. {escape(REGIE_PHONE)} · {escape(REGIE_EMAIL)}<br>"
        f"{escape(REGIE_ADDRESS)} · {escape(REGIE_WEBSITE)}<br>"
        "Ceci est un message automatique, merci de ne pas y répondre.</p></body></html>"
    )
    return EmailMessage(to=to, subject=subject, text=text, html=html, reply_to=reply_to)


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def ascii_address(address: str) -> str:
    """The address SES can deliver to: an internationalised domain in its ASCII (punycode) form.

    Local parts are ASCII already (non-ASCII ones are refused at input, see email_addresses.py).
    """
    local, _, domain = address.rpartition("@")
    if domain.isascii():
        return address
    import idna

    return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"


class SesMailer:
    """Sends through SES as a MIME multipart/alternative message (text + HTML).

    Built with the compat32 MIME classes: about 1 ms a message, where `email.message.EmailMessage`
    with the default policy takes 3 to 4 ms.
    """

    def __init__(self, sender: str, configuration_set: str = "") -> None:
        self._sender = sender
        self._configuration_set = configuration_set

    def send(self, message: EmailMessage) -> None:
        from email.header import Header
        from email.mime.multipart import MIMEMultipart
        from email.mime.text import MIMEText
        from email.utils import formataddr

        from espace_abonne.core import aws

        to = ascii_address(message.to)
        mime = MIMEMultipart("alternative")
        # The Header itself, not its encoded string: that would fold a long subject after an empty
        # first line, and mail clients would show it with a leading space.
        mime["Subject"] = Header(message.subject, "utf-8")  # type: ignore[assignment]
        mime["From"] = formataddr((REGIE_NAME, self._sender), charset="utf-8")
        mime["To"] = to
        if message.reply_to:
            mime["Reply-To"] = ascii_address(message.reply_to)
        mime.attach(MIMEText(message.text, "plain", "utf-8"))
        mime.attach(MIMEText(message.html, "html", "utf-8"))
        extra = {"ConfigurationSetName": self._configuration_set} if self._configuration_set else {}
        aws.ses().send_raw_email(
            Source=self._sender,
            Destinations=[to],
            RawMessage={"Data": mime.as_bytes()},
            **extra,  # type: ignore[arg-type]
        )

"""« Payer en ligne » (PRODUCT.md §6): start a PayFiP payment for what is left to pay on an invoice,
then learn how it ended — only from PayFiP's `recupererDetailPaiementSecurise`, never from what a
notification or a redirect says.

The notification, the browser's return and the settler all end in `PaymentOutcomes`: an idOp is
looked up first (an unknown one leads to nothing, not even a call to PayFiP), a settled payment is
answered as it is (a replay changes nothing and sends nothing), and a result is accepted only when
idOp, numcli, refdet and montant are what the portal stored. The status changes by a conditional
write, so two concurrent checks make one change and one email.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from espace_abonne.contracts.billing_store import MIN_ONLINE_PAYMENT_CENTS, OnlinePayment
from espace_abonne.contracts.reading import ContractReader, OnlinePaymentRecords
from espace_abonne.core.clock import Clock, iso_time
from espace_abonne.core.errors import DomainError
from espace_abonne.core.links import DASHBOARD, page
from espace_abonne.core.mail import Mailer, ascii_address
from espace_abonne.core.money import format_cents
from espace_abonne.core.return_feed import ReturnFeed, paris_day
from espace_abonne.payments.emails import payment_received_email
from espace_abonne.payments.payfip import (
    PayfipClient,
    PayfipError,
    PayfipFault,
    PaymentDetail,
    PaymentRequest,
    is_id_op,
    payment_page_url,
)
from espace_abonne.payments.store import (
    ABANDONED,
    EXPIRED,
    PENDING,
    REFUSED,
    Payment,
    PaymentStore,
    Status,
)

# PayFiP's payment page is valid 15 minutes; 5 more cover the payer's last click and the result
# reaching PayFiP. Until then an operation may still succeed: it keeps its invoice's lock, and the
# settler does not give up on it.
OPERATION_LIFETIME = 20 * 60
RECEIPT_GRACE = 60  # seconds: an acceptance this recent may still be queueing its receipt
NOTIFICATION_PATH = "/payments/payfip/notifications"
RETURN_PATH = "/payments/payfip/return"
METHODS = {"P": "carte bancaire", "V": "prélèvement"}


class NothingToPay(DomainError):
    def __init__(self) -> None:
        super().__init__(409, "nothing_to_pay", "Il ne reste rien à payer en ligne sur cette facture.")


class PaymentInProgress(DomainError):
    def __init__(self) -> None:
        super().__init__(
            409,
            "payment_in_progress",
            "Un paiement en ligne de cette facture est déjà en cours. Terminez-le, ou réessayez dans "
            "une vingtaine de minutes.",
        )


class NotPayableOnline(DomainError):
    def __init__(self) -> None:
        super().__init__(
            409,
            "not_payable_online",
            "Cette facture ne peut pas être payée en ligne. Contactez la Régie pour la régler.",
        )


class PaymentNotFound(DomainError):
    def __init__(self) -> None:
        super().__init__(404, "payment_not_found", "Ce paiement n'existe pas.")


class PaymentRefusedByPayfip(DomainError):
    """PayFiP refused to create the operation (a functional fault at the start): asking again will
    not help; the operators are told by the log and the 5xx alarm."""

    def __init__(self, payfip_code: str) -> None:
        self.payfip_code = payfip_code
        super().__init__(
            502,
            "payfip_refused",
            "Le paiement en ligne de cette facture n'est pas possible pour le moment\u00a0: la Régie en est "
            "informée. Vous pouvez la régler par les autres moyens indiqués sur la facture.",
        )


class OnlinePaymentUnavailable(DomainError):
    def __init__(self) -> None:
        super().__init__(
            503,
            "payfip_unavailable",
            "Le service de paiement en ligne est momentanément indisponible. Veuillez réessayer dans quelques "
            "instants.",
        )


@dataclass(frozen=True)
class PayfipAccount:
    """The Régie's PayFiP settings, and where PayFiP reaches the portal."""

    numcli: str
    saisie: str
    payment_url: str
    public_api_url: str


@dataclass(frozen=True)
class Started:
    payment_id: str
    redirect_url: str
    amount_cents: int


def refdet_of(invoice_number: str) -> str | None:
    """The debt's reference PayFiP receives: the invoice number's letters and digits (6 to 30)."""
    refdet = "".join(c for c in invoice_number if c.isascii() and c.isalnum()).upper()
    return refdet if 6 <= len(refdet) <= 30 else None


class PaymentStarter:
    def __init__(
        self, store: PaymentStore, contracts: ContractReader, payfip: PayfipClient, account: PayfipAccount, clock: Clock
    ) -> None:
        self._store = store
        self._contracts = contracts
        self._payfip = payfip
        self._account = account
        self._clock = clock

    def start(self, account_id: str, email: str, contract_number: str, invoice_number: str) -> Started:
        """Registers a payment of what is left to pay on the invoice; the browser goes to `redirect_url`.

        The amount is computed here, never received. The payment and its invoice's lock are stored
        before PayFiP hears of it, so that two starts never make two operations that could succeed."""
        due = self._contracts.amount_due(account_id, contract_number, invoice_number)
        if due.left_to_pay_cents < MIN_ONLINE_PAYMENT_CENTS:
            raise NothingToPay()
        refdet = refdet_of(due.invoice_number)
        now = self._clock.now()
        payment = Payment(
            payment_id=str(uuid.uuid4()),
            account_id=account_id,
            contract_number=contract_number,
            invoice_number=due.invoice_number,
            amount_cents=due.left_to_pay_cents,
            refdet=refdet or "",
            exer=int(due.issue_date[:4]),
            numcli=self._account.numcli,
            mel=email,
            status=PENDING,
            created_at=now,
        )
        request = PaymentRequest(
            exer=payment.exer,
            mel=ascii_address(email),  # PayFiP's mel is ASCII: an internationalised domain in punycode
            montant=payment.amount_cents,
            numcli=payment.numcli,
            objet=f"Facture {payment.refdet}",
            refdet=payment.refdet,
            saisie=self._account.saisie,
            urlnotif=self._account.public_api_url + NOTIFICATION_PATH,
            urlredirect=self._account.public_api_url + RETURN_PATH,
        )
        # An invoice number without 6 letters or digits, an address PayFiP would refuse (over 80
        # characters), an amount over its ceiling: PayFiP would answer a fault, so it is not asked.
        if refdet is None or request.problems():
            raise NotPayableOnline()
        if not self._store.create(payment, now + OPERATION_LIFETIME, due.online_payments):
            raise PaymentInProgress()
        try:
            id_op = self._payfip.create_payment(request)
        except PayfipFault as fault:
            self._store.discard(payment)
            if fault.kind == "FonctionnelleErreur":  # the request itself: asking again will not help
                raise PaymentRefusedByPayfip(fault.code) from None
            raise OnlinePaymentUnavailable() from None  # a technical fault of PayFiP's: it passes
        except PayfipError:
            self._store.discard(payment)
            raise OnlinePaymentUnavailable() from None
        if not self._store.attach_operation(payment.payment_id, id_op):
            self._store.discard(payment)
            raise OnlinePaymentUnavailable()
        return Started(payment.payment_id, payment_page_url(self._account.payment_url, id_op), payment.amount_cents)

    def payment(self, account_id: str, payment_id: str) -> Payment:
        """One of the caller's payments; anyone else's, and an unknown or malformed id, are the same 404."""
        try:
            uuid.UUID(payment_id)
        except ValueError:
            raise PaymentNotFound() from None
        payment = self._store.get(payment_id)
        if payment is None or payment.account_id != account_id:
            raise PaymentNotFound()
        return payment


Event = Literal[
    "unknown",  # no payment has that idOp: nothing more was done
    "unchanged",  # already settled, or PayFiP has no result yet
    "accepted",
    "accepted_late",  # paid according to PayFiP after the portal had given up waiting (anomaly)
    "refused",
    "abandoned",
    "expired",
    "mismatch",  # PayFiP's detail is not what the portal stored: not accepted (anomaly)
    "unexpected_fault",  # PayFiP answered a fault other than P1 or P5 (anomaly)
    "unavailable",  # PayFiP could not be asked: the settler asks again
]
ANOMALIES = frozenset({"accepted_late", "mismatch", "unexpected_fault"})


@dataclass(frozen=True)
class Checked:
    payment: Payment | None
    event: Event
    problems: tuple[str, ...] = ()  # what did not match, or PayFiP's fault code: for the operators' log


@dataclass
class SettleReport:
    checked: list[Checked] = field(default_factory=list)
    oldest_pending_age: int = 0  # seconds, among those still pending after this run
    receipts_sent: int = 0  # « Paiement reçu » that could not be queued at the acceptance
    receipts_failed: int = 0  # …and still could not: tried again at the next run

    def count(self, event: Event) -> int:
        return sum(1 for c in self.checked if c.event == event)

    @property
    def anomalies(self) -> int:
        return sum(1 for c in self.checked if c.event in ANOMALIES)

    def as_json(self) -> dict[str, Any]:
        events: dict[str, int] = {}
        for checked in self.checked:
            events[checked.event] = events.get(checked.event, 0) + 1
        return {
            "checked": len(self.checked),
            "events": events,
            "oldest_pending_age": self.oldest_pending_age,
            "receipts_sent": self.receipts_sent,
            "receipts_failed": self.receipts_failed,
        }


def mismatches(payment: Payment, detail: PaymentDetail) -> tuple[str, ...]:
    """The fields of PayFiP's detail that are not what the portal stored (names only)."""
    expected = {
        "idOp": (detail.id_op, payment.id_op),
        "numcli": (detail.numcli, payment.numcli),
        "refdet": (detail.refdet, payment.refdet),
        "montant": (detail.montant, payment.amount_cents),
    }
    return tuple(name for name, (got, stored) in expected.items() if got != stored)


class PaymentOutcomes:
    def __init__(
        self,
        store: PaymentStore,
        payfip: PayfipClient,
        records: OnlinePaymentRecords,
        feed: ReturnFeed,
        mailer: Mailer,
        clock: Clock,
        frontend_url: str,
    ) -> None:
        self._store = store
        self._payfip = payfip
        self._records = records
        self._feed = feed
        self._mailer = mailer
        self._clock = clock
        self._frontend_url = frontend_url

    def check(self, id_op: str) -> Checked:
        """What PayFiP's notification and the browser's return do: look the idOp up, then, for a
        payment not settled yet, ask PayFiP how it ended."""
        payment = self._store.by_operation(id_op) if is_id_op(id_op) else None
        if payment is None:
            return Checked(None, "unknown")
        if payment.status not in (PENDING, EXPIRED):
            return Checked(payment, "unchanged")
        return self._learn(payment, give_up=False)

    def settle_pending(self) -> SettleReport:
        """The scheduled run: every payment still pending is asked about; one whose operation can no
        longer succeed and has no result (P5, P1) is expired. Then the receipts that could not be
        queued are."""
        report = SettleReport()
        still_pending = []
        reachable = True
        for payment in self._store.pending():
            if payment.id_op is not None and not reachable:
                # Once PayFiP could not be asked, the run asks no more: it stays well within its
                # timeout (5 s a call), and the next run, 5 minutes later, asks again.
                checked = Checked(payment, "unavailable", ("not asked",))
            elif payment.id_op is not None:
                checked = self._learn(payment, give_up=True)
                reachable = checked.event != "unavailable"
            elif self._clock.now() - payment.created_at >= OPERATION_LIFETIME:
                checked = self._finish(payment, EXPIRED, "expired")  # the start failed half-way
            else:
                continue
            report.checked.append(checked)
            if checked.payment is not None and checked.payment.status == PENDING:
                still_pending.append(checked.payment)
        now = self._clock.now()
        report.oldest_pending_age = max((now - p.created_at for p in still_pending), default=0)
        self.send_due_receipts(report)
        return report

    def _learn(self, payment: Payment, give_up: bool) -> Checked:
        answer = self._ask(payment, give_up)
        return answer if isinstance(answer, Checked) else self._apply(payment, answer)

    def _ask(self, payment: Payment, give_up: bool) -> "PaymentDetail | Checked":
        """PayFiP's detail of the payment, or what to do when it has none."""
        assert payment.id_op is not None  # noqa: S101 (looked up by it, or skipped by the settler)
        try:
            return self._payfip.payment_detail(payment.id_op)
        except PayfipFault as fault:
            if fault.code not in ("P1", "P5"):
                return Checked(payment, "unexpected_fault", (fault.code,))
            # P5: no result yet. P1: unknown to PayFiP (purged at night, or never completed).
            too_late = self._clock.now() - payment.created_at >= OPERATION_LIFETIME
            if give_up and too_late and payment.status == PENDING:
                return self._finish(payment, EXPIRED, "expired")
            return Checked(payment, "unchanged", (fault.code,))
        except PayfipError as error:
            return Checked(payment, "unavailable", (type(error).__name__,))

    def _apply(self, payment: Payment, detail: PaymentDetail) -> Checked:
        """PayFiP's result, if its detail is the payment the portal stored."""
        problems = mismatches(payment, detail)
        if problems:
            return Checked(payment, "mismatch", problems)
        if detail.outcome == "paid":
            return self._accept(payment, detail)
        if payment.status == EXPIRED:  # nothing to change: it ended without money either way
            return Checked(payment, "unchanged")
        if detail.outcome == "refused":
            return self._finish(payment, REFUSED, "refused")
        return self._finish(payment, ABANDONED, "abandoned")

    def _finish(self, payment: Payment, status: Status, event: Event) -> Checked:
        if not self._store.finish(payment, status, self._clock.now()):
            return Checked(self._store.get(payment.payment_id), "unchanged")
        return Checked(self._store.get(payment.payment_id), event)

    def _accept(self, payment: Payment, detail: PaymentDetail) -> Checked:
        now = self._clock.now()
        paid_at = detail.transaction_time or now
        method = METHODS.get(detail.resultrans, "carte bancaire")
        online = OnlinePayment(
            payment_id=payment.payment_id,
            invoice_number=payment.invoice_number,
            amount_cents=payment.amount_cents,
            paid_on=paris_day(paid_at),
            payfip_operation=detail.id_op,
            authorization_number=detail.numauto,
        )
        feed_record = {
            "payment_id": payment.payment_id,
            "contract_number": payment.contract_number,
            "invoice_number": payment.invoice_number,
            "amount": format_cents(payment.amount_cents),
            "method": method,
            "paid_at": iso_time(paid_at),
            "payfip_operation": detail.id_op,
            "refdet": payment.refdet,
            "authorization_number": detail.numauto,
        }
        entries = [
            self._records.entry(payment.contract_number, online),
            self._feed.entry("online_payment", feed_record, now, event_id=payment.payment_id),
        ]
        accepted = self._store.accept(
            payment, paid_at=paid_at, authorization_number=detail.numauto, method=method, now=now, entries=entries
        )
        if not accepted:  # a replay, or a concurrent check that won: it sent the email
            return Checked(self._store.get(payment.payment_id), "unchanged")
        self._send_receipt(payment, detail.numauto, paid_at)
        return Checked(
            self._store.get(payment.payment_id), "accepted_late" if payment.status == EXPIRED else "accepted"
        )

    def _send_receipt(self, payment: Payment, authorization_number: str, paid_at: int) -> None:
        """« Paiement reçu », then the acceptance's mark taken off: if queueing it failed, the
        settler finds the mark and queues it (`send_due_receipts`)."""
        self._mailer.send(
            payment_received_email(
                payment.mel,
                amount_cents=payment.amount_cents,
                contract_number=payment.contract_number,
                invoice_number=payment.invoice_number,
                authorization_number=authorization_number,
                paid_at=paid_at,
                dashboard_url=page(self._frontend_url, DASHBOARD, contrat=payment.contract_number),
            )
        )
        self._store.receipt_queued(payment)

    def send_due_receipts(self, report: "SettleReport") -> None:
        """The receipts that could not be queued when their payment was accepted (a minute ago at
        least, so that a receipt being queued right now is not sent twice). One that fails again
        keeps its mark for the next run, and stops nothing else."""
        from botocore.exceptions import BotoCoreError, ClientError

        for payment in self._store.receipts_due():
            if payment.updated_at is None or self._clock.now() - payment.updated_at < RECEIPT_GRACE:
                continue
            try:
                self._send_receipt(payment, payment.authorization_number or "", payment.paid_at or payment.updated_at)
            except (BotoCoreError, ClientError):
                report.receipts_failed += 1
            else:
                report.receipts_sent += 1

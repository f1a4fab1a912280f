"""The outbox worker: runs the tasks API functions queued on OutboxQueue (SQS event source).

Each task kind is one domain function, called with the SES mailer. A task that fails is
reported as a batch item failure: SQS delivers it again, and after five attempts moves it to
the dead-letter queue (an alarm watches it). A message no retry can fix is logged and dropped.
"""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from espace_abonne.core import outbox
from espace_abonne.core.mail import EmailMessage, Mailer
from espace_abonne.core.outbox import MalformedTask, Task

logger = Logger()
metrics = Metrics()

Perform = Callable[[Task, Mailer], None]


def _send_email(task: Task, mailer: Mailer) -> None:
    mailer.send(EmailMessage.from_payload(task.payload))


def _sign_up(task: Task, mailer: Mailer) -> None:
    from espace_abonne.accounts.wiring import activation_links

    activation_links(mailer).perform_sign_up(task.payload["email"], task.payload["password_hash"], task.id)


def _resend_activation(task: Task, mailer: Mailer) -> None:
    from espace_abonne.accounts.wiring import activation_links

    activation_links(mailer).perform_resend(task.payload["email"], task.id)


def _password_reset(task: Task, mailer: Mailer) -> None:
    from espace_abonne.sessions.wiring import reset_link_sender

    reset_link_sender(mailer).perform_request(task.payload["email"], task.id)


def _email_change(task: Task, mailer: Mailer) -> None:
    from espace_abonne.my_account.wiring import email_change_sender

    payload = task.payload
    email_change_sender(mailer).perform_email_change(
        payload["account_id"], payload["email"], payload["new_email"], task.id, payload.get("request", "")
    )


def _contract_ended(task: Task, mailer: Mailer) -> None:
    from espace_abonne.accounts.wiring import account_store
    from espace_abonne.contracts.linking import send_contract_ended

    payload = task.payload
    email = account_store().email_of(payload["account_id"])
    if email is not None:  # the account was deleted since: nobody to tell
        send_contract_ended(mailer, email, payload["contract_number"], payload["service_address"])


def _new_invoice(task: Task, mailer: Mailer) -> None:
    from espace_abonne.invoices.notices import NewInvoice
    from espace_abonne.invoices.wiring import new_invoice_notices

    new_invoice_notices(mailer).perform(NewInvoice.from_payload(task.payload))


def _leak_alert(task: Task, mailer: Mailer) -> None:
    from espace_abonne.consumption.leaks import LeakAlertTask
    from espace_abonne.consumption.wiring import leak_alert_notices

    leak_alert_notices(mailer).perform(LeakAlertTask.from_payload(task.payload))


# Each kind: the payload fields it needs (strings), and what runs it.
TASKS: dict[str, tuple[tuple[str, ...], Perform]] = {
    outbox.SEND_EMAIL: (("to", "subject", "text", "html"), _send_email),
    outbox.SIGN_UP: (("email", "password_hash"), _sign_up),
    outbox.RESEND_ACTIVATION: (("email",), _resend_activation),
    outbox.PASSWORD_RESET: (("email",), _password_reset),
    outbox.EMAIL_CHANGE: (("account_id", "email", "new_email"), _email_change),
    outbox.CONTRACT_ENDED: (("account_id", "contract_number", "service_address"), _contract_ended),
    outbox.NEW_INVOICE: (
        ("contract_number", "payer_id", "service_address", "invoice_number", "issue_date", "due_date", "amount"),
        _new_invoice,
    ),
    outbox.LEAK_ALERT: (("contract_number", "payer_id", "service_address", "reading_date"), _leak_alert),
}


def perform(task: Task, mailer: Mailer) -> None:
    if task.kind not in TASKS:
        raise MalformedTask(f"unknown task kind {task.kind!r}")
    fields, run = TASKS[task.kind]
    if not all(isinstance(task.payload.get(name), str) for name in fields):
        raise MalformedTask(f"{task.kind} task without its fields")
    run(task, mailer)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from espace_abonne.core.wiring import ses_mailer

    mailer = ses_mailer()
    failures = []
    for record in event.get("Records", []):
        message_id = str(record.get("messageId", ""))
        logger.set_correlation_id(message_id)
        try:
            task = Task.parse(str(record.get("body", "")), message_id)
            perform(task, mailer)
        except MalformedTask as error:
            logger.error("task dropped: no retry can make it valid", extra={"reason": str(error)})
            metrics.add_metric(name="TasksDropped", unit=MetricUnit.Count, value=1)
        except Exception:
            logger.exception("task failed; SQS will deliver it again")
            metrics.add_metric(name="TasksFailed", unit=MetricUnit.Count, value=1)
            failures.append({"itemIdentifier": message_id})
        else:
            metrics.add_metric(name="TasksDone", unit=MetricUnit.Count, value=1)
    return {"batchItemFailures": failures}

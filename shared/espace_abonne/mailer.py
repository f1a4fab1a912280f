"""Sends an `EmailMessage` through SES as a MIME multipart/alternative message (text + HTML)."""

from email.message import EmailMessage as MimeMessage
from email.utils import formataddr

from espace_abonne import aws
from espace_abonne.email_messages import REGIE_NAME, EmailMessage
from espace_abonne.settings import Settings


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self._sender = settings.email_sender
        self._configuration_set = settings.ses_configuration_set

    def send(self, message: EmailMessage) -> None:
        mime = MimeMessage()
        mime["Subject"] = message.subject
        mime["From"] = formataddr((REGIE_NAME, self._sender))
        mime["To"] = message.to
        if message.reply_to:
            mime["Reply-To"] = message.reply_to
        mime.set_content(message.text)
        mime.add_alternative(message.html, subtype="html")
        extra = {"ConfigurationSetName": self._configuration_set} if self._configuration_set else {}
        aws.ses().send_raw_email(
            Source=self._sender,
            Destinations=[message.to],
            RawMessage={"Data": mime.as_bytes()},
            **extra,  # type: ignore[arg-type]
        )

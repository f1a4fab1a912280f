"""Core services built from the settings (cheap: AWS clients are cached and created on first use)."""

from typing import TYPE_CHECKING

from espace_abonne.core.settings import get_settings

if TYPE_CHECKING:
    from espace_abonne.core.alerts import OperatorAlerts
    from espace_abonne.core.mail import Mailer, SesMailer
    from espace_abonne.core.once import OnceLog
    from espace_abonne.core.outbox import Outbox
    from espace_abonne.core.return_feed import ReturnFeed, ReturnFeedFile
    from espace_abonne.core.throttles import SendLog, ThrottleStore

EMAILS_PER_MAILBOX = 5
EMAIL_WINDOW = 3600


def throttle_store() -> "ThrottleStore":
    from espace_abonne.core.throttles import ThrottleStore

    return ThrottleStore(get_settings().require("throttles_table"))


def send_log() -> "SendLog":
    """At most 5 emails an hour to one mailbox from the flows anyone can start (PRODUCT.md §3)."""
    from espace_abonne.core.throttles import SendLog

    return SendLog(get_settings().require("throttles_table"), EMAILS_PER_MAILBOX, EMAIL_WINDOW)


def return_feed() -> "ReturnFeed":
    from espace_abonne.core.return_feed import ReturnFeed

    return ReturnFeed(get_settings().require("return_feed_table"))


def outbox() -> "Outbox":
    from espace_abonne.core.outbox import Outbox

    return Outbox(get_settings().outbox_queue_url)


def mailer() -> "Mailer":
    """Emails of API functions: queued, sent after the answer by the outbox worker."""
    from espace_abonne.core.outbox import QueuedMailer

    return QueuedMailer(outbox())


def ses_mailer() -> "SesMailer":
    from espace_abonne.core.mail import SesMailer

    settings = get_settings()
    return SesMailer(settings.require("email_sender"), settings.ses_configuration_set)


def alerts() -> "OperatorAlerts":
    from espace_abonne.core.alerts import OperatorAlerts

    return OperatorAlerts(get_settings().require("alarm_topic_arn"))


def once_log() -> "OnceLog":
    from espace_abonne.core.once import OnceLog

    return OnceLog(get_settings().require("throttles_table"))


def return_feed_file() -> "ReturnFeedFile":
    from espace_abonne.core.return_feed import ReturnFeedFile

    return ReturnFeedFile(return_feed(), get_settings().require("return_feed_bucket"))

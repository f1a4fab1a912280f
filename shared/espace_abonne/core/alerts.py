"""Alerts to the operators: a message on the stack's SNS topic (AlarmTopic), where CloudWatch's
alarms go too, so one subscription (the AlarmEmail parameter) receives both.

SNS subjects are ASCII, under 100 characters; the message says what happened and where to look.
"""

from espace_abonne.core import aws

SUBJECT_LIMIT = 99


class OperatorAlerts:
    def __init__(self, topic_arn: str) -> None:
        self._topic_arn = topic_arn

    def send(self, subject: str, message: str) -> None:
        ascii_subject = subject.encode("ascii", "replace").decode("ascii")[:SUBJECT_LIMIT]
        aws.sns().publish(TopicArn=self._topic_arn, Subject=ascii_subject, Message=message)

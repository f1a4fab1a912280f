"""Records the AWS API calls each function makes, as the IAM actions and resources they need."""

from collections import defaultdict
from typing import Any

from local_mode.template import Template

_TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def needed_permissions(service: str, operation: str, params: dict[str, Any]) -> set[tuple[str, str]]:
    """(IAM action, resource) pairs for one call, resources named like the template's tables."""
    if service == "ses":
        return {(f"ses:{operation}", "ses")}
    if service == "secretsmanager":
        return {(f"secretsmanager:{operation}", params["SecretId"])}
    if service == "sqs":
        return {(f"sqs:{operation}", params["QueueUrl"].rsplit("/", 1)[-1])}
    if operation == "TransactWriteItems":
        pairs = set()
        for item in params["TransactItems"]:
            [(kind, body)] = item.items()
            pairs.add((f"dynamodb:{_TRANSACT_ACTIONS[kind]}", body["TableName"]))
        return pairs
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return {(f"dynamodb:{operation}", table) for table in params["RequestItems"]}
    table = params["TableName"]
    if "IndexName" in params:
        table = f"{table}/index/{params['IndexName']}"
    return {(f"dynamodb:{operation}", table)}


def _statements(template: Template, function: str) -> list[dict[str, Any]]:
    """The function's policy statements, conditional ones (`Fn::If`) as the template's conditions say."""
    found = []
    for policy in template.resources[function]["Properties"]["Policies"]:
        for written in policy["Statement"]:
            statement = written
            if "Fn::If" in written:
                condition, when_true, when_false = written["Fn::If"]
                statement = when_true if template.condition(condition) else when_false
            if statement != {"Ref": "AWS::NoValue"}:
                found.append(statement)
    return found


def _target(template: Template, resource: Any) -> str:
    """A statement's resource, named like needed_permissions names what a call touches."""
    if isinstance(resource, list):
        return "ses"
    if "Ref" in resource:
        return template.resolve(resource)  # a secret of the stack: its local name
    if "Fn::GetAtt" in resource:
        return str(resource["Fn::GetAtt"][0])
    text = resource["Fn::Sub"]
    if ":secretsmanager:" in text:  # a secret named by a parameter: arn:…:secret:<name>-*
        return template.resolve({"Fn::Sub": text.split(":secret:", 1)[1].removesuffix("-*")})
    return str(text.removeprefix("${").replace(".Arn}", ""))


def granted_permissions(template: Template, function: str) -> set[tuple[str, str]]:
    pairs = set()
    for statement in _statements(template, function):
        target = _target(template, statement["Resource"])
        pairs |= {(action, target) for action in statement["Action"]}
    return pairs


class AwsCallRecorder:
    def __init__(self) -> None:
        self.function: str | None = None
        self.calls: list[tuple[str, str, str]] = []  # (function, service, operation)
        self.permissions: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-parameter-build", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if self.function is None:
            return
        service = model.service_model.service_name
        self.calls.append((self.function, service, model.name))
        self.permissions[self.function] |= needed_permissions(service, model.name, params)

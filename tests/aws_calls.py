"""Records the AWS API calls each function makes, as the IAM actions and resources they need."""

import fnmatch
from collections import defaultdict
from typing import Any
from urllib.parse import unquote

from local_mode.template import Template, load_template, topic_arn

_TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def needed_permissions(service: str, operation: str, params: dict[str, Any]) -> set[tuple[str, str]]:  # noqa: PLR0911
    """(IAM action, resource) pairs for one call, resources named like the template's tables."""
    if service == "ses":
        return {(f"ses:{operation}", "ses")}
    if service == "secretsmanager":
        return {(f"secretsmanager:{operation}", params["SecretId"])}
    if service == "sqs":
        # SendMessageBatch is authorised as sqs:SendMessage (IAM has no action of its own for it).
        action = "SendMessage" if operation == "SendMessageBatch" else operation
        return {(f"sqs:{action}", params["QueueUrl"].rsplit("/", 1)[-1])}
    if service == "sns":
        # A topic encrypted with a key of the stack: the publisher also needs that key.
        key = _topic_keys().get(params["TopicArn"])
        implied = {("kms:GenerateDataKey", key), ("kms:Decrypt", key)} if key and operation == "Publish" else set()
        return {(f"sns:{operation}", params["TopicArn"]), *implied}
    if service == "s3":
        return _s3_permissions(operation, params)
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


def _topic_keys() -> dict[str, str]:
    """Each SNS topic's KMS key (a key of the stack, by its logical id), by the topic's local ARN."""
    template = load_template()
    return {
        topic_arn(name): resource["Properties"]["KmsMasterKeyId"]["Ref"]
        for name, resource in template.resources.items()
        if resource["Type"] == "AWS::SNS::Topic" and "Ref" in resource["Properties"].get("KmsMasterKeyId", {})
    }


def _statements(template: Template, function: str) -> list[dict[str, Any]]:
    """The function's policy statements, conditional ones (`Fn::If`) as the template's conditions say.
    Statements Lambda itself uses with the role (an OnFailure destination's key) are left out: no
    call of the code needs them."""
    found = []
    for policy in template.resources[function]["Properties"]["Policies"]:
        for written in policy["Statement"]:
            statement = written
            if "Fn::If" in written:
                condition, when_true, when_false = written["Fn::If"]
                statement = when_true if template.condition(condition) else when_false
            if statement != {"Ref": "AWS::NoValue"} and not str(statement.get("Sid", "")).startswith("OnFailure"):
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


def _s3_object(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"


LISTING = "?s3:prefix="  # a listing of the keys under a prefix, as a condition on s3:prefix limits it


def _s3_listing(bucket: str, prefix: str) -> str:
    return f"arn:aws:s3:::{bucket}{LISTING}{prefix}"


def _read_action(version_id: str | None) -> str:
    """Reading an object at a given version is its own IAM action (GetObject, HeadObject, and the
    source of a CopyObject alike): s3:GetObject does not allow it."""
    return "s3:GetObjectVersion" if version_id else "s3:GetObject"


def _copy_source(source: Any) -> tuple[str, str, str | None]:
    """CopySource as a dict, or as botocore may have made it already: "bucket/key?versionId=…"."""
    if isinstance(source, dict):
        return source["Bucket"], source["Key"], source.get("VersionId")
    path, _, query = str(source).partition("?versionId=")
    source_bucket, source_key = unquote(path).split("/", 1)
    return source_bucket, source_key, unquote(query) or None


def _s3_permissions(operation: str, params: dict[str, Any]) -> set[tuple[str, str]]:
    """S3 calls as IAM sees them: objects by ARN (granted patterns cover them, `covered`)."""
    bucket = params["Bucket"]
    if operation == "GetObject":
        read = (_read_action(params.get("VersionId")), _s3_object(bucket, params["Key"]))
        # The code takes NoSuchKey for "not there": S3 answers it only to a caller that may list
        # the bucket (AccessDenied otherwise).
        listing = {("s3:ListBucket", f"arn:aws:s3:::{bucket}")} if not params.get("VersionId") else set()
        return {read, *listing}
    if operation == "HeadObject":
        # A missing key answers 404 only to a caller that may list the bucket (403 otherwise).
        read = (_read_action(params.get("VersionId")), _s3_object(bucket, params["Key"]))
        return {read, ("s3:ListBucket", f"arn:aws:s3:::{bucket}")}
    if operation == "PutObject":
        return {("s3:PutObject", _s3_object(bucket, params["Key"]))}
    if operation == "CopyObject":
        source_bucket, source_key, source_version = _copy_source(params["CopySource"])
        return {
            (_read_action(source_version), _s3_object(source_bucket, source_key)),
            ("s3:PutObject", _s3_object(bucket, params["Key"])),
        }
    if operation in ("ListObjectsV2", "ListObjects"):
        prefix = params.get("Prefix")
        return {("s3:ListBucket", _s3_listing(bucket, prefix) if prefix else f"arn:aws:s3:::{bucket}")}
    return {(f"s3:{operation}", f"arn:aws:s3:::{bucket}")}


def granted_permissions(template: Template, function: str) -> set[tuple[str, str]]:
    pairs = set()
    for statement in _statements(template, function):
        resource = statement["Resource"]
        for action in statement["Action"]:
            if action.split(":", 1)[0] in ("s3", "sns"):  # ARNs, resolved as local mode names the resources
                targets = {template.resolve(r) for r in (resource if isinstance(resource, list) else [resource])}
            else:
                targets = {_target(template, resource)}
            prefixes = statement.get("Condition", {}).get("StringLike", {}).get("s3:prefix")
            if action == "s3:ListBucket" and prefixes:  # a listing limited to some prefixes
                targets = {f"{t}{LISTING}{p}" for t in targets for p in prefixes}
            pairs |= {(action, target) for target in targets}
    return pairs


def covered(used: set[tuple[str, str]], granted: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The calls made, each S3 object replaced by the granted pattern that covers it (`…/exports/*`),
    and a listing under a prefix by the grant that allows it (the whole bucket, or that prefix)."""
    result = set()
    for action, resource in used:
        bucket = resource.partition(LISTING)[0]
        patterns = [
            r
            for a, r in granted
            if a == action and (r == bucket or ("*" in r and fnmatch.fnmatchcase(resource, r.replace("?", "[?]"))))
        ]
        result.add((action, patterns[0] if patterns else resource))
    return result


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

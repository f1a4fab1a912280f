"""Reads `template.yaml`: tables, functions, routes and their environment — one source of truth
for local mode and the tests."""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"
REGION = "eu-west-3"
ACCOUNT_ID = "123456789012"  # moto's default account
STACK_NAME = "espace-abonne-local"
# CloudFormation's pseudo parameters, as local mode resolves them.
PSEUDO_PARAMETERS = {
    "AWS::StackName": STACK_NAME,
    "AWS::AccountId": ACCOUNT_ID,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}

# The values local mode gives the template's parameters (the rest use their defaults).
LOCAL_PARAMETERS = {
    "EmailSender": "no-reply@eauxdupaysdaix.fr",
    "LogLevel": "WARNING",
    # Local mode serves the client and the API on one origin: no CloudFront in front of it.
    "CloudFrontOnly": "false",
    # PayFiP: local mode's simulator at its default address (`python -m local_mode` sets the real
    # port, or the PAYFIP_* and PUBLIC_API_URL of its environment); never DGFiP's service by default.
    "PayfipNumcli": "123456",
    "PayfipSaisie": "T",
    "PayfipWsUrl": "http://127.0.0.1:3000/_payfip/tpa/services/securite",
    "PayfipPaymentUrl": "http://127.0.0.1:3000/_payfip/tpa/paiementws.web",
    "PublicApiUrl": "http://127.0.0.1:3000",
}
# What the template's Secrets Manager references resolve to locally (a deployed stack reads its own).
LOCAL_SECRETS = {
    "espace-abonne/contract-key-secret": "local-mode-contract-key-secret-not-for-production",
    "OriginVerifySecret": "local-mode-origin-verify-secret-not-for-production",
}


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation's short tags (!Ref, !Sub, !GetAtt…) as their long forms."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        return re.compile(f"^{regex}$")


def queue_url(name: str) -> str:
    return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{name}"


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"


@dataclass(frozen=True)
class QueueSource:
    queue: str  # the queue's logical id (its local name)
    function: str
    batch_size: int
    reports_failures: bool

    @property
    def url(self) -> str:
        return queue_url(self.queue)

    @property
    def arn(self) -> str:
        return queue_arn(self.queue)


def bucket_name(logical_id: str) -> str:
    """A bucket's local name when the template gives it none: its logical id, lowercased as S3 requires."""
    return logical_id.lower()


def topic_arn(name: str) -> str:
    return f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{name}"


@dataclass(frozen=True)
class BucketSource:
    bucket: str
    function: str
    prefix: str
    suffix: str

    def matches(self, key: str) -> bool:
        return key.startswith(self.prefix) and key.endswith(self.suffix)


@dataclass(frozen=True)
class Function:
    name: str
    handler: str
    code_uri: str
    environment: dict[str, str] = field(default_factory=dict)
    timeout: int = 3  # seconds (Lambda's default; the template's Globals set it)


@dataclass(frozen=True)
class Template:
    document: dict[str, Any]
    parameters: dict[str, str]

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self.document["Resources"])

    def condition(self, name: str) -> bool:
        """A condition of the template, evaluated with the local parameters."""

        def evaluate(expression: Any) -> Any:
            if isinstance(expression, dict) and "Fn::Not" in expression:
                return not evaluate(expression["Fn::Not"][0])
            if isinstance(expression, dict) and "Fn::Equals" in expression:
                first, second = expression["Fn::Equals"]
                return evaluate(first) == evaluate(second)
            if isinstance(expression, dict) and "Condition" in expression:
                return self.condition(expression["Condition"])
            if isinstance(expression, dict) and "Ref" in expression:
                return self.parameters.get(expression["Ref"], "")
            return expression

        return bool(evaluate(self.document["Conditions"][name]))

    def resolve_optional(self, value: Any) -> str | None:
        """Like `resolve`, but `Fn::If` may choose `AWS::NoValue` (None: the value is absent)."""
        if isinstance(value, dict) and "Fn::If" in value:
            name, when_true, when_false = value["Fn::If"]
            return self.resolve_optional(when_true if self.condition(name) else when_false)
        if value == {"Ref": "AWS::NoValue"}:
            return None
        return self.resolve(value)

    def resolve(self, value: Any) -> str:
        """A value of the template, with Ref to resources and parameters resolved for local use."""
        resolved: str | None = None
        if isinstance(value, str | int | float):
            resolved = str(value)
        elif isinstance(value, dict) and "Fn::Sub" in value:
            resolved = re.sub(r"\$\{([\w:.]+)\}", lambda m: self._substitute(m.group(1)), value["Fn::Sub"])
        elif isinstance(value, dict) and "Ref" in value:
            resolved = self._reference(value["Ref"])
        elif isinstance(value, dict) and "Fn::GetAtt" in value:
            resolved = self._attribute(*value["Fn::GetAtt"])
        if resolved is None:
            raise ValueError(f"local mode cannot resolve {value!r}")
        return resolved

    def _substitute(self, name: str) -> str:
        """One `${…}` of an Fn::Sub: a parameter, a pseudo parameter, a resource or its attribute."""
        if name in self.parameters:
            return self.parameters[name]
        if name in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[name]
        resource, _, attribute = name.partition(".")
        resolved = self._attribute(resource, attribute) if attribute else self._reference(resource)
        if resolved is None:
            raise ValueError(f"local mode cannot resolve ${{{name}}}")
        return resolved

    def _reference(self, name: str) -> str | None:
        if name in self.parameters:
            return self.parameters[name]
        local_names: dict[str, Callable[[str], str]] = {
            "AWS::DynamoDB::Table": str,  # a table's local name: its logical id
            "AWS::SQS::Queue": queue_url,
            "AWS::S3::Bucket": self.bucket,
            "AWS::SNS::Topic": topic_arn,
            "AWS::SecretsManager::Secret": str,  # a secret's local name: its logical id
            "AWS::SES::ConfigurationSet": str,
        }
        local_name = local_names.get(self.resources.get(name, {}).get("Type", ""))
        return local_name(name) if local_name else None

    def _attribute(self, name: str, attribute: str) -> str | None:
        kind = self.resources.get(name, {}).get("Type")
        if kind == "AWS::SQS::Queue" and attribute == "Arn":
            return queue_arn(name)
        if kind == "AWS::S3::Bucket" and attribute == "Arn":
            return f"arn:aws:s3:::{self.bucket(name)}"
        return None

    def bucket(self, logical_id: str) -> str:
        """A bucket's local name: its BucketName when the template sets one, else its logical id."""
        props = self.resources[logical_id].get("Properties", {})
        return self.resolve(props["BucketName"]) if "BucketName" in props else bucket_name(logical_id)

    def table_definitions(self) -> dict[str, dict[str, Any]]:
        """Each table's CreateTable arguments, taken from its template definition."""
        tables = {}
        for name, resource in self.resources.items():
            if resource["Type"] != "AWS::DynamoDB::Table":
                continue
            props = resource["Properties"]
            definition: dict[str, Any] = {
                "TableName": name,
                "AttributeDefinitions": props["AttributeDefinitions"],
                "KeySchema": props["KeySchema"],
                "BillingMode": props["BillingMode"],
            }
            for index_kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
                if index_kind in props:
                    definition[index_kind] = props[index_kind]
            if props.get("SSESpecification", {}).get("SSEEnabled"):
                definition["SSESpecification"] = {"Enabled": True}
            tables[name] = definition
        return tables

    def queue_definitions(self) -> dict[str, dict[str, str]]:
        """Each queue's CreateQueue attributes (dead-letter queues first), from its template definition."""
        queues: dict[str, dict[str, str]] = {}
        for name, resource in self.resources.items():
            if resource["Type"] != "AWS::SQS::Queue":
                continue
            props = resource.get("Properties", {})
            attributes = {
                key: str(props[key]) for key in ("VisibilityTimeout", "MessageRetentionPeriod") if key in props
            }
            if "RedrivePolicy" in props:
                redrive = props["RedrivePolicy"]
                attributes["RedrivePolicy"] = json.dumps(
                    {
                        "deadLetterTargetArn": self.resolve(redrive["deadLetterTargetArn"]),
                        "maxReceiveCount": int(redrive["maxReceiveCount"]),
                    }
                )
            queues[name] = attributes
        return dict(sorted(queues.items(), key=lambda item: "RedrivePolicy" in item[1]))

    def queue_sources(self) -> list["QueueSource"]:
        """The SQS event sources: which function each queue feeds, and how."""
        sources = []
        for name, resource in self.resources.items():
            if resource["Type"] != "AWS::Serverless::Function":
                continue
            for event in resource["Properties"].get("Events", {}).values():
                if event["Type"] == "SQS":
                    queue = event["Properties"]["Queue"]["Fn::GetAtt"][0]
                    sources.append(
                        QueueSource(
                            queue=queue,
                            function=name,
                            batch_size=int(event["Properties"].get("BatchSize", 10)),
                            reports_failures="ReportBatchItemFailures"
                            in event["Properties"].get("FunctionResponseTypes", []),
                        )
                    )
        return sources

    def bucket_names(self) -> list[str]:
        return [self.bucket(name) for name, r in self.resources.items() if r["Type"] == "AWS::S3::Bucket"]

    def bucket_ids(self) -> dict[str, str]:
        """Each bucket's logical id, by its local name."""
        return {self.bucket(n): n for n, r in self.resources.items() if r["Type"] == "AWS::S3::Bucket"}

    def topic_names(self) -> list[str]:
        return [name for name, r in self.resources.items() if r["Type"] == "AWS::SNS::Topic"]

    def binary_media_types(self) -> tuple[str, ...]:
        """The API's binary media types (SAM writes `/` as `~1`): API Gateway answers a base64 body
        as bytes only when the request's first Accept type is one of them."""
        api = next(r for r in self.resources.values() if r["Type"] == "AWS::Serverless::Api")
        return tuple(str(t).replace("~1", "/") for t in api["Properties"].get("BinaryMediaTypes", []))

    def s3_sources(self) -> list["BucketSource"]:
        """The S3 event sources: which function an object created in a bucket calls, for which keys."""
        sources = []
        for name, resource in self.resources.items():
            if resource["Type"] != "AWS::Serverless::Function":
                continue
            for event in resource["Properties"].get("Events", {}).values():
                if event["Type"] != "S3":
                    continue
                props = event["Properties"]
                rules = props.get("Filter", {}).get("S3Key", {}).get("Rules", [])
                filters = {rule["Name"].lower(): rule["Value"] for rule in rules}
                sources.append(
                    BucketSource(
                        bucket=self.bucket(props["Bucket"]["Ref"]),
                        function=name,
                        prefix=filters.get("prefix", ""),
                        suffix=filters.get("suffix", ""),
                    )
                )
        return sources

    def schedules(self) -> dict[str, str]:
        """Scheduled functions and their schedule expression (EventBridge rules)."""
        found = {}
        for name, resource in self.resources.items():
            if resource["Type"] != "AWS::Serverless::Function":
                continue
            for event in resource["Properties"].get("Events", {}).values():
                if event["Type"] in ("Schedule", "ScheduleV2"):
                    props = event["Properties"]
                    found[name] = str(props.get("Schedule") or props.get("ScheduleExpression"))
        return found

    def ttl_attributes(self) -> dict[str, str]:
        return {
            name: r["Properties"]["TimeToLiveSpecification"]["AttributeName"]
            for name, r in self.resources.items()
            if r["Type"] == "AWS::DynamoDB::Table" and "TimeToLiveSpecification" in r["Properties"]
        }

    def functions(self) -> dict[str, Function]:
        globals_ = self.document.get("Globals", {}).get("Function", {})
        global_env = globals_.get("Environment", {}).get("Variables", {})
        functions = {}
        for name, resource in self.resources.items():
            if resource["Type"] != "AWS::Serverless::Function":
                continue
            props = resource["Properties"]
            variables = {**global_env, **props.get("Environment", {}).get("Variables", {})}
            functions[name] = Function(
                name=name,
                handler=props["Handler"],
                code_uri=str(props["CodeUri"]).rstrip("/"),
                environment={
                    key: resolved
                    for key, value in variables.items()
                    if (resolved := self.resolve_optional(value)) is not None
                },
                timeout=int(props.get("Timeout", globals_.get("Timeout", 3))),
            )
        return functions

    def routes(self) -> list[Route]:
        routes = []
        for name, resource in self.resources.items():
            if resource["Type"] != "AWS::Serverless::Function":
                continue
            for event in resource["Properties"].get("Events", {}).values():
                if event["Type"] == "Api":
                    routes.append(Route(event["Properties"]["Method"].upper(), event["Properties"]["Path"], name))
        return routes

    def configuration_sets(self) -> list[str]:
        return [name for name, r in self.resources.items() if r["Type"] == "AWS::SES::ConfigurationSet"]

    def local_secrets(self) -> dict[str, str]:
        """The Secrets Manager secrets the stack reads at run time, by name, with their local values."""
        return {
            self.parameters["ContractKeySecretName"]: LOCAL_SECRETS["espace-abonne/contract-key-secret"],
            "OriginVerifySecret": LOCAL_SECRETS["OriginVerifySecret"],
        }

    def secret(self, name: str) -> str:
        """The local value of a Secrets Manager secret the template refers to."""
        return LOCAL_SECRETS[name]

    def gateway_response_headers(self, kind: str = "DEFAULT_4XX") -> dict[str, str]:
        """The headers API Gateway adds to its own answers (missing route, throttled, 5xx)."""
        api = next(r for r in self.resources.values() if r["Type"] == "AWS::Serverless::Api")
        response = api["Properties"].get("GatewayResponses", {}).get(kind, {})
        headers = response.get("ResponseParameters", {}).get("Headers", {})
        return {name: str(value).strip("'") for name, value in headers.items()}

    def cors(self) -> dict[str, str]:
        """The API's CORS settings, as API Gateway's OPTIONS answers would carry them."""
        api = next(r for r in self.resources.values() if r["Type"] == "AWS::Serverless::Api")
        cors = api["Properties"]["Cors"]

        def unquote(value: str) -> str:
            return value.strip("'")

        origin = cors["AllowOrigin"]
        if isinstance(origin, dict) and "Fn::Sub" in origin:
            origin = re.sub(r"\$\{(\w+)\}", lambda m: self.parameters[m.group(1)], origin["Fn::Sub"])
        return {
            "Access-Control-Allow-Origin": unquote(origin),
            "Access-Control-Allow-Methods": unquote(cors["AllowMethods"]),
            "Access-Control-Allow-Headers": unquote(cors["AllowHeaders"]),
            "Access-Control-Allow-Credentials": "true" if cors.get("AllowCredentials") else "false",
            "Access-Control-Max-Age": unquote(cors.get("MaxAge", "'0'")),
        }


@cache
def _document() -> dict[str, Any]:
    return dict(yaml.load(TEMPLATE_PATH.read_text(encoding="utf-8"), Loader=_CfnLoader))  # noqa: S506 (safe loader subclass)


def load_template(overrides: dict[str, str] | None = None) -> Template:
    document = _document()
    parameters = {
        name: str(spec["Default"]) for name, spec in document.get("Parameters", {}).items() if "Default" in spec
    }
    parameters.update(LOCAL_PARAMETERS)
    parameters.update(overrides or {})
    return Template(document=document, parameters=parameters)

"""What template.yaml promises the operators: safe data tables, least privilege, explicit routes."""

import json
import re
import tomllib
from typing import Any

from local_mode.template import ROOT, Template


def resources_of(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template.resources.items() if r["Type"] == kind}


def test_tables_are_on_demand_encrypted_with_point_in_time_recovery(template: Template) -> None:
    tables = resources_of(template, "AWS::DynamoDB::Table")
    assert set(tables) >= {"AccountsTable", "TokensTable", "LinksTable", "BillingTable", "RequestsTable"}
    for name, table in tables.items():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
        assert props["SSESpecification"]["SSEEnabled"] is True, name


def test_data_tables_survive_stack_deletion(template: Template) -> None:
    for name in ("AccountsTable", "LinksTable", "BillingTable", "RequestsTable"):
        table = template.resources[name]
        assert table["DeletionPolicy"] == "Retain", name
        assert table["UpdateReplacePolicy"] == "Retain", name


def test_expiring_items_have_ttl(template: Template) -> None:
    assert template.ttl_attributes()["TokensTable"] == "expires_at"


def test_functions_are_python_313_on_arm64_with_the_shared_layer(template: Template) -> None:
    globals_ = template.document["Globals"]["Function"]
    assert globals_["Runtime"] == "python3.13"
    assert globals_["Architectures"] == ["arm64"]
    assert globals_["Tracing"] == "Active"
    assert globals_["Layers"][0] == {"Ref": "SharedLayer"}
    # The optional OpenTelemetry layer, off by default (docs/operations.md, Observability).
    assert globals_["Layers"][1] == {
        "Fn::If": ["HasOpenTelemetry", {"Ref": "OpenTelemetryLayerArn"}, {"Ref": "AWS::NoValue"}]
    }
    assert template.parameters["OpenTelemetryLayerArn"] == ""
    assert all("AWS_LAMBDA_EXEC_WRAPPER" not in f.environment for f in template.functions().values())
    layer = template.resources["SharedLayer"]
    assert layer["Properties"]["ContentUri"] == "shared/"
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    # sam build runs this target of shared/Makefile (wheels for arm64, bytecode for Python 3.13).
    assert "\nbuild-SharedLayer:\n" in (ROOT / "shared" / "Makefile").read_text(encoding="utf-8")


def test_routes_are_explicit(template: Template) -> None:
    paths = {route.path for route in template.routes()}
    assert not any("proxy+" in path or "*" in path for path in paths)
    assert {(r.method, r.path) for r in template.routes()} >= {
        ("POST", "/accounts"),
        ("POST", "/accounts/activation"),
        ("POST", "/accounts/activation/resend"),
    }


def test_cors_allows_one_configured_origin_with_credentials(template: Template) -> None:
    cors = template.resources["Api"]["Properties"]["Cors"]
    assert cors["AllowOrigin"] == {"Fn::Sub": "'${FrontendUrl}'"}
    assert cors["AllowCredentials"] is True
    assert "*" not in str(cors)


def test_stage_throttling_is_parameterised(template: Template) -> None:
    [settings] = template.resources["Api"]["Properties"]["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}


def _statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    """Every statement a function's policy may hold (both branches of a conditional one)."""
    found = []
    for policy in function["Properties"]["Policies"]:
        for statement in policy["Statement"]:
            branches = statement["Fn::If"][1:] if "Fn::If" in statement else [statement]
            found += [branch for branch in branches if branch != {"Ref": "AWS::NoValue"}]
    return found


def test_each_function_gets_only_named_actions_on_named_tables(template: Template) -> None:
    """What each function needs is checked against what it calls in tests/test_least_privilege.py."""
    for name, function in resources_of(template, "AWS::Serverless::Function").items():
        for statement in _statements(function):
            assert statement["Effect"] == "Allow"
            assert all("*" not in action for action in statement["Action"]), name
            if any(a.startswith("dynamodb:") for a in statement["Action"]):
                resource = statement["Resource"]
                assert set(resource) == {"Fn::GetAtt"} or re.fullmatch(
                    r"\$\{\w+Table\.Arn\}/index/\w+", resource["Fn::Sub"]
                ), name
            if any(a.startswith("sqs:") for a in statement["Action"]):
                assert statement["Resource"] == {"Fn::GetAtt": ["OutboxQueue", "Arn"]}, name


def test_emails_may_only_be_sent_from_the_configured_sender(template: Template) -> None:
    senders = [
        name
        for name, function in resources_of(template, "AWS::Serverless::Function").items()
        if any("ses:SendRawEmail" in s["Action"] for s in _statements(function))
    ]
    assert senders == ["OutboxFunction"]  # every email goes out after the answer, from the outbox worker
    for function in senders:
        statements = _statements(template.resources[function])
        [ses] = [s for s in statements if s["Action"] == ["ses:SendRawEmail"]]
        assert ses["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "EmailSender"}}}


def test_every_function_folder_is_importable_in_development(template: Template) -> None:
    """The editable install puts each CodeUri on sys.path, as Lambda does; a new function must be added."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    dev_dirs = set(pyproject["tool"]["hatch"]["build"]["dev-mode-dirs"])
    for function in template.functions().values():
        assert function.code_uri in dev_dirs, function.name


def test_outputs_give_the_api_url_and_table_names(template: Template) -> None:
    outputs = template.document["Outputs"]
    assert {"ApiUrl", "AccountsTableName", "TokensTableName", "LinksTableName", "BillingTableName"} <= set(outputs)


def test_local_mode_is_outside_every_packaged_folder(template: Template) -> None:
    packaged = [f.code_uri for f in template.functions().values()] + ["shared"]
    assert not any((ROOT / folder / "local_mode").exists() for folder in packaged)
    assert all(not folder.startswith("local_mode") for folder in packaged)


def test_the_cle_secret_is_read_at_run_time_and_never_placed_in_an_environment(template: Template) -> None:
    for name, function in resources_of(template, "AWS::Serverless::Function").items():
        assert "resolve:" not in str(function["Properties"].get("Environment")), name
    readers = {
        name
        for name, function in resources_of(template, "AWS::Serverless::Function").items()
        if any("ContractKeySecretName" in str(s["Resource"]) for s in _statements(function))
    }
    named = {
        name
        for name, function in resources_of(template, "AWS::Serverless::Function").items()
        if "CONTRACT_KEY_SECRET_ID" in function["Properties"]["Environment"]["Variables"]
    }
    # Linking compares clés; the billing import stores their keyed hashes.
    assert readers == named == {"ContractsFunction", "BillingImportFunction"}
    for reader in readers:
        variables = template.resources[reader]["Properties"]["Environment"]["Variables"]
        assert variables["CONTRACT_KEY_SECRET_ID"] == {"Ref": "ContractKeySecretName"}


def test_every_checkov_skip_says_why(template: Template) -> None:
    for name, resource in template.resources.items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert skip["id"].startswith(("CKV_", "CKV2_")), name
            assert len(skip.get("comment", "")) > 30, f"{name}: {skip['id']} needs a reason"


def test_the_api_writes_access_logs_with_a_retention(template: Template) -> None:
    setting = template.resources["Api"]["Properties"]["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}
    assert "$context.requestId" in setting["Format"]
    assert "$context.identity.sourceIp" in setting["Format"]
    assert template.resources["ApiAccessLogs"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_alarms_cover_errors_throttles_and_email_reputation(template: Template) -> None:
    alarms = resources_of(template, "AWS::CloudWatch::Alarm")
    metrics = set()
    for alarm in alarms.values():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]
        if "MetricName" in props:
            metrics.add(props["MetricName"])
        for query in props.get("Metrics", []):
            if "MetricStat" in query:
                metrics.add(query["MetricStat"]["Metric"]["MetricName"])
    assert metrics >= {
        "5XXError",
        "Errors",
        "Throttles",
        "ReadThrottleEvents",
        "WriteThrottleEvents",
        "Reputation.BounceRate",
        "Reputation.ComplaintRate",
    }


def heading_anchors(document: str) -> set[str]:
    """The anchors GitHub gives a Markdown file's headings (fenced code left out)."""
    anchors, fenced = set(), False
    for line in document.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (heading := re.match(r"#{1,6} (.+)", line)):
            text = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower().replace("`", ""))
            anchors.add(text.replace(" ", "-"))
    return anchors


def test_every_docs_section_an_alarm_points_to_exists(template: Template) -> None:
    """An operator woken by an alarm follows its description: the file and the section must be there."""
    pointed = []
    for name, alarm in resources_of(template, "AWS::CloudWatch::Alarm").items():
        description = " ".join(str(alarm["Properties"].get("AlarmDescription", "")).split())
        for path, anchor in re.findall(r"\b(docs/[\w-]+\.md)(?:#([\w-]+))?", description):
            document = ROOT / path
            assert document.is_file(), f"{name}: {path}"
            assert anchor, f"{name}: {path} without the section's anchor"
            assert anchor in heading_anchors(document.read_text(encoding="utf-8")), f"{name}: {path}#{anchor}"
            pointed.append(name)
        assert "README, " not in description, f"{name}: name the docs file and section"
    assert {"PaymentsPendingTooLongAlarm", "PaymentAnomaliesAlarm", "OutboxDeadLetterAlarm"} <= set(pointed)


def test_every_function_and_table_is_watched(template: Template) -> None:
    dimensions = [
        query["MetricStat"]["Metric"]["Dimensions"][0]["Value"]
        for alarm in resources_of(template, "AWS::CloudWatch::Alarm").values()
        for query in alarm["Properties"].get("Metrics", [])
        if "MetricStat" in query
    ]
    watched = {value["Ref"] for value in dimensions if isinstance(value, dict)}  # not the functions' own metrics
    assert set(resources_of(template, "AWS::Serverless::Function")) <= watched
    assert set(resources_of(template, "AWS::DynamoDB::Table")) <= watched


def test_the_alarm_topic_is_encrypted_with_a_key_alarms_may_use_and_refuses_plain_http(template: Template) -> None:
    # Under the AWS-managed key (alias/aws/sns) CloudWatch could not publish: no alarm would arrive.
    assert template.resources["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    key = template.resources["AlarmTopicKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    cloudwatch = next(s for s in key["KeyPolicy"]["Statement"] if s["Sid"] == "CloudWatchAlarmsPublish")
    assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert set(cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    statements = template.resources["AlarmTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    deny = next(s for s in statements if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert template.resources["AlarmEmailSubscription"]["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}


def test_the_cloudfront_waf_rate_limits_each_viewer() -> None:
    """The web ACL sits in front of CloudFront (waf.yaml, us-east-1), where it sees the viewers'
    addresses; in front of the API it would only see CloudFront's."""
    import yaml

    from local_mode.template import _CfnLoader

    waf = yaml.load((ROOT / "waf.yaml").read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506
    acl = waf["Resources"]["WebAcl"]["Properties"]
    assert acl["Scope"] == "CLOUDFRONT"
    rate = acl["Rules"][0]
    assert rate["Statement"]["RateBasedStatement"] == {"Limit": {"Ref": "RateLimit"}, "AggregateKeyType": "IP"}
    assert rate["Action"] == {"Block": {}}


def test_aws_clients_give_up_well_before_the_function_timeout(template: Template) -> None:
    from espace_abonne.core.aws import _config

    config: Any = _config()
    timeout = template.document["Globals"]["Function"]["Timeout"]
    attempts = config.retries["total_max_attempts"]
    assert config.retries["mode"] == "standard"
    # Worst case of one call: every attempt hits both timeouts, plus standard mode's backoff
    # (at most 2**i seconds before retry i, 0-based: 1 + 2 for three attempts).
    worst = attempts * (config.connect_timeout + config.read_timeout) + sum(2**i for i in range(attempts - 1))
    assert worst < timeout
    assert attempts <= 3


def test_openapi_json_documents_every_route_of_the_template(template: Template) -> None:
    document = json.loads((ROOT / "openapi.json").read_text(encoding="utf-8"))
    documented = {(method.upper(), path) for path, operations in document["paths"].items() for method in operations}

    assert documented == {(route.method, route.path) for route in template.routes()}


def test_an_operator_switches_opentelemetry_on_with_one_parameter() -> None:
    from local_mode.template import load_template

    arn = "arn:aws:lambda:eu-west-3:123456789012:layer:otel-python-arm64:1"
    with_otel = load_template({"FrontendUrl": "https://monespace.eauxdupaysdaix.fr", "OpenTelemetryLayerArn": arn})

    for function in with_otel.functions().values():
        assert function.environment["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/otel-instrument", function.name
    assert with_otel.condition("HasOpenTelemetry")


def test_payments_are_kept_with_a_sparse_index_of_pending_ones(template: Template) -> None:
    table = template.resources["PaymentsTable"]
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")  # accounting records
    [index] = table["Properties"]["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "Pending"
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["pending", "created_at"]
    assert "TimeToLiveSpecification" not in table["Properties"]


def test_payfip_settings_are_stack_parameters_with_dgfip_s_urls_by_default(template: Template) -> None:
    parameters = template.document["Parameters"]
    assert parameters["PayfipWsUrl"]["Default"] == "https://www.payfip.gouv.fr/tpa/services/securite"
    assert parameters["PayfipPaymentUrl"]["Default"] == "https://www.payfip.gouv.fr/tpa/paiementws.web"
    assert parameters["PayfipSaisie"]["AllowedValues"] == ["T", "X", "W"]
    assert "Default" not in parameters["PayfipNumcli"]  # the Régie's own: a deploy without it fails
    # Where PayFiP reaches the API: by default the distribution's /api, on the portal's own domain.
    assert parameters["PublicApiUrl"]["Default"] == ""
    assert template.resources["PaymentsFunction"]["Properties"]["Environment"]["Variables"]["PUBLIC_API_URL"] == {
        "Fn::If": ["HasPublicApiUrl", {"Ref": "PublicApiUrl"}, {"Fn::Sub": "${FrontendUrl}/api"}]
    }
    samconfig = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    dev = dict(o.split("=", 1) for o in samconfig["dev"]["deploy"]["parameters"]["parameter_overrides"])
    prod = dict(o.split("=", 1) for o in samconfig["prod"]["deploy"]["parameters"]["parameter_overrides"])
    assert (dev["PayfipSaisie"], prod["PayfipSaisie"]) == ("T", "W")  # test in dev, production in prod


def test_the_settler_runs_every_five_minutes_and_its_metrics_are_watched(template: Template) -> None:
    assert template.schedules()["PaymentSettlerFunction"] == "rate(5 minutes)"
    settler = template.functions()["PaymentSettlerFunction"].environment["POWERTOOLS_SERVICE_NAME"]
    payfip = template.functions()["PayfipFunction"].environment["POWERTOOLS_SERVICE_NAME"]
    stuck = template.resources["PaymentsPendingTooLongAlarm"]["Properties"]
    assert (stuck["MetricName"], stuck["Dimensions"]) == (
        "OldestPendingPaymentAge",
        [{"Name": "service", "Value": settler}],  # Powertools' own dimension: the function's service name
    )
    assert stuck["Threshold"] == 3600
    anomalies = template.resources["PaymentAnomaliesAlarm"]["Properties"]["Metrics"]
    watched = {q["MetricStat"]["Metric"]["Dimensions"][0]["Value"] for q in anomalies if "MetricStat" in q}
    assert watched == {settler, payfip}


def test_payfip_s_routes_are_served_by_a_function_without_sessions(template: Template) -> None:
    """The notification and the return read no cookie: their function cannot even reach the sessions."""
    payfip_routes = {(r.method, r.path) for r in template.routes() if r.function == "PayfipFunction"}
    assert payfip_routes == {
        ("POST", "/payments/payfip/notifications"),
        ("GET", "/payments/payfip/return"),
        ("POST", "/payments/payfip/return"),
    }
    environment = template.functions()["PayfipFunction"].environment
    assert "SESSIONS_TABLE" not in environment
    assert "PAYFIP_NUMCLI" not in environment  # it compares with what was stored at the start


def test_buckets_are_private_encrypted_tls_only_and_versioned_where_data_lives(template: Template) -> None:
    """Issue 15: the billing inbox, the documents and the return feed, access-logged to LogsBucket."""
    data = ("BillingInboxBucket", "DocumentsBucket", "ReturnFeedBucket")
    buckets = {name: resources_of(template, "AWS::S3::Bucket")[name] for name in data}
    policies = {
        p["Properties"]["Bucket"]["Ref"]: p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources_of(template, "AWS::S3::BucketPolicy").values()
    }
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        assert set(props["PublicAccessBlockConfiguration"].values()) == {True}, name
        assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}, name
        [encryption] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        deny = next(s for s in policies[name] if isinstance(s, dict) and s.get("Sid") == "DenyInsecureTransport")
        assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*"), name
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}, name
        assert bucket["DeletionPolicy"] == "Retain", name
        assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms", name
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}, name
        assert props["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": "LogsBucket"}, name
        assert props["LoggingConfiguration"]["LogFilePrefix"].startswith("s3/"), name  # LogsBucket's policy


def test_the_import_starts_from_an_export_dropped_in_the_inbox_and_runs_one_at_a_time(template: Template) -> None:
    [export, resume] = template.s3_sources()
    inbox = template.functions()["BillingImportFunction"].environment["BILLING_INBOX_BUCKET"]
    assert (export.bucket, export.prefix, export.suffix) == (inbox, "exports/", ".jsonl")
    assert (resume.bucket, resume.prefix, resume.suffix) == (inbox, "exports/", ".resume.json")
    props = template.resources["BillingImportFunction"]["Properties"]
    assert props["ReservedConcurrentExecutions"] == 1
    assert props["Timeout"] == 900
    assert props["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"] == {"Ref": "AlarmTopic"}

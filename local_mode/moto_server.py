"""`make moto-server`: moto as a network server for `sam local start-api` (which needs Docker).

It creates the template's tables, verifies the sender, then prints every email the functions
send. The functions reach it through `local_mode/sam-local-env.json` (AWS_ENDPOINT_URL).
"""

import os
import time

from local_mode.backend import REGION, load_demo_data, use_dummy_aws_environment
from local_mode.server import Outbox
from local_mode.template import load_template


def main() -> None:
    import boto3
    from moto.server import ThreadedMotoServer

    host = os.environ.get("MOTO_HOST", "0.0.0.0")  # noqa: S104 (Docker containers must reach it)
    port = int(os.environ.get("MOTO_PORT", "5000"))
    use_dummy_aws_environment()
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    template = load_template()
    dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)
    for definition in template.table_definitions().values():
        dynamodb.create_table(**definition)
    boto3.client("ses", region_name=REGION, endpoint_url=endpoint).verify_email_identity(
        EmailAddress=template.parameters["EmailSender"]
    )
    os.environ["AWS_ENDPOINT_URL"] = endpoint  # the importer's client goes to the moto server
    load_demo_data(template)
    os.environ.pop("AWS_ENDPOINT_URL")
    print(f"moto sur {endpoint} — tables : {', '.join(template.table_definitions())}", flush=True)
    outbox = Outbox(lambda text: print(text, flush=True))
    try:
        while True:
            outbox.collect()
            time.sleep(1)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()

"""`make moto-server`: moto as a network server for `sam local start-api` (which needs Docker).

It creates the template's resources, verifies the sender, loads the demo data through the import
function, then runs the queues' workers and the S3 events' functions in this process (as Lambda's
event source mappings and S3 would) and prints every email they send. The functions in containers
reach it through `local_mode/sam-local-env.json`.
"""

import os
import time
from typing import Any

from local_mode.backend import create_resources, load_demo_data, use_dummy_aws_environment, verify_sender
from local_mode.event_sources import EventSources
from local_mode.server import SentMail, load_handlers
from local_mode.template import load_template


class _Context:
    function_name = "moto-server-worker"
    memory_limit_in_mb = 1024
    aws_request_id = "moto-server"
    invoked_function_arn = "arn:aws:lambda:eu-west-3:123456789012:function:moto-server-worker"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def main() -> None:
    from moto.server import ThreadedMotoServer

    host = os.environ.get("MOTO_HOST", "0.0.0.0")  # noqa: S104 (Docker containers must reach it)
    port = int(os.environ.get("MOTO_PORT", "5000"))
    use_dummy_aws_environment()
    # As in local mode: the functions run here print no metrics (the console shows the emails).
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    os.environ["AWS_ENDPOINT_URL"] = endpoint  # every client of this process goes to the moto server
    # The web client `sam local start-api` serves beside (emailed links point there).
    template = load_template({"FrontendUrl": os.environ.get("FRONTEND_URL", "http://127.0.0.1:3000")})
    create_resources(template)
    verify_sender(template.parameters["EmailSender"])
    handlers = load_handlers(template)
    sources = EventSources(template)

    def invoke(function: str, event: dict[str, Any]) -> dict[str, Any]:
        return handlers[function](event, _Context())

    load_demo_data(template, lambda: sources.settle(invoke))  # through the billing inbox and the import function
    print(f"moto sur {endpoint} — tables : {', '.join(template.table_definitions())}", flush=True)
    sent_mail = SentMail(lambda text: print(text, flush=True))
    try:
        while True:
            sources.settle(invoke)
            sent_mail.collect()
            time.sleep(0.5)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()

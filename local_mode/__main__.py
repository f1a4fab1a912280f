"""`python -m local_mode`: the API on http://127.0.0.1:3000 (PORT overrides), no AWS, no Docker."""

import os
import sys

from local_mode.backend import moto_backend
from local_mode.server import LocalApi, make_server
from local_mode.template import load_template


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "3000"))
    # Local settings for Powertools: no X-Ray daemon, no metrics flush, quiet JSON logs.
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    overrides = {"FrontendUrl": f"http://{host}:{port}"}
    # Settings a script may need to change, taken from local mode's own environment when set.
    if "EMAIL_REQUESTS_PER_IP_PER_HOUR" in os.environ:
        overrides["EmailRequestsPerIpPerHour"] = os.environ["EMAIL_REQUESTS_PER_IP_PER_HOUR"]
    template = load_template(overrides)
    with moto_backend(template):
        api = LocalApi(template)
        api.load_demo_data()  # the demo PDFs and export, dropped into the billing inbox and imported
        server = make_server(api, host, port)
        print(
            f"Espace abonné — mode local sur http://{host}:{port}\n"
            f"  le portail : ouvrez http://{host}:{port}/ dans votre navigateur\n"
            f"  routes : {', '.join(f'{r.method} {r.path}' for r in api.routes)}\n"
            f"  emails envoyés : GET http://{host}:{port}/_local/emails (et affichés ici) ; "
            f"alertes SNS : GET http://{host}:{port}/_local/alerts\n"
            f"  import d'un export : POST http://{host}:{port}/_local/billing-imports ; flux retour d'un jour : "
            f"POST puis GET http://{host}:{port}/_local/return-feed/AAAA-MM-JJ\n"
            "  données de démonstration : contrats 11301.11377.01 (clé 7Q4M-2KX9), 11301.11377.02 "
            "(P8W3-6ZTR), 11302.20456.01 (H5N2-R7VB)\n"
            "  DynamoDB, SQS, SES, S3 et SNS : moto, en mémoire (tout est perdu à l'arrêt). Ctrl+C pour arrêter.",
            flush=True,
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("Arrêt.", file=sys.stderr)
        finally:
            server.server_close()


if __name__ == "__main__":
    main()

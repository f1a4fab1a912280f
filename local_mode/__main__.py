"""`python -m local_mode`: the API on http://127.0.0.1:3000 (PORT overrides), no AWS, no Docker."""

import os
import sys
from collections.abc import Mapping

from local_mode.backend import moto_backend
from local_mode.payfip_simulator import PAGE_PATH, SOAP_PATH
from local_mode.server import LocalApi, make_server
from local_mode.template import load_template

# Settings a script may need to change, taken from local mode's own environment when set: the
# per-IP email limit, another PayFiP (a simulator elsewhere, DGFiP's test platform) and where it
# reaches this API.
ENVIRONMENT_PARAMETERS = {
    "EMAIL_REQUESTS_PER_IP_PER_HOUR": "EmailRequestsPerIpPerHour",
    "PAYFIP_WS_URL": "PayfipWsUrl",
    "PAYFIP_PAYMENT_URL": "PayfipPaymentUrl",
    "PAYFIP_NUMCLI": "PayfipNumcli",
    "PUBLIC_API_URL": "PublicApiUrl",
}


def local_overrides(address: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The template parameters local mode sets: its own address for the client and the API, its
    PayFiP simulator, then what its environment says."""
    overrides = {
        "FrontendUrl": address,
        "PublicApiUrl": address,
        "PayfipWsUrl": address + SOAP_PATH,
        "PayfipPaymentUrl": address + PAGE_PATH,
    }
    if bool(environ.get("PAYFIP_WS_URL")) != bool(environ.get("PAYFIP_PAYMENT_URL")):
        # One from the simulator and one from elsewhere: operations created here, paid nowhere.
        raise SystemExit("PAYFIP_WS_URL et PAYFIP_PAYMENT_URL vont ensemble\u00a0: définissez les deux, ou aucun.")
    for variable, parameter in ENVIRONMENT_PARAMETERS.items():
        if environ.get(variable):
            overrides[parameter] = environ[variable]
    return overrides


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "3000"))
    # Local settings for Powertools: no X-Ray daemon, no metrics flush, quiet JSON logs.
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    address = f"http://{host}:{port}"
    template = load_template(local_overrides(address, os.environ))
    ws_url = template.parameters["PayfipWsUrl"]
    payfip = f"simulateur sur {address}{PAGE_PATH}" if ws_url == address + SOAP_PATH else ws_url
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
            f"  PayFiP : {payfip}\n"
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

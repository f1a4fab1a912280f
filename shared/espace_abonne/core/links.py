"""The web client's pages that emails and redirects point to (`FRONTEND_URL` + path).

FRONTEND_URL comes from configuration, never from a request header.
"""

from urllib.parse import quote, urlencode

ACTIVATION = "/activation"
PASSWORD_RESET = "/mot-de-passe/reinitialisation"  # noqa: S105 (a page, not a password)
EMAIL_CONFIRMATION = "/email/confirmation"
LOGIN = "/connexion"
FORGOT_PASSWORD = "/mot-de-passe/oublie"  # noqa: S105 (a page, not a password)
DASHBOARD = "/tableau-de-bord"
CONTACT = "/contact"
PAYMENT_RESULT = "/paiement/resultat"  # ?paiement=<payment id>: where PayFiP's return ends


def page(frontend_url: str, path: str, **query: str) -> str:
    return f"{frontend_url}{path}" + (f"?{urlencode(query)}" if query else "")


def token_link(frontend_url: str, path: str, token: str) -> str:
    """The token rides in the fragment, which browsers never send: no server, CDN log or proxy
    between the mailbox and the page ever sees it (CloudFront's access logs keep query strings)."""
    return f"{frontend_url}{path}#token={quote(token)}"

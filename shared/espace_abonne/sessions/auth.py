"""The session cookie, and the one way every function requires a session: `require_session`."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from espace_abonne.core.errors import NotAuthenticated
from espace_abonne.core.http import SESSION_COOKIE, cookie_values

if TYPE_CHECKING:
    from espace_abonne.sessions.login import Authenticated


def session_token(event: Mapping[str, Any]) -> str | None:
    tokens = cookie_values(event, SESSION_COOKIE)
    return tokens[0] if tokens else None


def current_session(event: Mapping[str, Any]) -> "Authenticated | None":
    """The caller's account and session, or None for a visitor (routes open to both)."""
    from espace_abonne.sessions.wiring import login_service

    cookie = session_token(event)
    return login_service().authenticate(cookie) if cookie else None


def require_session(event: Mapping[str, Any]) -> "Authenticated":
    """The caller's account and session, or 401 `not_authenticated`."""
    authenticated = current_session(event)
    if authenticated is None:
        raise NotAuthenticated()
    return authenticated


def session_cookie(value: str, max_age: int | None) -> Cookie:
    # __Host-: Secure, Path=/ and no Domain, so no subdomain can set or read it.
    return Cookie(
        name=SESSION_COOKIE,
        value=value,
        path="/",
        secure=True,
        http_only=True,
        same_site=SameSite.LAX_MODE,
        max_age=max_age,
    )


def cleared_session_cookie() -> Cookie:
    return Cookie(
        name=SESSION_COOKIE, value="", path="/", secure=True, http_only=True, same_site=SameSite.LAX_MODE, max_age=0
    )

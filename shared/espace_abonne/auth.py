"""The session cookie, and the one way every function requires a session: `require_session`."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from espace_abonne.errors import NotAuthenticated
from espace_abonne.services import login_service

if TYPE_CHECKING:
    from espace_abonne.login_service import Authenticated

SESSION_COOKIE = "__Host-session"


def cookie_values(headers: Mapping[str, Any] | None, name: str) -> list[str]:
    """Values of cookie `name` in the request's Cookie header(s)."""
    values = []
    for key, value in (headers or {}).items():
        if key.lower() != "cookie":
            continue
        for entry in value if isinstance(value, list) else [value]:
            for part in str(entry).split(";"):
                cookie_name, sep, cookie_value = part.strip().partition("=")
                if sep and cookie_name == name and cookie_value:
                    values.append(cookie_value)
    return values


def session_token(event: Mapping[str, Any]) -> str | None:
    tokens = cookie_values(event.get("multiValueHeaders") or event.get("headers"), SESSION_COOKIE)
    return tokens[0] if tokens else None


def require_session(event: Mapping[str, Any]) -> "Authenticated":
    """The caller's account and session, or 401 `not_authenticated`."""
    cookie = session_token(event)
    authenticated = login_service().authenticate(cookie) if cookie else None
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

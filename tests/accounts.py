"""Helpers that bring accounts into a given state through the API itself."""

from tests.conftest import STRONG_PASSWORD, Api, ApiResponse, Mailbox


def activate(api: Api, token: str, password: str = STRONG_PASSWORD, confirmation: str | None = None) -> ApiResponse:
    """The activation page's POST: the sign-up's password, or a new one with its confirmation."""
    body = {"token": token, "password": password}
    if confirmation is not None:
        body["password_confirmation"] = confirmation
    return api.post("/accounts/activation", body)


def activated_account(api: Api, mailbox: Mailbox, email: str, password: str = STRONG_PASSWORD) -> None:
    """An active account with no session open (activation logs in: that session is logged out)."""
    api.post("/accounts", {"email": email, "password": password, "password_confirmation": password})
    response = activate(api, mailbox.last_link(email, "/activation"), password)
    assert response.status == 200
    logged_out = api.request("DELETE", "/sessions/current", headers={"Cookie": session_cookie_of(response)})
    assert logged_out.status == 204


def log_in(
    api: Api, email: str, password: str = STRONG_PASSWORD, remember_me: bool = False, source_ip: str = "198.51.100.7"
) -> ApiResponse:
    return api.post(
        "/sessions", {"email": email, "password": password, "remember_me": remember_me}, source_ip=source_ip
    )


def session_cookie_of(response: ApiResponse) -> str:
    [set_cookie] = response.headers["Set-Cookie"]
    return set_cookie.split(";", 1)[0]  # "__Host-session=…"

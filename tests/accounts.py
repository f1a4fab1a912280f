"""Helpers that bring accounts into a given state through the API itself."""

from tests.conftest import STRONG_PASSWORD, Api, ApiResponse, Mailbox


def activated_account(api: Api, mailbox: Mailbox, email: str, password: str = STRONG_PASSWORD) -> None:
    api.post("/accounts", {"email": email, "password": password, "password_confirmation": password})
    response = api.post("/accounts/activation", {"token": mailbox.last_link(email, "/activation")})
    assert response.status == 200


def log_in(
    api: Api, email: str, password: str = STRONG_PASSWORD, remember_me: bool = False, source_ip: str = "198.51.100.7"
) -> ApiResponse:
    return api.post(
        "/sessions", {"email": email, "password": password, "remember_me": remember_me}, source_ip=source_ip
    )


def session_cookie_of(response: ApiResponse) -> str:
    [set_cookie] = response.headers["Set-Cookie"]
    return set_cookie.split(";", 1)[0]  # "__Host-session=…"

"""How local mode serves the web client (issue 8): files as a static host would, the client's page
for browser navigations, API routes untouched, nothing outside web/."""

import http.client
import re
from pathlib import Path

import pytest

from local_mode.web import WEB_ROOT, StaticSite

HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # what a browser sends


def get(base_url: str, path: str, accept: str = "*/*", method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request(method, path, headers={"Accept": accept})  # the path is sent exactly as given
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def test_a_browser_opening_the_portal_gets_the_client_with_strict_headers(local_api: str) -> None:
    status, headers, body = get(local_api, "/", HTML)

    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'<html lang="fr">' in body
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"  # emailed tokens never leave in a Referer
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_an_emailed_link_opens_the_client_page_and_consumes_nothing(local_api: str) -> None:
    status, _, body = get(local_api, "/activation?token=abc", HTML)

    assert status == 200
    assert b'id="page-activation"' in body


def test_files_are_served_with_their_type(local_api: str) -> None:
    status, headers, body = get(local_api, "/js/main.js")

    assert status == 200
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert body == (WEB_ROOT / "js" / "main.js").read_bytes()
    assert get(local_api, "/css/portail.css")[1]["Content-Type"] == "text/css; charset=utf-8"


def test_api_routes_still_answer_as_the_api(local_api: str) -> None:
    status, headers, body = get(local_api, "/me", HTML)
    assert status == 401
    assert headers["Content-Type"].startswith("application/json")
    # Without a browser's Accept, an unknown path is still API Gateway's answer.
    status, _, body = get(local_api, "/nowhere")
    assert (status, body) == (403, b'{"message": "Missing Authentication Token"}')
    status, _, _ = get(local_api, "/connexion", HTML, method="POST")
    assert status == 403


@pytest.mark.parametrize(
    "path",
    ["/../pyproject.toml", "/%2e%2e/pyproject.toml", "/js/../../template.yaml", "/..%2Flocal_mode/web.py"],
)
def test_nothing_outside_web_is_served(path: str, tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "index.html").write_text("<!doctype html><title>client</title>")
    (tmp_path / "pyproject.toml").write_text("secret")
    (tmp_path / "template.yaml").write_text("secret")
    site = StaticSite(tmp_path / "web")

    assert site.answer("GET", path, "*/*") is None
    answer = site.answer("GET", path, HTML)
    assert answer is not None
    assert answer[2] == b"<!doctype html><title>client</title>"


def test_files_of_unknown_types_are_not_served(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("page")
    (tmp_path / "notes.txt").write_text("notes")

    assert StaticSite(tmp_path).answer("GET", "/notes.txt", "*/*") is None


def test_every_link_the_emails_carry_opens_a_page_of_the_client() -> None:
    """Emails link to the pages named in core/links.py; each must be a page of the client."""
    from espace_abonne.core import links

    routes = set(re.findall(r'^\s+"(/[^"]*)":', (WEB_ROOT / "js" / "main.js").read_text(), re.MULTILINE))
    linked = {value for name, value in vars(links).items() if name.isupper() and isinstance(value, str)}
    assert linked >= {
        "/activation",
        "/connexion",
        "/mot-de-passe/oublie",
        "/mot-de-passe/reinitialisation",
        "/email/confirmation",
    }
    assert linked <= routes

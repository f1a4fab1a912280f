"""How local mode serves the web client (issue 8): files as a static host would, the client's page
for browser navigations, API routes untouched, nothing outside web/. And what can be checked on the
client's files without a browser (issue 17): French typography, the fields' limits, its links."""

import ast
import http.client
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from local_mode.template import ROOT
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
    status, headers, body = get(local_api, "/nowhere")
    assert (status, body) == (403, b'{"message": "Missing Authentication Token"}')
    # API Gateway's own answers carry the security headers too (the template's gateway responses).
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Security-Policy"] == "sandbox"
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


# --- The client's texts and forms, read from its files ---------------------------------------------

INDEX = (WEB_ROOT / "index.html").read_text(encoding="utf-8")
SCRIPTS = {path.relative_to(WEB_ROOT).as_posix(): path.read_text(encoding="utf-8") for path in WEB_ROOT.rglob("*.js")}


class _Page(HTMLParser):
    """Text, attribute values and form fields of index.html (its templates included)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.fields: list[dict[str, str]] = []  # each input or textarea, with "form": its form's id
        self.hrefs: list[str] = []
        self._form = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.texts.extend(value for value in attributes.values() if value)
        if tag == "form":
            self._form = attributes.get("id", "")
        elif tag in {"input", "textarea"}:
            self.fields.append({"tag": tag, "form": self._form, **attributes})
        elif tag == "a" and "href" in attributes:
            self.hrefs.append(attributes["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = ""

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def _page() -> _Page:
    page = _Page()
    page.feed(INDEX)
    page.close()
    return page


_REGEX_MAY_FOLLOW = set("(,=:[!&|?{};+-*%<>~^") | {""}


def _after_comment(source: str, i: int) -> int:
    if source.startswith("/*", i):
        return source.index("*/", i) + 2
    end = source.find("\n", i)
    return len(source) if end < 0 else end


def _end_of(source: str, i: int, closing: str) -> int:
    """Where the quoted string or regular expression opened at i ends (its closing character)."""
    end, in_class = i + 1, False
    while in_class or source[end] != closing:
        if source[end] == "\\":
            end += 1
        elif closing == "/":
            in_class = (in_class or source[end] == "[") and source[end] != "]"
        end += 1
    return end


def js_strings(source: str) -> list[str]:
    """The string literals of one of the client's scripts, as written (a template literal gives each
    of its literal parts; comments and regular expressions are skipped)."""
    found: list[str] = []

    def code(i: int, until_brace: bool) -> int:
        depth, last = 0, ""
        while i < len(source):
            char = source[i]
            if char.isspace():
                i += 1
            elif source.startswith(("//", "/*"), i):
                i = _after_comment(source, i)
            elif char in "\"'":
                end = _end_of(source, i, char)
                found.append(source[i + 1 : end])
                i, last = end + 1, "a"
            elif char == "`":
                i, last = template(i + 1), "a"
            elif char == "/" and (last in _REGEX_MAY_FOLLOW or re.search(r"\breturn\s*$", source[:i])):
                i, last = _end_of(source, i, "/") + 1, "a"
            elif until_brace and char in "{}":
                if char == "}" and depth == 0:
                    return i + 1
                depth += 1 if char == "{" else -1
                i, last = i + 1, char
            else:
                last = "a" if (char.isalnum() or char in "_$)]") else char
                i += 1
        return i

    def template(i: int) -> int:
        part: list[str] = []
        while source[i] != "`":
            if source[i] == "\\":
                part.append(source[i : i + 2])
                i += 2
            elif source.startswith("${", i):
                found.append("".join(part))
                part = []
                i = code(i + 2, until_brace=True)
            else:
                part.append(source[i])
                i += 1
        found.append("".join(part))
        return i + 1

    code(0, until_brace=False)
    return [re.sub(r"\\u([0-9a-fA-F]{4})", lambda match: chr(int(match.group(1), 16)), text) for text in found]


# French typography: a non-breaking space (U+00A0, or the narrow U+202F) after « and before », : ; ! ?,
# so that a line never breaks inside quotes or before those signs (issue 17, §3.9).
WRONG_SPACING = re.compile(r"«(?![\u00a0\u202f])|(?<![\u00a0\u202f])»|[ \t\r\n][:;!?]")


def test_the_scanner_reads_the_scripts_strings_and_not_their_code() -> None:
    strings = js_strings(SCRIPTS["js/main.js"])
    assert "Vous êtes déconnecté." in strings
    assert not any("?" in text and ":" in text for text in js_strings("const a = b ? 'x' : /[?:]/.test(c);"))
    assert js_strings("`${n}\\u00a0m³ ${a ? 's' : ''}`") == ["", "\u00a0m³ ", "s", "", ""]


def test_french_typography_keeps_signs_with_their_words() -> None:
    texts = {"index.html": _page().texts} | {name: js_strings(source) for name, source in SCRIPTS.items()}
    wrong = {name: [text.strip()[:80] for text in found if WRONG_SPACING.search(text)] for name, found in texts.items()}
    assert {name: found for name, found in wrong.items() if found} == {}


def python_strings(source: str) -> list[str]:
    """The string literals of a Python module, its docstrings left out (developers' English). An
    f-string is read whole, `{}` standing for each value, so that « {subject} » is one text."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found: list[str] = []
    inside_fstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and id(node) not in inside_fstrings:
            inside_fstrings |= {id(part) for part in ast.walk(node)} - {id(node)}
            found.append("".join(str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings and id(node) not in inside_fstrings:
                found.append(node.value)
    return found


PYTHON_ROOT = ROOT / "shared" / "espace_abonne"


def _wrong_python_strings(source: str) -> list[str]:
    return [text.strip()[:80] for text in python_strings(source) if _wrongly_spaced(text)]


def _wrongly_spaced(text: str) -> bool:
    """WRONG_SPACING, but in a DynamoDB expression (`version = :next`, `= :{name}`) a colon stuck to
    the word after it is a placeholder, not punctuation: French puts a space after the colon too."""
    for match in WRONG_SPACING.finditer(text):
        sign, after = match.group()[-1], text[match.end() : match.end() + 1]
        if not (sign == ":" and (after.isalpha() or after in "_{")):
            return True
    return False


def test_the_python_scanner_reads_french_texts_and_not_docstrings_or_expressions() -> None:
    source = (
        '"""« Mon compte »: a docstring."""\n'
        "def f(subject, name):\n"
        '    """Sends « Bonjour » : a docstring."""\n'
        '    update(UpdateExpression="SET version = :next", Condition=f"#{name} = :{name}")\n'
        '    return [f"Votre message « {subject} ».", "Titulaire : ", "Vraiment\u00a0?", "Prêt !"]\n'
    )
    assert _wrong_python_strings(source) == ["Votre message « {} ».", "Titulaire :", "Prêt !"]


def test_french_typography_in_the_apis_messages_and_emails() -> None:
    """The emails and the API's French messages keep their signs with their words, as the pages do."""
    modules = sorted(PYTHON_ROOT.rglob("*.py"))
    assert len(modules) > 40
    assert PYTHON_ROOT / "core" / "mail.py" in modules
    wrong = {
        str(path.relative_to(ROOT)): found
        for path in modules
        if (found := _wrong_python_strings(path.read_text(encoding="utf-8")))
    }
    assert wrong == {}


def _string_fields(schema: str) -> dict[str, dict[str, Any]]:
    """The string fields of one of openapi.json's request schemas (an optional one is `anyOf` string, null)."""
    document = json.loads((ROOT / "openapi.json").read_text(encoding="utf-8"))
    fields = {}
    for name, spec in document["components"]["schemas"][schema]["properties"].items():
        for option in spec.get("anyOf", [spec]):
            if option.get("type") == "string":
                fields[name] = option
    return fields


def test_fields_stop_at_the_api_limits() -> None:
    """Issue 17, §3.12: every field one types in has a maxlength, the API's own."""
    from espace_abonne.accounts.passwords import MAX_LENGTH as PASSWORD_MAX
    from espace_abonne.core.email_addresses import MAX_EMAIL_LENGTH

    typed = [
        f for f in _page().fields if f.get("name") and f.get("type", "text") in {"text", "email", "password", "tel"}
    ]
    assert len(typed) > 20
    assert [f["id"] for f in typed if "maxlength" not in f] == []
    # Addresses and passwords have the same limit everywhere, checked by the API's code.
    assert {f["maxlength"] for f in typed if f.get("type") == "email"} == {str(MAX_EMAIL_LENGTH)}
    assert {f["maxlength"] for f in typed if f.get("type") == "password"} == {str(PASSWORD_MAX)}

    fields = {(f["form"], f["name"]): f for f in _page().fields if f.get("name")}
    example = "11301.11377.01"  # the format the pages show beside the contract number
    for form, schema in {
        "contact-form": "ContactBody",
        "subscription-request-form": "SubscriptionRequestBody",
        "link-contract-form": "LinkRequest",
        "leak-attestation-form": "AttestationBody",
    }.items():
        for name, spec in _string_fields(schema).items():
            html = fields.get((form, name))
            if html is None or html.get("type") == "date":  # a date is chosen, not typed
                continue
            if "maxLength" in spec:
                # The model lets an address through up to 320; the address check stops it at 254.
                expected = min(spec["maxLength"], MAX_EMAIL_LENGTH) if name == "email" else spec["maxLength"]
            else:
                assert re.fullmatch(spec["pattern"], example), name
                expected = len(example)
            assert html["maxlength"] == str(expected), (form, name)


def test_every_link_of_the_client_opens_one_of_its_pages() -> None:
    routes = set(re.findall(r'^\s+"(/[^"]*)":', SCRIPTS["js/main.js"], re.MULTILINE))
    linked = {href.split("?")[0] for href in _page().hrefs if href.startswith("/")}
    for source in SCRIPTS.values():
        linked |= set(re.findall(r'(?:navigate|redirect)\(\s*"(/[^"?]*)', source))
    assert "/accessibilite" in linked
    assert linked <= routes | {"/"}, linked - routes

"""The reference web client (`web/`) served as a static host would: files as they are, and
`index.html` for any other page a browser navigates to (the client routes by path)."""

from pathlib import Path
from urllib.parse import unquote

from local_mode.template import ROOT

WEB_ROOT = ROOT / "web"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json; charset=utf-8",
    ".png": "image/png",
    ".ico": "image/x-icon",
}

# The headers the deployed site sends too (docs/web-client.md, "Deploying the web client").
PAGE_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    # Emailed links carry tokens in their query string: never sent on to another site.
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-cache"),
)

Answer = tuple[int, list[tuple[str, str]], bytes]


class StaticSite:
    def __init__(self, root: Path = WEB_ROOT) -> None:
        self.root = root.resolve()

    def _file(self, url_path: str) -> Path | None:
        relative = unquote(url_path).lstrip("/")
        if not relative or "\x00" in relative:
            return None
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate if candidate.suffix in CONTENT_TYPES else None

    def answer(self, method: str, url_path: str, accept: str) -> Answer | None:
        """The file at that path, the client's page for a browser navigation, or None."""
        if method not in {"GET", "HEAD"}:
            return None
        file = self._file(url_path)
        if file is None and "text/html" in accept:
            file = self.root / "index.html"
        if file is None:
            return None
        headers = [("Content-Type", CONTENT_TYPES[file.suffix]), *PAGE_HEADERS]
        return 200, headers, file.read_bytes()

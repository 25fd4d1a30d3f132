"""A customer's website for the tracker tests: real pages on their own origin, with the snippet
and the marked form exactly as docs/tracker.md shows them.

`Site` is a threaded HTTP server on a free loopback port (another origin than `revlens serve`):
GET serves the pages, POST /signup keeps the body (what the site itself received) and
redirects to /thanks.html, as a site's own form handler would.
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.e2e.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "tracker.md"
DOC_HOST = "https://revlens.example.com"
DOC_KEY = "YOUR_WRITE_KEY"


def doc_block(marker: str) -> str:
    """The fenced code block that follows `<!-- marker -->` in docs/tracker.md."""
    text = DOC.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker} -->\n```\w*\n(.*?)```", text, flags=re.S)
    assert found, f"docs/tracker.md has no code block marked <!-- {marker} -->"
    return found.group(1)


def _load_line(block: str) -> str:
    (line,) = [x.strip() for x in block.splitlines() if "revlens.load(" in x]
    return line


def snippet(host: str, key: str, require_consent: bool = False) -> str:
    """The doc's snippet with the doc's placeholders replaced, as a site owner does; with
    `require_consent`, its load line is the one the doc's consent section shows."""
    text = doc_block("snippet")
    if require_consent:
        text = text.replace(_load_line(text), _load_line(doc_block("consent")))
        assert "requireConsent: true" in text
    assert text.count(DOC_HOST) == 2 and text.count(DOC_KEY) == 1
    return text.replace(DOC_HOST, host).replace(DOC_KEY, key)


def consent_buttons() -> str:
    return "\n".join(x for x in doc_block("consent").splitlines() if "<button" in x)


def signup_form() -> str:
    """The doc's marked form, with its password field marked too (as a careless site might):
    the tracker must still never read it."""
    form = doc_block("form")
    careless = form.replace('type="password">', 'type="password" data-revlens-field="password">')
    assert careless != form
    return careless


def page_html(title: str, head: str, body: str) -> str:
    return (f'<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title>\n{head}\n</head>\n<body>\n{body}\n</body></html>")


def site_pages(host: str, key: str, require_consent: bool = False) -> dict[str, str]:
    """landing -> pricing (the form) -> thanks, each with the snippet."""
    head = snippet(host, key, require_consent)
    buttons = consent_buttons() if require_consent else ""
    return {
        "/landing.html": page_html(
            "RevLens CRM 着陆页", head,
            f'<h1>CRM for B2B</h1>\n<a id="to-pricing" href="/pricing.html">价格 Pricing</a>\n'
            f"{buttons}"),
        "/pricing.html": page_html(
            "Pricing 价格", head, f"<h1>Pricing</h1>\n{signup_form()}\n{buttons}"),
        "/thanks.html": page_html("Thanks 谢谢", head, f"<h1>Thank you</h1>\n{buttons}"),
    }


@dataclass
class Site:
    """The customer's website, served from http://127.0.0.1:<port>."""

    pages: dict[str, str]
    port: int = field(default_factory=free_port)
    posted: list[bytes] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Site:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                page = site.pages.get(self.path.split("?")[0])
                if page is None:
                    self.send_error(404)
                    return
                body = page.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                site.posted.append(self.rfile.read(length))
                self.send_response(303)
                self.send_header("Location", "/thanks.html")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

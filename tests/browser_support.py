"""A built site served on 127.0.0.1 under a base path, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from conftest import REPO, require

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# The repository's own demo settings (pyproject.toml), so screenshots show the demo as it is.
DEMO_SETTINGS = 'title = "硅谷资本观察"\ndescription = "人工智能与风险投资新闻，简体与繁体双版本"\n'
ARTIFACTS = Path(os.environ.get("SITEGEN_ARTIFACTS", REPO / ".artifacts"))


class _Handler(http.server.SimpleHTTPRequestHandler):
    """A static host: a missing page gets its edition's 404.html (or the site's), with status 404.

    With ``edition_404`` false it behaves like GitHub Pages: the site's one 404.html for everything.
    """

    edition_404 = True

    def log_message(self, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != 404:
            super().send_error(code, message, explain)
            return
        root = Path(self.directory)
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        for depth in (2, 1) if self.edition_404 else (1,):  # /base/edition/404.html, then /base/404.html
            candidate = root.joinpath(*parts[:depth], "404.html")
            if len(parts) >= depth and candidate.is_file():
                body = candidate.read_bytes()
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
        super().send_error(code, message, explain)


@dataclass
class Served:
    origin: str  # http://127.0.0.1:PORT
    base: str  # "/news/"

    def url(self, path: str = "") -> str:
        return self.origin + self.base + path


@contextmanager
def serve(directory: Path, base: str, edition_404: bool = True) -> Iterator[Served]:
    """Serve ``directory`` (which holds the site in a folder named like the base path) on 127.0.0.1."""
    handler_class = type("Handler", (_Handler,), {"edition_404": edition_404})
    handler = functools.partial(handler_class, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}", base)
    finally:
        server.shutdown()
        server.server_close()


def launch(playwright):  # type: ignore[no-untyped-def]
    require(CHROMIUM, "browser tests drive Debian's Chromium")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)

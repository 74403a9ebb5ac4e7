"""The build checks its own output before it is swapped in: every link a page writes must land.

A project site lives under a sub-path (https://user.github.io/repo/), where a root-relative
"/static/style.css" silently points at another site. So every href and src is read back from
the written HTML and resolved: one that leaves the base path, or that points at a file the
build did not write, is an error naming the page and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .diagnostics import Diagnostics
from .urls import Urls

# Attributes holding a single URL a browser or crawler follows.
_URL_ATTRS = {"href", "src", "poster", "action", "cite", "data"}


@dataclass(frozen=True)
class Reference:
    line: int
    tag: str
    attr: str
    url: str


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Reference] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        for name, value in attrs:
            if value is None:
                continue
            if name in _URL_ATTRS:
                self.found.append(Reference(line, tag, name, value.strip()))
            elif name == "srcset":
                for candidate in value.split(","):
                    url = candidate.strip().split(" ", 1)[0]
                    if url:
                        self.found.append(Reference(line, tag, name, url))


def references(html: str) -> list[Reference]:
    parser = _References()
    parser.feed(html)
    parser.close()
    return parser.found


def _target(site_path: str, written: set[str]) -> bool:
    if site_path == "" or site_path.endswith("/"):
        return site_path + "index.html" in written
    # A folder linked without its slash: servers redirect to the slash form.
    return site_path in written or site_path + "/index.html" in written


def problems(page: str, html: str, urls: Urls, written: set[str]) -> Iterator[tuple[int, str]]:
    """(line, message) for each link of the page at site path ``page`` that does not land."""
    page_url = urls.absolute(page)
    for ref in references(html):
        if not ref.url or ref.url.startswith("#"):
            continue
        parts = urlsplit(ref.url)
        if parts.scheme and parts.scheme not in ("http", "https"):
            continue  # mailto:, data:, tel: ... are not pages of this site
        absolute = urljoin(page_url, ref.url)
        target = urlsplit(absolute)
        if f"{target.scheme}://{target.netloc}" != urls.origin:
            continue  # another site
        if not (target.path + "/").startswith(urls.base_path):
            yield ref.line, (f"<{ref.tag} {ref.attr}=\"{ref.url}\"> leaves the site's base path "
                             f"{urls.base_path}; write URLs through the theme's href()/asset()")
            continue
        site_path = unquote(target.path)[len(urls.base_path):] if target.path != urls.base_path[:-1] else ""
        if not _target(site_path, written):
            yield ref.line, (f"<{ref.tag} {ref.attr}=\"{ref.url}\"> links to {site_path or '/'}, "
                             "which the build did not write")


def check_output(root: Path, written: set[str], urls: Urls, diagnostics: Diagnostics, shown_as: Path,
                 every: set[str] | None = None) -> None:
    """Check every HTML page under ``root`` (the staging folder); report them as under ``shown_as``.

    ``every`` is the whole site when ``written`` is only part of it (a rebuild writes the pages that
    changed): links from the written pages must land somewhere in it.
    """
    for rel in sorted(written):
        if not rel.endswith(".html"):
            continue
        html = (root / rel).read_text(encoding="utf-8")
        page = rel.removesuffix("index.html")
        for line, message in problems(page, html, urls, written if every is None else every):
            diagnostics.error(shown_as / rel, line, message)

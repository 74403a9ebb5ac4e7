"""The build checks its own output before it is swapped in: every link a page writes must land.

A project site lives under a sub-path (https://user.github.io/repo/), where a root-relative
"/static/style.css" silently points at another site. So every href and src is read back from
the written HTML and resolved: one that leaves the base path, or that points at a file the
build did not write, is an error naming the page and line.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

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


# Every attribute that holds a URL, found by lexbor's selector engine rather than a Python loop
# over elements: in C, a 20 KB page is read in about half the time libxml2 took (measured over the
# 30,000 pages of a 10,000-article site, which gave the same URLs both ways).
_URL_SELECTOR = ",".join(f"[{name}]" for name in (*sorted(_URL_ATTRS), "srcset"))


def _links(html: str | bytes) -> list[str]:
    """Every URL attribute of a page, as references() finds them, read by lexbor (fast, in C)."""
    tree = LexborHTMLParser(html)
    found: list[str] = []
    for node in tree.css(_URL_SELECTOR):
        for name, value in node.attributes.items():
            if value is None:
                continue
            if name == "srcset":
                found.extend(url for c in value.split(",") if (url := c.strip().split(" ", 1)[0]))
            elif name in _URL_ATTRS:
                found.append(value.strip())
    # An HTML5 parser keeps a <template>'s content out of the document, but a script may show it:
    # its links must land too.
    for template in tree.css("template"):
        markup = template.html or ""
        start, end = markup.find(">") + 1, markup.rfind("</")
        if 0 < start <= end:
            found.extend(_links(markup[start:end]))
    return found


class _Resolver:
    """Where a page's URLs lead inside the site, remembered: most URLs repeat on every page."""

    def __init__(self, urls: Urls) -> None:
        self.urls = urls
        # Root-relative and absolute URLs lead to the same place from every page: remembered by URL
        # alone; relative ones by the page's folder too.
        self.anywhere: dict[str, str | None] = {}
        self.memo: dict[tuple[str, str], str | None] = {}

    def targets(self, page: str, urls: list[str]) -> tuple[str, ...]:
        """The site paths a page's URLs lead to ("\0" for one leaving the base path), each once."""
        found: dict[str, None] = {}
        anywhere, memo = self.anywhere, self.memo
        for url in urls:
            if not url or url[0] == "#":
                continue
            if url[0] == "/" or "://" in url:
                if url in anywhere:
                    site_path = anywhere[url]
                else:
                    site_path = anywhere[url] = self._site_path(page, url)
            else:
                key = (page.rpartition("/")[0], url)
                if key in memo:
                    site_path = memo[key]
                else:
                    site_path = memo[key] = self._site_path(page, url)
            if site_path is not None:
                found[site_path] = None
        return tuple(map(sys.intern, found))

    def _site_path(self, page: str, url: str) -> str | None:
        """The site path a URL names; None when it is not this site's; "\0" when it leaves the base path."""
        urls = self.urls
        # Most URLs are what urls.href()/absolute() write: under the base path, nothing for
        # urljoin to resolve (no dot segments, empty segments, query, fragment or odd characters).
        # Their site path is the rest of the path, as the general case below finds it, only faster.
        base = urls.base_path
        rest = url[len(urls.origin):] if url.startswith(urls.origin + base) else url
        if (rest.startswith(base) and not rest.startswith("//") and rest.isascii() and rest.isprintable()
                and not any(c in rest for c in " ?#\\") and "/." not in rest and "//" not in rest):
            return unquote(rest[len(base):])
        parts = urlsplit(url)
        if parts.scheme and parts.scheme not in ("http", "https"):
            return None
        target = urlsplit(urljoin(urls.absolute(page), url))
        if f"{target.scheme}://{target.netloc}" != urls.origin:
            return None
        if not (target.path + "/").startswith(urls.base_path):
            return "\0"
        return unquote(target.path)[len(urls.base_path):] if target.path != urls.base_path[:-1] else ""


class PageLinks:
    """Where the URLs of freshly rendered pages lead, found where they are rendered (a worker
    process, see pipeline._build) so that check_output need not read those pages back."""

    def __init__(self, urls: Urls) -> None:
        self.resolver = _Resolver(urls)

    def targets(self, rel: str, html: str | bytes) -> tuple[str, ...]:
        return self.resolver.targets(rel.removesuffix("index.html"), _links(html))


# For each page: the content key it was written with and where its URLs lead (see check_output).
Known = dict[str, tuple[str, tuple[str, ...]]]


def check_output(locate: Callable[[str], str], written: set[str], urls: Urls, diagnostics: Diagnostics, shown_as: Path,
                 every: set[str] | None = None, keys: dict[str, str] | None = None,
                 known: Known | None = None, found_by_workers: dict[str, tuple[str, ...]] | None = None
                 ) -> Known:
    """Check every HTML page ``written``, found by ``locate`` (Output.locate: the staging folder, or
    the output for a page a patch keeps); report them as under ``shown_as``.

    ``every`` is the whole site when ``written`` is only part of it (a rebuild writes the pages that
    changed): links from the written pages must land somewhere in it.

    ``keys`` (site path -> content key) and ``known`` (what an earlier check found) let a page the
    build did not change skip parsing: where its URLs lead is known, only whether they land is
    checked again.
    ``found_by_workers``: the targets of pages whose URLs were read where they were rendered
    (PageLinks).
    Returns what this check found, for the next one. A page with a problem is read once more the
    slow way, for the line of each problem.
    """
    keys, known = keys or {}, known or {}
    site = written if every is None else every
    resolver = _Resolver(urls)
    found: Known = {}
    landed: set[str] = set()  # targets seen to land: most pages link the same few hundred
    for rel in sorted(written):
        if not rel.endswith(".html"):
            continue
        page = rel.removesuffix("index.html")
        key = keys.get(rel, "")
        seen = known.get(rel)
        html = None
        if found_by_workers is not None and rel in found_by_workers:
            targets = found_by_workers[rel]
        elif key and seen is not None and seen[0] == key:
            targets = seen[1]
        else:
            html = Path(locate(rel)).read_text(encoding="utf-8")
            targets = resolver.targets(page, _links(html))
        if key:
            found[rel] = (key, targets)
        unseen = [t for t in targets if t not in landed]
        if all(t != "\0" and _target(t, site) for t in unseen):
            landed.update(unseen)
            continue
        html = html if html is not None else Path(locate(rel)).read_text(encoding="utf-8")
        for line, message in problems(page, html, urls, site):
            diagnostics.error(shown_as / rel, line, message)
    return found

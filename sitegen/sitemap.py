"""sitemap.xml and robots.txt: every page of every edition, each with its twins in the others.

Google reads the language twins of a page from ``xhtml:link rel="alternate" hreflang`` in the
sitemap as well as from the page's <head>; both say the same, from the same URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .seo import iso_datetime
from .settings import Settings
from .urls import Urls
from .xml_text import leaf

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
SITEMAP_FILE = "sitemap.xml"
# Pages that must not be in a sitemap: a 404 page is not a page anyone should land on.
UNLISTED = frozenset({"404.html", "search/"})  # the search page answers queries; it is not content


@dataclass(frozen=True)
class Listed:
    """A page in one edition, as the sitemap lists it."""

    lang: str
    path: str  # site path inside the edition
    lastmod: datetime | None


def sitemap(pages: list[Listed], settings: Settings, urls: Urls) -> str:
    """Written as text (see xml_text): for 30,000 URLs, 0.4 s against 0.6 s through a tree."""
    editions = {e.lang: e for e in settings.editions}
    default = settings.default_edition
    in_edition: dict[str, set[str]] = {}
    for page in pages:
        in_edition.setdefault(page.path, set()).add(page.lang)

    lines = []
    for page in pages:
        if page.path.rsplit("/", 1)[-1] in UNLISTED:
            continue
        lines += ["  <url>", leaf(2, "loc", urls.absolute(f"{editions[page.lang].prefix}/{page.path}"))]
        if page.lastmod is not None:
            lines.append(leaf(2, "lastmod", iso_datetime(page.lastmod)))
        twins = [e for e in settings.editions if e.lang in in_edition[page.path]]
        for twin in twins:
            lines.append(leaf(2, "xhtml:link", rel="alternate", hreflang=twin.lang,
                              href=urls.absolute(f"{twin.prefix}/{page.path}")))
        if default in twins:
            lines.append(leaf(2, "xhtml:link", rel="alternate", hreflang="x-default",
                              href=urls.absolute(f"{default.prefix}/{page.path}")))
        lines.append("  </url>")
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    if not lines:
        return f'{head}<urlset xmlns="{SITEMAP_NS}" />\n'
    # Every URL lists at least its own edition: the xhtml namespace is always in use.
    return "\n".join([f'{head}<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">', *lines, "</urlset>\n"])


def robots_txt(urls: Urls) -> str:
    # Crawlers read robots.txt only at the root of a host; under a sub-path it is still where
    # the sitemap can be found by hand, and it is right as soon as the site has its own domain.
    return f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(SITEMAP_FILE)}\n"

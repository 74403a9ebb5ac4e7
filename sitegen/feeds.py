"""Feeds: Atom (RFC 4287) and JSON Feed 1.1, one pair per edition and per tag and source.

Feeds carry the full text of the newest articles. Readers show an entry outside the site,
so every URL in a feed is absolute, links between articles included.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Container, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from . import __version__
from .content import Article
from .seo import iso_datetime
from .xml_text import escape_attribute, leaf

if TYPE_CHECKING:
    from .render import ArticleView, EditionRenderer, PageJob, PageOut

# Which term pages have feeds of their own besides the edition's.
FEED_KINDS = ("tags", "sources")
ATOM_FILE, JSON_FILE = "atom.xml", "feed.json"
ATOM_TYPE, JSON_TYPE = "application/atom+xml", "application/feed+json"
ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# The date of a feed without entries: fixed, so that an empty site still builds the same bytes.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def feed_folder(kind: str | None = None, slug: str = "") -> str:
    """The folder (inside an edition) holding a feed pair: feeds/ for the edition, else the term's page."""
    return "feeds/" if kind is None else f"{kind}/{slug}/"


@dataclass(frozen=True)
class FeedLink:
    """A feed as a page's <head> and body link to it."""

    title: str
    href: str
    type: str
    format: str  # "Atom" or "JSON Feed"


@dataclass(frozen=True)
class Feed:
    title: str
    page: str  # the edition page the feed follows ("" for the home page, "tags/ai/")
    folder: str  # where the feed pair is written inside the edition
    articles: list[Article]  # newest first, already cut to the feed size


def feed_links(renderer: EditionRenderer, title: str, folder: str) -> list[FeedLink]:
    return [
        FeedLink(title, renderer.href(folder + ATOM_FILE), ATOM_TYPE, "Atom"),
        FeedLink(title, renderer.href(folder + JSON_FILE), JSON_TYPE, "JSON Feed"),
    ]


def edition_feeds(renderer: EditionRenderer) -> Iterator[Feed]:
    """Every feed of one edition: the edition's own, then one per tag and per source."""
    site, size = renderer.site, renderer.site.settings.feed_size
    yield Feed(renderer.site_title, "", feed_folder(), site.articles[:size])
    for kind in FEED_KINDS:
        for term in site.taxonomy.terms[kind]:
            title = f"{term.names[renderer.lang]} · {renderer.site_title}"
            # The site's own objects: a taxonomy's stand for keys, terms and dates only (Taxonomy).
            articles = [site.by_key[a.key] for a in term.articles[:size]]
            yield Feed(title, f"{kind}/{term.slug}/", feed_folder(kind, term.slug), articles)


def render_feeds(renderer: EditionRenderer) -> Iterator[PageOut]:
    from .render import PageOut  # render imports this module for feed links

    for job in feed_jobs(renderer):
        html = job.render()
        yield PageOut(job.path, html if isinstance(html, str) else html.decode())


def feed_jobs(renderer: EditionRenderer, only: Container[str] | None = None) -> Iterator[PageJob]:
    """The feeds unrendered, with what they show (see PageJob): a rebuild renders the changed ones.
    With ``only``, just the feeds at those paths (see EditionRenderer.jobs)."""
    from .render import PageJob

    links = renderer.site.links
    for feed in edition_feeds(renderer):
        if only is not None and feed.folder + ATOM_FILE not in only and feed.folder + JSON_FILE not in only:
            continue
        keys = tuple(a.key for a in feed.articles)
        shown = frozenset(keys).union(*(links.get(k, ()) for k in keys))
        shape = (feed.title, feed.page, keys)
        yield PageJob(feed.folder + ATOM_FILE, ("atom", shape), shown, functools.partial(atom, renderer, feed),
                      bodies=frozenset(keys))
        yield PageJob(feed.folder + JSON_FILE, ("json", shape), shown, functools.partial(json_feed, renderer, feed),
                      bodies=frozenset(keys))


def _updated(view: ArticleView) -> datetime:
    return view.updated or view.date


def _absolute(renderer: EditionRenderer, path: str) -> str:
    return renderer.site.urls.absolute(renderer.site.edition_path(renderer.edition, path))


def _author_name(renderer: EditionRenderer) -> str:
    settings = renderer.site.settings
    return renderer.convert(settings.author or settings.publisher, "zh-Hans") or renderer.site_title


# Atom is written as text, not through ElementTree: building and serializing a tree cost more than
# the rest of a feed (6 ms a feed, most of what a preview renders again after an edit).
def atom(renderer: EditionRenderer, feed: Feed) -> str:
    views = [renderer.views[a.key] for a in feed.articles]
    page_url = _absolute(renderer, feed.page)
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             f'<feed xmlns="{ATOM_NS}" xml:lang="{escape_attribute(renderer.lang)}">',
             leaf(1, "id", page_url), leaf(1, "title", feed.title)]
    if renderer.site_description:
        lines.append(leaf(1, "subtitle", renderer.site_description))
    updated = max((_updated(v) for v in views), default=EPOCH)
    lines += [
        leaf(1, "updated", iso_datetime(updated)),
        leaf(1, "link", rel="alternate", type="text/html", hreflang=renderer.lang, href=page_url),
        leaf(1, "link", rel="self", type=ATOM_TYPE, href=_absolute(renderer, feed.folder + ATOM_FILE)),
        "  <author>", leaf(2, "name", _author_name(renderer)), leaf(2, "uri", _absolute(renderer, "")),
        "  </author>",
        leaf(1, "generator", "sitegen", version=__version__),
        leaf(1, "icon", renderer.site.urls.absolute("static/favicon.svg")),
    ]
    for article, view in zip(feed.articles, views, strict=True):
        lines += ["  <entry>", leaf(2, "id", view.url), leaf(2, "title", view.title),
                  leaf(2, "link", rel="alternate", type="text/html", href=view.url)]
        if view.source_url:
            # RFC 4287 4.2.7.2: "via" names the story this one reports on.
            lines.append(leaf(2, "link", rel="via", href=view.source_url))
        lines += [leaf(2, "published", iso_datetime(view.date)), leaf(2, "updated", iso_datetime(_updated(view)))]
        for person in view.authors:
            lines += ["    <author>", leaf(3, "name", person.name), leaf(3, "uri", person.url), "    </author>"]
        terms = (*view.tags, *(path[-1] for path in view.categories))
        lines += [leaf(2, "category", term=link.name) for link in terms]
        if view.summary:
            lines.append(leaf(2, "summary", view.summary, type="text"))
        lines += [leaf(2, "content", renderer.body_html(article, absolute=True), type="html"), "  </entry>"]
    lines.append("</feed>\n")
    return "\n".join(lines)


def json_feed(renderer: EditionRenderer, feed: Feed) -> str:
    items = []
    for article in feed.articles:
        view = renderer.views[article.key]
        item: dict[str, object] = {
            "id": view.url,
            "url": view.url,
            "title": view.title,
            "content_html": renderer.body_html(article, absolute=True),
            "date_published": iso_datetime(view.date),
            "date_modified": iso_datetime(_updated(view)),
            "language": renderer.lang,
        }
        if view.summary:
            item["summary"] = view.summary
        if view.source_url:
            item["external_url"] = view.source_url
        if view.authors:
            item["authors"] = [{"name": a.name, "url": a.url} for a in view.authors]
        if view.tags:
            item["tags"] = [t.name for t in view.tags]
        items.append(item)
    data: dict[str, object] = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": _absolute(renderer, feed.page),
        "feed_url": _absolute(renderer, feed.folder + JSON_FILE),
        "language": renderer.lang,
        "icon": renderer.site.urls.absolute("static/favicon.svg"),
        "authors": [{"name": _author_name(renderer), "url": _absolute(renderer, "")}],
        "items": items,
    }
    if renderer.site_description:
        data["description"] = renderer.site_description
    # Without indentation: json's C encoder then writes it, several times faster than its Python one
    # (feeds are most of what a preview renders again after an edit).
    return json.dumps(data, ensure_ascii=False) + "\n"

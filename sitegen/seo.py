"""What search engines and link previews read from a page: Open Graph locale and JSON-LD."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .render import ArticleView

# Open Graph wants language_TERRITORY; a script subtag means nothing to it.
_OG_LOCALES = {"zh-Hans": "zh_CN", "zh-Hant": "zh_TW", "zh-Hant-HK": "zh_HK", "zh-Hans-SG": "zh_SG"}
# Google shows at most this many characters of a NewsArticle headline.
HEADLINE_MAX = 110


def iso_datetime(when: datetime) -> str:
    """RFC 3339 with the time zone and whole seconds: what HTML, Atom and sitemaps all accept."""
    return when.isoformat(timespec="seconds")


def og_locale(lang: str) -> str:
    if lang in _OG_LOCALES:
        return _OG_LOCALES[lang]
    parts = lang.split("-")
    region = next((p for p in parts[1:] if len(p) == 2), "")
    return f"{parts[0]}_{region.upper()}" if region else parts[0]


def script_json(data: Any) -> str:
    """JSON safe inside <script>: no "</script>", "<!--" or "&" can end or change the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def news_article(view: ArticleView, *, in_language: str, publisher: str, publisher_url: str, logo: str,
                 description: str) -> dict[str, Any]:
    """schema.org NewsArticle for one edition of an article."""
    headline = view.title if len(view.title) <= HEADLINE_MAX else view.title[: HEADLINE_MAX - 1] + "…"
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": view.url},
        "url": view.url,
        "headline": headline,
        "datePublished": iso_datetime(view.date),
        "dateModified": iso_datetime(view.updated or view.date),
        "inLanguage": in_language,
        "publisher": {"@type": "Organization", "name": publisher, "url": publisher_url,
                      "logo": {"@type": "ImageObject", "url": logo}},
    }
    if description:
        data["description"] = description
    if view.authors:
        data["author"] = [{"@type": "Person", "name": a.name, "url": a.url} for a in view.authors]
    else:
        data["author"] = {"@type": "Organization", "name": publisher, "url": publisher_url}
    if view.tags:
        data["keywords"] = [t.name for t in view.tags]
    if view.categories:
        data["articleSection"] = view.categories[0][-1].name
    if view.source_url:
        # The story this article reports on, from another outlet.
        data["isBasedOn"] = view.source_url
    return data

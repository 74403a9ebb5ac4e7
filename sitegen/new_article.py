"""``sitegen new``: a new article file with its front-matter filled in."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path

import yaml

from .convert import Converter
from .settings import Settings
from .urls import safe_segment

_LATIN = re.compile(r"[A-Za-z0-9]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
MAX_LATIN_WORDS = 6


class NewArticleError(Exception):
    pass


def default_slug(title: str) -> str:
    """A URL slug for a title.

    Turning Chinese into pinyin would need a dictionary we do not ship, and a slug of Chinese
    characters becomes a long percent-encoded URL when shared. So the slug keeps the title's Latin
    words (names like OpenAI, GPT-5, which are what readers search for), and when the title has
    Chinese, adds 6 hex digits of the title's hash: stable for the same title, and different titles
    that share their Latin words ("OpenAI 发布…", "OpenAI 融资…") still get different URLs.
    """
    words = [w.lower() for w in _LATIN.findall(title)][:MAX_LATIN_WORDS]
    digest = hashlib.sha1(title.strip().encode("utf-8")).hexdigest()[:6]
    if not words:
        return digest
    return "-".join(words) + (f"-{digest}" if _CJK.search(title) else "")


def detect_lang(title: str, settings: Settings, converter: Converter) -> str:
    script = converter.detect_script(title)
    return next((e.lang for e in settings.editions if e.script == script), settings.default_edition.lang)


def front_matter(title: str, when: datetime, slug: str, lang: str, author: str) -> str:
    fields = {
        "title": title,
        "date": when.isoformat(sep=" ", timespec="seconds"),
        "slug": slug,
        "lang": lang,
        "tags": [],
        "categories": [],
        "author": author,
        "source_url": "",
    }
    dumped = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, default_flow_style=None, width=10_000)
    # An unquoted ISO date reads back as the same time with its zone; safe_dump would quote it.
    dumped = dumped.replace(f"date: '{fields['date']}'", f"date: {fields['date']}")
    return f"---\n{dumped}---\n\n"


def create_article(settings: Settings, converter: Converter, title: str, slug: str | None = None,
                   lang: str | None = None, now: datetime | None = None) -> Path:
    """Write content/<date>-<slug>.md and return its path; never overwrites a file."""
    title = " ".join(title.split())
    if not title:
        raise NewArticleError("the title is empty")
    slug = slug.strip() if slug is not None else default_slug(title)
    if not safe_segment(slug):
        raise NewArticleError(f"slug {slug!r} is not a safe URL segment: use letters, digits, - and _")
    editions = {e.lang.lower(): e.lang for e in settings.editions}
    if lang is not None:
        if lang.lower() not in editions:
            raise NewArticleError(f"--lang {lang!r} is not an edition of this site ({', '.join(editions.values())})")
        lang = editions[lang.lower()]
    else:
        lang = detect_lang(title, settings, converter)
    when = (now or datetime.now(settings.tz)).astimezone(settings.tz).replace(microsecond=0)
    path = settings.content_path / f"{when:%Y-%m-%d}-{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as file:
            file.write(front_matter(title, when, slug, lang, settings.author))
    except FileExistsError:
        raise NewArticleError(f"{path}: already exists; not overwriting it (give another --slug)") from None
    return path

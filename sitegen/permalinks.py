"""Where each article is written: the permalink pattern, front-matter overrides, and old paths.

The pattern is Hexo's (``:year/:month/:day/:slug/``), which Hugo and Jekyll patterns mostly
share, applied inside each edition's folder; a migrated site sets its old pattern and keeps its
article paths. Every path is checked here, before anything is written, so that an unsafe or
doubly claimed path is a ``file:line`` error naming the articles rather than a failed write.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from .content import Article
from .diagnostics import Diagnostics
from .settings import Settings
from .urls import safe_path

_TOKEN = re.compile(r":(year|month|day|i_month|i_day|hour|minute|second|slug|title|name|filename|post_title|"
                    r"categories|category|output_ext)")
DEFAULT_CATEGORY = "uncategorized"


@dataclass(frozen=True)
class Paths:
    articles: dict[str, str]  # article key -> site path inside an edition, e.g. "2022/02/25/slug/"
    redirects: dict[str, str]  # site path outside the editions -> article key


def expand(article: Article, pattern: str) -> str:
    """The pattern with this article's values, before any safety check."""
    # Each value made only when the pattern asks for it: every build expands every article's path.
    return _TOKEN.sub(lambda m: _VALUES[m.group(1)](article), pattern)


def _first_category(article: Article) -> str:
    return "/".join(article.categories[0] if article.categories else (DEFAULT_CATEGORY,))


_VALUES: dict[str, Callable[[Article], str]] = {
    "year": lambda a: f"{a.date.year:04d}", "month": lambda a: f"{a.date.month:02d}",
    "day": lambda a: f"{a.date.day:02d}", "i_month": lambda a: str(a.date.month),
    "i_day": lambda a: str(a.date.day), "hour": lambda a: f"{a.date.hour:02d}",
    "minute": lambda a: f"{a.date.minute:02d}", "second": lambda a: f"{a.date.second:02d}",
    "slug": lambda a: a.slug, "title": lambda a: title_path(a), "name": lambda a: a.stem,
    "filename": lambda a: a.stem, "post_title": lambda a: a.title, "category": _first_category,
    "categories": lambda a: "/".join(n for path in a.categories for n in path) or DEFAULT_CATEGORY,
    "output_ext": lambda a: ".html",
}


def title_path(article: Article) -> str:
    """Hexo's ``:title``: the post's path under ``_posts/`` without extension, or its own slug."""
    if article.meta.get("slug"):
        return article.slug
    folder, _, _ = article.key.rpartition("/")
    folder = folder.removeprefix("_posts").strip("/")
    return f"{folder}/{article.slug}" if folder else article.slug


def assign_paths(articles: list[Article], settings: Settings, diagnostics: Diagnostics,
                 reserved: frozenset[str]) -> Paths:
    """Every article's path and every redirect, or errors for the ones that cannot be written."""
    paths: dict[str, str] = {}
    claimed: dict[str, list[Article]] = defaultdict(list)
    old_paths: dict[str, list[tuple[Article, str]]] = defaultdict(list)
    for article in articles:
        pattern_path = safe_path(expand(article, settings.permalink))
        path = article.own_path or pattern_path
        if path is None:
            diagnostics.error(article.path, 1, f"permalink {expand(article, settings.permalink)!r} (from the "
                              f"pattern {settings.permalink!r}) is not a safe path inside the site; set "
                              "'permalink:' or 'slug:' in the front-matter")
            continue
        first = path.split("/", 1)[0]
        if first in reserved:
            what = f"slug {article.slug!r}" if path == f"{article.slug}/" else f"path {path!r}"
            line = article.key_lines.get("slug" if what.startswith("slug") else "permalink", 1)
            diagnostics.error(article.path, line, f"{what} is reserved for the site's own {first}/ pages; "
                              "choose another slug or permalink")
            continue
        paths[article.key] = path
        claimed[path].append(article)
        for alias in article.aliases:
            old_paths[alias].append((article, "alias"))
        if settings.old_path_redirects:
            old_paths[path].append((article, "old path"))
    for path, owners in claimed.items():
        if len(owners) > 1:
            _twice(diagnostics, owners, f"articles would be written to {path!r}")
            for owner in owners:
                paths.pop(owner.key, None)
    editions = {e.prefix for e in settings.editions}
    redirects: dict[str, str] = {}
    for path, owners in sorted(old_paths.items()):
        if len({a.key for a, _ in owners}) > 1:
            _twice(diagnostics, [a for a, _ in owners], f"articles claim the same old path {path!r}")
            continue
        article = owners[0][0]
        first = path.split("/", 1)[0]
        if first in editions or first in ("static", "index.html", "404.html", ".nojekyll"):
            line = article.key_lines.get("aliases", 1)
            diagnostics.error(article.path, line, f"alias {path!r} would overwrite the site's own pages; "
                              "remove it or choose another path")
            continue
        redirects[path] = article.key
    return Paths(paths, redirects)


def _twice(diagnostics: Diagnostics, owners: list[Article], what: str) -> None:
    """One error, on the first file, naming every file involved."""
    ordered = sorted({a.key: a for a in owners}.values(), key=lambda a: a.key)
    names = ", ".join(a.key for a in ordered)
    lines = ordered[0].key_lines
    line = next((lines[k] for k in ("permalink", "url", "slug") if k in lines), 1)
    diagnostics.error(ordered[0].path, line, f"{len(ordered)} {what}: {names}; give one a different slug or "
                      "permalink")

"""The build, in one place: load, resolve, render per edition, write."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .content import Article, load_articles
from .convert import SHIPPED_GLOSSARY, Converter, Glossary, GlossaryError, load_glossary
from .diagnostics import BuildFailed, Diagnostics
from .links import resolve_links
from .output import Output, UnsafePath
from .render import THEME, EditionRenderer, Site, make_environment, render_root
from .settings import Settings
from .taxonomy import KINDS, build_taxonomy
from .urls import Urls, file_for

# First path segments inside an edition that the site's own pages use.
RESERVED = frozenset({*KINDS, "archive", "page", "404.html", "feeds", "static", "search"})


@dataclass
class BuildResult:
    articles: int
    pages: dict[str, int]  # edition lang -> pages written
    diagnostics: Diagnostics
    seconds: float
    out_dir: Path
    written: set[str] = field(default_factory=set)


def make_converter(settings: Settings) -> Converter:
    """The site's converter: OpenCC, the shipped news glossary, then the site's own glossary."""
    glossary = load_glossary(SHIPPED_GLOSSARY) if SHIPPED_GLOSSARY.is_file() else Glossary()
    site_file = settings.site_dir / settings.glossary if settings.glossary else settings.content_path / "glossary.toml"
    if settings.glossary and not site_file.is_file():
        raise GlossaryError(f"{site_file}:1: glossary file not found (setting 'tool.sitegen.glossary')")
    if site_file.is_file():
        glossary = glossary.layered(load_glossary(site_file))
    return Converter([(e.lang, e.script) for e in settings.editions], settings.conversion, glossary,
                     settings.quotes)


def permalink(article: Article, pattern: str) -> str:
    replacements = {
        ":year": f"{article.date.year:04d}", ":month": f"{article.date.month:02d}",
        ":day": f"{article.date.day:02d}", ":slug": article.slug, ":title": article.slug,
    }
    path = pattern
    for token in sorted(replacements, key=len, reverse=True):
        path = path.replace(token, replacements[token])
    return path.lstrip("/")


def assign_paths(articles: list[Article], settings: Settings, diagnostics: Diagnostics) -> dict[str, str]:
    paths: dict[str, str] = {}
    claimed: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        path = permalink(article, settings.permalink)
        first = path.split("/", 1)[0]
        if first in RESERVED:
            diagnostics.error(article.path, 1, f"slug {article.slug!r} is reserved for the site's own "
                              f"{first}/ pages; choose another slug")
            continue
        paths[article.key] = path
        claimed[path].append(article)
    for path, owners in claimed.items():
        if len(owners) > 1:
            names = ", ".join(a.key for a in owners)
            for owner in owners:
                diagnostics.error(owner.path, 1, f"{len(owners)} articles would be written to {path!r}: "
                                  f"{names}; give one a different slug")
    return paths


def static_files(settings: Settings) -> dict[str, Path]:
    """Site path -> file: the theme's static files, overridden by the site's of the same name."""
    files: dict[str, Path] = {}
    for folder in (THEME / "static", settings.static_path):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                # Dotfiles (.gitkeep, .DS_Store) are not part of a site.
                if path.is_file() and not path.name.startswith("."):
                    files["static/" + path.relative_to(folder).as_posix()] = path
    return files


def build(settings: Settings, out_dir: Path, *, diagnostics: Diagnostics | None = None,
          progress: Callable[[str], None] | None = None) -> BuildResult:
    """Build the whole site into ``out_dir``; raise BuildFailed and keep the old output on errors."""
    started = time.perf_counter()
    diagnostics = diagnostics or Diagnostics()
    try:
        converter = make_converter(settings)
    except GlossaryError as exc:
        path, _, message = str(exc).partition(":1: ")
        diagnostics.error(path, 1, message)
        raise BuildFailed(diagnostics) from None

    # Load: every article parsed once.
    articles = load_articles(settings, diagnostics, converter.detect_script)
    articles.sort(key=lambda a: (-a.date.timestamp(), a.key))
    # Resolve: URLs and links between articles.
    paths = assign_paths(articles, settings, diagnostics)
    resolve_links(articles, diagnostics)
    if diagnostics.errors:
        raise BuildFailed(diagnostics)
    hans = next((e.lang for e in settings.editions if e.script == "hans"), "zh-Hans")
    taxonomy = build_taxonomy(
        articles, settings.editions,
        to_canonical=lambda text, lang: converter.text(text, lang, hans) if lang != hans else text,
        convert=converter.text,
    )
    site = Site(settings, Urls(settings.base_url), articles, taxonomy, converter, paths)
    env = make_environment(settings)
    env.globals["sitegen_version"] = __version__

    # Render per edition, write, and swap the new site in only when all of it succeeded.
    pages: dict[str, int] = {}
    try:
        with Output(out_dir) as out:
            for edition in settings.editions:
                if progress:
                    progress(f"rendering {edition.lang}")
                count = 0
                for page in EditionRenderer(site, edition, env).pages():
                    out.write(file_for(site.edition_path(edition, page.path)), page.html)
                    count += 1
                pages[edition.lang] = count
            for page in render_root(site, env):
                out.write(page.path, page.html)
            out.write(".nojekyll", b"")
            for rel, path in static_files(settings).items():
                out.write(rel, path.read_bytes())
            out.commit()
            written = set(out.written)
    except UnsafePath as exc:
        diagnostics.error(settings.site_dir / "pyproject.toml", 1, str(exc))
        raise BuildFailed(diagnostics) from None
    return BuildResult(len(articles), pages, diagnostics, time.perf_counter() - started, out_dir, written)

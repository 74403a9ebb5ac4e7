"""The build, in one place: load, resolve, render per edition, write."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .checks import check_output
from .content import Article, load_articles
from .convert import SHIPPED_GLOSSARY, Converter, Glossary, GlossaryError, load_glossary
from .diagnostics import BuildFailed, Diagnostics
from .feeds import render_feeds
from .images import LocalImages
from .links import old_site, resolve_links
from .output import Output, UnsafePath, recover
from .permalinks import Paths, assign_paths, expand
from .render import THEME, EditionRenderer, Site, make_environment, render_redirects, render_root
from .review import Review, ReviewError, review_articles
from .search import FOLD_FILE, SearchError, fold_json, fold_maps, index_site
from .settings import Settings
from .sitemap import SITEMAP_FILE, Listed, robots_txt, sitemap
from .taxonomy import KINDS, build_taxonomy
from .urls import Urls, file_for, safe_path

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
    review: Review | None = None  # only when asked for: it is not part of the build's hot path


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


def resolve(articles: list[Article], settings: Settings,
            diagnostics: Diagnostics) -> tuple[Paths, dict[str, dict[str, Path]]]:
    """Paths, redirects and links of every article: (paths, each article's asset files)."""
    paths = assign_paths(articles, settings, diagnostics, RESERVED)
    pattern_paths = {a.key: p for a in articles if (p := safe_path(expand(a, settings.permalink)))}
    old = old_site(articles, paths.articles, pattern_paths, [e.prefix for e in settings.editions],
                   (*settings.old_urls, settings.base_url))
    return paths, resolve_links(articles, diagnostics, old)


def asset_path(page_path: str, name: str) -> str:
    """Where an asset a page refers to by a relative name is written."""
    folder = page_path if page_path.endswith("/") else page_path.rpartition("/")[0] + "/"
    return (folder + name).lstrip("/")


@dataclass
class Loaded:
    converter: Converter
    articles: list[Article]  # newest first
    resolved: Paths
    assets: dict[str, dict[str, Path]]


def load_site(settings: Settings, diagnostics: Diagnostics, keep_going: bool = False) -> Loaded:
    """The load and resolve stages; raise BuildFailed when the input has errors (see build)."""
    try:
        converter = make_converter(settings)
    except GlossaryError as exc:
        where = re.match(r"(?s)^(.*?):(\d+): (.*)$", str(exc))
        path, line, message = where.groups() if where else (settings.site_dir / "pyproject.toml", "1", str(exc))
        diagnostics.error(path, int(line), message)
        raise BuildFailed(diagnostics) from None

    # Load: every article parsed once.
    articles = load_articles(settings, diagnostics, converter.detect_script)
    articles.sort(key=lambda a: (-a.date.timestamp(), a.key))
    # Resolve: URLs and links between articles.
    resolved, assets = resolve(articles, settings, diagnostics)
    if diagnostics.errors:
        if not keep_going:
            raise BuildFailed(diagnostics)
        # Leave out every article with an error, then resolve the rest again among themselves.
        failed = {d.path for d in diagnostics.errors}
        articles = [a for a in articles if diagnostics.display_path(a.path) not in failed
                    and a.key in resolved.articles]
        resolved, assets = resolve(articles, settings, Diagnostics(diagnostics.root))
    return Loaded(converter, articles, resolved, assets)


def review(settings: Settings, loaded: Loaded, diagnostics: Diagnostics) -> Review:
    """The conversion review report (``sitegen check``, ``build --report``)."""
    try:
        return review_articles(loaded.articles, loaded.converter, settings, diagnostics.display_path)
    except ReviewError as exc:
        diagnostics.error(settings.site_dir / "pyproject.toml", 1, str(exc))
        raise BuildFailed(diagnostics) from None


def check(settings: Settings, diagnostics: Diagnostics) -> Review:
    """Load the site and review its conversion, without rendering or writing anything."""
    return review(settings, load_site(settings, diagnostics), diagnostics)


def build(settings: Settings, out_dir: Path, *, diagnostics: Diagnostics | None = None,
          progress: Callable[[str], None] | None = None, keep_going: bool = False,
          with_review: bool = False) -> BuildResult:
    """Build the whole site into ``out_dir``; raise BuildFailed and keep the old output on errors.

    With ``keep_going`` the articles without errors are built and written anyway; the errors
    stay in the diagnostics for the caller to report (and exit non-zero on). ``with_review``
    adds the conversion review report to the result.
    """
    started = time.perf_counter()
    diagnostics = diagnostics or Diagnostics()
    # A build killed between its two renames left the previous output aside: put it back first.
    recover(out_dir)
    loaded = load_site(settings, diagnostics, keep_going)
    converter, articles, resolved, assets = loaded.converter, loaded.articles, loaded.resolved, loaded.assets
    # Before anything is written, so that a failing report leaves the previous output alone.
    report = review(settings, loaded, diagnostics) if with_review else None
    paths = resolved.articles
    hans = next((e.lang for e in settings.editions if e.script == "hans"), "zh-Hans")
    taxonomy = build_taxonomy(
        articles, settings.editions,
        # Converter.text also strips editor markup when no conversion is needed.
        to_canonical=lambda text, lang: converter.text(text, lang, hans),
        convert=converter.text,
    )
    urls = Urls(settings.base_url)
    images = LocalImages((settings.static_path, THEME / "static"), urls.base_path)
    site = Site(settings, urls, articles, taxonomy, converter, paths, images)
    env = make_environment(settings)
    env.globals["sitegen_version"] = __version__

    # Render per edition, write, check, and swap the new site in only when all of it succeeded.
    pages: dict[str, int] = {}
    listed: list[Listed] = []
    try:
        with Output(out_dir) as out:
            for edition in settings.editions:
                if progress:
                    progress(f"rendering {edition.lang}")
                renderer = EditionRenderer(site, edition, env)
                count = 0
                for page in renderer.pages():
                    out.write(file_for(site.edition_path(edition, page.path)), page.html)
                    listed.append(Listed(edition.lang, page.path, page.lastmod))
                    count += 1
                for key, files in assets.items():
                    for name, path in sorted(files.items()):
                        out.write(asset_path(site.edition_path(edition, paths[key]), name), path.read_bytes())
                pages[edition.lang] = count
                # Feeds: Atom and JSON Feed for the edition and each tag and source.
                for feed in render_feeds(renderer):
                    out.write(site.edition_path(edition, feed.path), feed.html)
            for page in render_redirects(site, env, resolved.redirects):
                out.write(file_for(page.path), page.html)
            for page in render_root(site, env):
                out.write(page.path, page.html)
            write_static(out, settings)
            if settings.search:
                # Search: runs over the finished pages in staging, so a failure keeps the old site.
                if progress:
                    progress("indexing for search")
                for lang, fold in fold_maps(converter, settings.editions).items():
                    prefix = next(e.prefix for e in settings.editions if e.lang == lang)
                    out.write(f"{prefix}/{FOLD_FILE}", fold_json(fold))
                out.record(index_site(out.root, settings))
            # For search engines: every page of every edition with its twins.
            out.write(SITEMAP_FILE, sitemap(listed, settings, site.urls))
            out.write("robots.txt", robots_txt(site.urls))
            # The output checks itself: every link must stay under the base path and land.
            before = len(diagnostics.errors)  # with --keep-going, articles' errors are already here
            check_output(out.root, out.written, site.urls, diagnostics, shown_as=out_dir)
            if len(diagnostics.errors) > before:
                raise BuildFailed(diagnostics)
            out.commit()
            written = set(out.written)
    except (UnsafePath, SearchError) as exc:
        diagnostics.error(settings.site_dir / "pyproject.toml", 1, str(exc))
        raise BuildFailed(diagnostics) from None
    return BuildResult(len(articles), pages, diagnostics, time.perf_counter() - started, out_dir, written,
                       report)


def write_static(out: Output, settings: Settings) -> None:
    out.write(".nojekyll", b"")
    files = static_files(settings)
    for rel, path in files.items():
        out.write(rel, path.read_bytes())
    if "static/favicon.ico" in files:
        # Browsers ask for /favicon.ico on their own; at the site's root it answers them.
        out.write("favicon.ico", files["static/favicon.ico"].read_bytes())

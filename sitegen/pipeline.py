"""The build, in one place: load, resolve, render per edition, write."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from . import __version__
from .checks import check_output
from .content import Article, LoadedSource, load_articles
from .convert import SHIPPED_GLOSSARY, Converter, Glossary, GlossaryError, load_glossary
from .diagnostics import BuildFailed, Diagnostics
from .feeds import feed_jobs
from .images import LocalImages
from .links import LinkCache, link_targets, old_site, resolve_links
from .output import Output, Patch, UnsafePath, recover
from .permalinks import Paths, assign_paths, expand
from .render import (
    THEME,
    ArticleView,
    EditionRenderer,
    PageJob,
    Site,
    make_environment,
    render_redirects,
    render_root,
    template_error_location,
)
from .review import Review, ReviewError, review_articles
from .search import FOLD_FILE, SearchError, fold_json, fold_maps, index_site
from .settings import Settings
from .sitemap import SITEMAP_FILE, Listed, robots_txt, sitemap
from .taxonomy import KINDS, build_taxonomy
from .urls import Urls, file_for, safe_path

# The shape of the search index's files (see build): made by Pagefind over the whole output.
SEARCH_INDEX = "search-index"
# First path segments inside an edition that the site's own pages use.
RESERVED = frozenset({*KINDS, "archive", "page", "404.html", "feeds", "static", "search"})


@dataclass
class BuildResult:
    articles: int
    pages: dict[str, int]  # edition lang -> pages written
    diagnostics: Diagnostics
    seconds: float
    out_dir: Path
    written: set[str] = field(default_factory=set)  # output files (re)written by this build
    review: Review | None = None  # only when asked for: it is not part of the build's hot path
    removed: set[str] = field(default_factory=set)  # output files a rebuild deleted


@dataclass
class BuildState:
    """What a build keeps for the next one, so that a rebuild redoes only what a change affects.

    Pass the same state to successive build() calls (``sitegen serve`` does): files whose bytes did
    not change are not parsed again, and only outputs whose shape (PageJob.shape) changed or that show
    an article whose view or body changed are rendered again; every page is when the settings, a
    template or the glossary change. Outputs that no longer exist are deleted. A failed build leaves
    the state describing the last good output, so the next build repairs from there.
    """

    sources: dict[Path, LoadedSource] = field(default_factory=dict)  # parsed files, by path + content
    links: LinkCache = field(default_factory=LinkCache)
    folds: dict[str, Any] | None = None  # the search's fold maps, made from the converter
    related: tuple[tuple[Any, ...], dict[str, list[Article]]] | None = None  # (tags and dates, related)
    settings_key: str = ""  # settings, glossary and sitegen version the cached parses were made with
    templates_key: str = ""
    converter: Converter | None = None  # kept: its conversion caches make unchanged texts free
    env: jinja2.Environment | None = None
    out_dir: Path | None = None
    articles: dict[str, Article] = field(default_factory=dict)  # what the output shows, by key
    views: dict[tuple[str, str], ArticleView] = field(default_factory=dict)  # (lang, key) -> view
    pages: dict[str, Hashable] = field(default_factory=dict)  # output file -> shape it was made from
    feed_bodies: dict[tuple[str, str], tuple[Article, tuple[Any, ...], str]] = field(default_factory=dict)
    static_key: str = ""  # the static files the kept feed bodies' image sizes were read from
    # Held while a build moves its files into the output: a server reading under it never sees
    # half of a rebuild.
    lock: threading.Lock = field(default_factory=threading.Lock)


def glossary_file(settings: Settings) -> Path:
    if settings.glossary:
        return settings.site_dir / settings.glossary
    return settings.content_path / "glossary.toml"


def make_converter(settings: Settings) -> Converter:
    """The site's converter: OpenCC, the shipped news glossary, then the site's own glossary."""
    glossary = load_glossary(SHIPPED_GLOSSARY) if SHIPPED_GLOSSARY.is_file() else Glossary()
    site_file = glossary_file(settings)
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


def resolve(articles: list[Article], settings: Settings, diagnostics: Diagnostics,
            cache: LinkCache | None = None) -> tuple[Paths, dict[str, dict[str, Path]]]:
    """Paths, redirects and links of every article: (paths, each article's asset files)."""
    paths = assign_paths(articles, settings, diagnostics, RESERVED)
    pattern_paths = {a.key: p for a in articles if (p := safe_path(expand(a, settings.permalink)))}
    old = old_site(articles, paths.articles, pattern_paths, [e.prefix for e in settings.editions],
                   (*settings.old_urls, settings.base_url))
    return paths, resolve_links(articles, diagnostics, old, cache)


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


def load_site(settings: Settings, diagnostics: Diagnostics, keep_going: bool = False,
              state: BuildState | None = None) -> Loaded:
    """The load and resolve stages; raise BuildFailed when the input has errors (see build).

    With ``state``, the converter and the files parsed by earlier builds are reused while the
    settings and the glossary stay the same.
    """
    key = settings_key(settings) if state is not None else ""
    converter = state.converter if state is not None and state.settings_key == key else None
    if converter is None:
        if state is not None:
            # Settings decide how files parse and convert: nothing parsed earlier can be reused.
            state.sources.clear()
            state.links, state.folds, state.related = LinkCache(), None, None
            state.converter, state.settings_key, state.templates_key = None, "", ""
        try:
            converter = make_converter(settings)
        except GlossaryError as exc:
            where = re.match(r"(?s)^(.*?):(\d+): (.*)$", str(exc))
            path, line, message = where.groups() if where else (settings.site_dir / "pyproject.toml", "1",
                                                                 str(exc))
            diagnostics.error(path, int(line), message)
            raise BuildFailed(diagnostics) from None
        if state is not None:
            state.converter, state.settings_key = converter, key

    # Load: every article parsed once (and by a rebuild, only the files that changed).
    articles = load_articles(settings, diagnostics, converter.detect_script,
                             state.sources if state is not None else None)
    articles.sort(key=lambda a: (-a.date.timestamp(), a.key))
    # Resolve: URLs and links between articles.
    resolved, assets = resolve(articles, settings, diagnostics, state.links if state is not None else None)
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


def _digest(parts: Iterator[bytes]) -> str:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(len(part).to_bytes(8, "big"))
        sha.update(part)
    return sha.hexdigest()


def settings_key(settings: Settings) -> str:
    """Everything a parse or a conversion depends on besides the article itself."""
    glossaries = [p for p in (SHIPPED_GLOSSARY, glossary_file(settings)) if p.is_file()]
    return _digest(iter([__version__.encode(), repr(settings).encode(), *(p.read_bytes() for p in glossaries)]))


def templates_key(settings: Settings) -> str:
    files = (p for folder in (THEME / "templates", settings.templates_path) if folder.is_dir()
             for p in sorted(folder.rglob("*")) if p.is_file())
    return _digest(p.as_posix().encode() + b"\0" + p.read_bytes() for p in files)


def fixed(path: str, data: str | bytes) -> PageJob:
    """An output made before the build decides what to write: its bytes are its shape."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return PageJob(path, hashlib.sha256(raw).hexdigest(), frozenset(), lambda: raw)


def build(settings: Settings, out_dir: Path, *, diagnostics: Diagnostics | None = None,
          progress: Callable[[str], None] | None = None, keep_going: bool = False,
          with_review: bool = False, state: BuildState | None = None) -> BuildResult:
    """Build the whole site into ``out_dir``; raise BuildFailed and keep the old output on errors.

    With ``keep_going`` the articles without errors are built and written anyway; the errors
    stay in the diagnostics for the caller to report (and exit non-zero on). ``with_review``
    adds the conversion review report to the result. With ``state`` (see BuildState), only what
    changed since the state's last build is parsed, rendered and written.
    """
    started = time.perf_counter()
    diagnostics = diagnostics or Diagnostics()
    # A build killed between its two renames left the previous output aside: put it back first.
    recover(out_dir)
    incremental = state is not None
    state = state if state is not None else BuildState()
    loaded = load_site(settings, diagnostics, keep_going, state if incremental else None)
    converter, articles, resolved, assets = loaded.converter, loaded.articles, loaded.resolved, loaded.assets
    # Before anything is written, so that a failing report leaves the previous output alone.
    report = review(settings, loaded, diagnostics) if with_review else None
    paths = resolved.articles
    hans = next((e.lang for e in settings.editions if e.script == "hans"), "zh-Hans")
    # Related articles depend on every article's tags and date only (and keys are used, not objects).
    tagging = tuple((a.key, a.tags, a.date) for a in articles) if incremental else ()
    taxonomy = build_taxonomy(
        articles, settings.editions,
        # Converter.text also strips editor markup when no conversion is needed.
        to_canonical=lambda text, lang: converter.text(text, lang, hans),
        convert=converter.text,
        related=state.related[1] if incremental and state.related and state.related[0] == tagging else None,
    )
    if incremental:
        state.related = (tagging, taxonomy.related)
    links = {a.key: targets for a in articles if (targets := link_targets(a))}
    urls = Urls(settings.base_url)
    images = LocalImages((settings.static_path, THEME / "static"), urls.base_path)
    site = Site(settings, urls, articles, taxonomy, converter, paths, images, links=links,
                feed_bodies=state.feed_bodies if incremental else None)
    templates = templates_key(settings) if incremental else ""
    static = _digest(data for _, data in static_outputs(settings)) if incremental else ""
    if static != state.static_key or templates != state.templates_key:
        state.feed_bodies.clear()  # bodies show image sizes from static/ and markup from settings
        state.static_key = static
    for key in [k for k in state.feed_bodies if k[1] not in paths]:
        del state.feed_bodies[key]
    if state.env is None or templates != state.templates_key:
        state.env = make_environment(settings)
        state.env.globals["sitegen_version"] = __version__
        state.pages.clear()  # new templates or settings: every page is rendered again
    env = state.env

    # What changed since the last build: articles parsed again, and articles whose view (title,
    # summary, terms, URL...) in some edition differs. Pages showing them are rendered again.
    renderers = [EditionRenderer(site, edition, env) for edition in settings.editions]
    views = {(r.lang, key): view for r in renderers for key, view in r.views.items()}
    changed = {a.key for a in articles if state.articles.get(a.key) is not a}
    changed |= {key for (lang, key), view in views.items() if state.views.get((lang, key)) != view}
    # Without a previous output to patch, everything is written into a fresh staging folder.
    patching = bool(state.pages) and state.out_dir == out_dir and out_dir.is_dir()
    previous = state.pages if patching else {}

    # Render per edition, write, check, and swap the new site in only when all of it succeeded.
    pages: dict[str, int] = {}
    listed: list[Listed] = []
    shapes: dict[str, Hashable] = {}
    try:
        with (Patch(out_dir, state.lock) if patching else Output(out_dir, state.lock)) as out:

            def emit(job: PageJob) -> None:
                if job.path in shapes:
                    raise UnsafePath(f"two pages would be written to {job.path!r}")
                shapes[job.path] = job.shape
                if job.path not in previous or previous[job.path] != job.shape or job.deps & changed:
                    out.write(job.path, job.render())

            for renderer in renderers:
                edition = renderer.edition
                if progress:
                    progress(f"rendering {edition.lang}")
                count = 0
                for job in renderer.jobs():
                    emit(dataclasses.replace(job, path=file_for(site.edition_path(edition, job.path))))
                    listed.append(Listed(edition.lang, job.path, job.lastmod))
                    count += 1
                for key, files in assets.items():
                    for name, path in sorted(files.items()):
                        emit(fixed(asset_path(site.edition_path(edition, paths[key]), name), path.read_bytes()))
                pages[edition.lang] = count
                # Feeds: Atom and JSON Feed for the edition and each tag and source.
                for job in feed_jobs(renderer):
                    emit(dataclasses.replace(job, path=site.edition_path(edition, job.path)))
            for page in render_redirects(site, env, resolved.redirects):
                emit(fixed(file_for(page.path), page.html))
            for page in render_root(site, env):
                emit(fixed(page.path, page.html))
            for rel, data in static_outputs(settings):
                emit(fixed(rel, data))
            if settings.search:
                if state.folds is None:
                    state.folds = fold_maps(converter, settings.editions)
                for lang, fold in state.folds.items():
                    prefix = next(e.prefix for e in settings.editions if e.lang == lang)
                    emit(fixed(f"{prefix}/{FOLD_FILE}", fold_json(fold)))
                if not patching:
                    # Search: runs over the finished pages in staging, so a failure keeps the old site.
                    if progress:
                        progress("indexing for search")
                    indexed = index_site(out.root, settings)
                    out.record(indexed)
                    shapes.update(dict.fromkeys(indexed, SEARCH_INDEX))
                else:
                    # A rebuild keeps the index of the last full build: Pagefind indexes a whole
                    # edition, seconds per thousand pages, too slow for a preview's every keystroke.
                    shapes.update((p, s) for p, s in previous.items() if s == SEARCH_INDEX)
            # For search engines: every page of every edition with its twins.
            emit(PageJob(SITEMAP_FILE, tuple(listed), frozenset(), lambda: sitemap(listed, settings, site.urls)))
            emit(fixed("robots.txt", robots_txt(site.urls)))
            # The output checks itself: every link must stay under the base path and land.
            before = len(diagnostics.errors)  # with --keep-going, articles' errors are already here
            check_output(out.root, out.written, site.urls, diagnostics, shown_as=out_dir, every=set(shapes))
            if len(diagnostics.errors) > before:
                raise BuildFailed(diagnostics)
            if isinstance(out, Patch):
                for gone in set(previous) - set(shapes):
                    out.remove(gone)
            out.commit()
            written = set(out.written)
            removed = set(out.removed) if isinstance(out, Patch) else set()
    except (UnsafePath, SearchError) as exc:
        diagnostics.error(settings.site_dir / "pyproject.toml", 1, str(exc))
        raise BuildFailed(diagnostics) from None
    except jinja2.TemplateError as exc:
        where, line = template_error_location(exc, [settings.templates_path, THEME / "templates"])
        diagnostics.error(where, line, f"template error: {exc.message or exc}")
        raise BuildFailed(diagnostics) from None
    if incremental:
        state.templates_key, state.out_dir, state.pages = templates, out_dir, shapes
        state.articles = {a.key: a for a in articles}
        state.views = views
    return BuildResult(len(articles), pages, diagnostics, time.perf_counter() - started, out_dir, written,
                       report, removed)


def static_outputs(settings: Settings) -> Iterator[tuple[str, bytes]]:
    yield ".nojekyll", b""
    files = static_files(settings)
    for rel, path in files.items():
        yield rel, path.read_bytes()
    if "static/favicon.ico" in files:
        # Browsers ask for /favicon.ico on their own; at the site's root it answers them.
        yield "favicon.ico", files["static/favicon.ico"].read_bytes()

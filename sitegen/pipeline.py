"""The build, in one place: load, resolve, render per edition, write."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import re
import threading
import time
from collections.abc import Callable, Collection, Hashable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from . import __version__, snapshot
from .cache import CACHE_DIR, CacheCorrupt, Store
from .checks import Known, PageLinks, check_output
from .content import (
    Article,
    LoadedFiles,
    date_fallback,
    find_sources,
    load_articles,
    newest_first,
    same_front,
    source_keys,
)
from .convert import SHIPPED_GLOSSARY, Converter, Glossary, GlossaryError, load_glossary
from .diagnostics import BuildFailed, Diagnostic, Diagnostics
from .feeds import FEED_KINDS, feed_jobs
from .frontmatter_formats import Split
from .images import LocalImages
from .links import LinkCache, LinkIndex, build_index, link_targets, old_site, resolve_links
from .output import Output, Patch, UnsafePath, Written, recover
from .permalinks import Paths, assign_paths, expand
from .progress import BuildProgress, Silent
from .render import (
    COUNT_FIELDS,
    THEME,
    ArticleView,
    EditionRenderer,
    OnDemand,
    PageJob,
    Site,
    ViewMaker,
    counts_read,
    make_environment,
    render_redirects,
    render_root,
    template_error_location,
    view_key,
)
from .review import Review, ReviewError, review_articles
from .search import FOLD_FILE, SearchError, fold_json, fold_maps, index_site
from .settings import Settings
from .sitemap import Listed, is_sitemap_file, robots_txt, sitemaps
from .snapshot import Inputs
from .taxonomy import KINDS, Taxonomy, build_taxonomy, related_articles
from .urls import Urls, file_for, safe_path
from .workers import (
    FORK,
    ArticleRecord,
    Job,
    body_decompressor,
    body_state,
    call_given,
    default_jobs,
    digest,
    record_digest,
    render,
    run,
    run_sharing,
    scan,
    site_images,
)

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
    changed: set[str] = field(default_factory=set)  # files whose bytes this build changed (build/ only)
    cache_note: str = ""  # what the user should know about the cache (it was corrupt and discarded)


@dataclass
class BuildState:
    """What a build keeps for the next one, so that a rebuild redoes only what a change affects.

    Pass the same state to successive build() calls (``sitegen serve`` does): files whose bytes did
    not change are not parsed again, and only outputs whose shape (PageJob.shape) changed or that show
    an article whose view or body changed are rendered again; every page is when the settings, a
    template or the glossary change. Outputs that no longer exist are deleted. A failed build leaves
    the state describing the last good output, so the next build repairs from there.
    """

    sources: LoadedFiles = field(default_factory=LoadedFiles)  # parsed files, by path + content
    links: LinkCache = field(default_factory=LinkCache)
    folds: dict[str, Any] | None = None  # the search's fold maps, made from the converter
    related: tuple[tuple[Any, ...], dict[str, list[Article]]] | None = None  # (tags and dates, related)
    taxonomy: tuple[tuple[Any, ...], Taxonomy] | None = None  # (every article's terms and date, taxonomy)
    settings_key: str = ""  # settings, glossary and sitegen version the cached parses were made with
    templates_key: str = ""
    # The templates the environment read (it reads each once): a failed build leaves templates_key
    # at the last good output's, while the environment may hold the templates that failed.
    env_key: str = ""
    converter: Converter | None = None  # kept: its conversion caches make unchanged texts free
    env: jinja2.Environment | None = None
    out_dir: Path | None = None
    articles: dict[str, Article] = field(default_factory=dict)  # what the output shows, by key
    views: dict[str, dict[str, ArticleView]] = field(default_factory=dict)  # lang -> key -> view
    paths: dict[str, str] = field(default_factory=dict)  # article key -> site path the views show
    pages: dict[str, Hashable] = field(default_factory=dict)  # output file -> shape it was made from
    # Output file -> the articles whose length (render.COUNT_FIELDS) it shows: a page not in it is
    # taken to show the length of every article it depends on.
    counts_read: dict[str, frozenset[str]] = field(default_factory=dict)
    kept_bodies: dict[tuple[str, str, bool], tuple[Article, tuple[Any, ...], str]] = field(default_factory=dict)
    asset_sizes: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # article key -> its asset files' sizes
    static_key: str = ""  # the static files the kept bodies' image sizes were read from
    # The last build's paths, link index and what resolving them reported: kept while every
    # article's front-matter stays the same (content.same_front), which a body edit leaves alone.
    resolution: tuple[Paths, LinkIndex, list[Diagnostic]] | None = None
    # Article key -> the pages showing it (edition lang, path inside the edition), and every
    # page's output file: a body edit renders again only the pages showing an edited article.
    dependents: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    page_files: set[str] = field(default_factory=set)
    sitemap_files: tuple[str, ...] = ()  # what the last full build wrote (see sitemap.sitemaps)
    page_counts: dict[str, int] = field(default_factory=dict)  # pages per edition
    # sitegen serve makes the search index in the background (serve.SearchIndexer), so that the
    # first build and a settings edit show the site without waiting for Pagefind.
    index_in_background: bool = False
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
    paths, index = resolve_paths(articles, settings, diagnostics)
    return paths, resolve_links(articles, diagnostics, index.old, cache, index=index)


def resolve_paths(articles: list[Article], settings: Settings, diagnostics: Diagnostics) -> tuple[Paths, LinkIndex]:
    """Paths and redirects of every article, and the index links to them are resolved against."""
    paths = assign_paths(articles, settings, diagnostics, RESERVED)
    pattern_paths = {a.key: p for a in articles if (p := safe_path(expand(a, settings.permalink)))}
    old = old_site(articles, paths.articles, pattern_paths, [e.prefix for e in settings.editions],
                   (*settings.old_urls, settings.base_url))
    return paths, build_index(articles, old)


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
    index: LinkIndex | None = None
    reported: list[Diagnostic] = field(default_factory=list)  # by resolving paths
    fronts_kept: bool = False  # every article's front-matter is what the state's last build had


def load_site(settings: Settings, diagnostics: Diagnostics, keep_going: bool = False,
              state: BuildState | None = None, touched: Collection[Path] | None = None) -> Loaded:
    """The load and resolve stages; raise BuildFailed when the input has errors (see build).

    With ``state``, the converter and the files parsed by earlier builds are reused while the
    settings and the glossary stay the same (``touched``: see build).
    """
    key = settings_key(settings) if state is not None else ""
    converter = state.converter if state is not None and state.settings_key == key else None
    if converter is None:
        if state is not None:
            # Settings decide how files parse and convert: nothing parsed earlier can be reused.
            state.sources.clear()
            state.links, state.folds, state.related, state.taxonomy = LinkCache(), None, None, None
            state.resolution = None
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
                             state.sources if state is not None else None, touched)
    newest_first(articles)
    # Resolve: URLs and links between articles; by a rebuild after body edits, only the links of
    # the articles parsed again (every URL and link target is what it was).
    kept = state.resolution if state is not None and _same_fronts(articles, state.articles) else None
    if kept is not None:
        resolved, index, reported = kept
        diagnostics.items.extend(reported)
    else:
        before = len(diagnostics.items)
        resolved, index = resolve_paths(articles, settings, diagnostics)
        reported = diagnostics.items[before:]
    assets = resolve_links(articles, diagnostics, index.old, state.links if state is not None else None, index=index)
    if diagnostics.errors:
        if not keep_going:
            raise BuildFailed(diagnostics)
        # Leave out every article with an error, then resolve the rest again among themselves.
        failed = {d.path for d in diagnostics.errors}
        articles = [a for a in articles if diagnostics.display_path(a.path) not in failed
                    and a.key in resolved.articles]
        resolved, assets = resolve(articles, settings, Diagnostics(diagnostics.root))
        return Loaded(converter, articles, resolved, assets)
    return Loaded(converter, articles, resolved, assets, index, reported, kept is not None)


def _same_but_length(old: ArticleView | None, new: ArticleView) -> bool:
    """Whether two views of an article differ in its length at most (render.COUNT_FIELDS)."""
    if old is None:
        return False
    unset = dict.fromkeys(COUNT_FIELDS, 0)
    return dataclasses.replace(old, **unset) == dataclasses.replace(new, **unset)


def _same_fronts(articles: list[Article], previous: dict[str, Article]) -> bool:
    """Whether ``articles`` are the ``previous`` ones, each the same parse or one that differs in
    its body at most."""
    return len(articles) == len(previous) and all(
        (old := previous.get(a.key)) is a or (old is not None and same_front(old, a)) for a in articles)


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
          progress: BuildProgress | None = None, keep_going: bool = False,
          with_review: bool = False, state: BuildState | None = None, jobs: int | None = None,
          cache: bool = True, touched: Collection[Path] | None = None) -> BuildResult:
    """Build the whole site into ``out_dir``; raise BuildFailed and keep the old output on errors.

    With ``keep_going`` the articles without errors are built and written anyway; the errors
    stay in the diagnostics for the caller to report (and exit non-zero on). ``with_review``
    adds the conversion review report to the result.

    Two ways to remember earlier builds, one per kind of caller:
    - With ``state`` (see BuildState; ``sitegen serve`` keeps one in memory), only what changed
      since the state's last build is parsed, rendered and written, in this process. ``touched``,
      when the caller knows it (serve's file watcher), holds every file that may have changed since
      the state last read the content folder: the other content files are not looked at again.
    - Without (``sitegen build``), ``jobs`` worker processes (default: one per core) do the
      per-article work and, with ``cache``, the site's ``.sitegen-cache/`` keeps what the next
      build can reuse (see _build and cache.py).
    """
    started = time.perf_counter()
    diagnostics = diagnostics or Diagnostics()
    progress = progress or Silent()
    # A build killed between its two renames left the previous output aside: put it back first.
    recover(out_dir)
    if state is None:
        return _build_with_store(settings, out_dir, diagnostics, progress, keep_going, with_review,
                                 jobs or default_jobs(), cache, started)
    incremental = state is not None
    state = state if state is not None else BuildState()
    loaded = load_site(settings, diagnostics, keep_going, state if incremental else None, touched)
    converter, articles, resolved, assets = loaded.converter, loaded.articles, loaded.resolved, loaded.assets
    # Before anything is written, so that a failing report leaves the previous output alone.
    report = review(settings, loaded, diagnostics) if with_review else None
    paths = resolved.articles
    # Related articles depend on every article's tags and date only (and keys are used, not objects);
    # the whole taxonomy on every article's terms, language and date, which a body edit leaves alone.
    if loaded.fronts_kept and state.related and state.taxonomy:  # as they were, by definition
        tagging, terms = state.related[0], state.taxonomy[0]
    else:
        tagging = tuple((a.key, a.tags, a.date) for a in articles) if incremental else ()
        terms = tuple((a.key, a.lang, a.tags, a.categories, a.source_name, a.authors, a.date)
                      for a in articles) if incremental else ()
    known = state.taxonomy if incremental and state.taxonomy and state.taxonomy[0] == terms else None
    same_terms = known is not None
    if known is not None:
        # After body edits only the terms' articles are the same but for their bodies: kept.
        taxonomy = known[1] if loaded.fronts_kept else known[1].over(articles)
    else:
        taxonomy = build_taxonomy(
            articles, settings.editions,
            convert=converter.text,
            lang_of=converter.lang_of,
            related=state.related[1] if incremental and state.related and state.related[0] == tagging else None,
        )
    if incremental:
        state.related = (tagging, taxonomy.related)
    links = OnDemand({a.key: a for a in articles}, link_targets)
    urls = Urls(settings.base_url)
    images = LocalImages((settings.static_path, THEME / "static"), urls.base_path)
    site = Site(settings, urls, articles, taxonomy, converter, paths, images, assets=assets, links=links,
                kept_bodies=state.kept_bodies if incremental else None)
    templates = templates_key(settings) if incremental else ""
    static = _digest(data for _, data in static_outputs(settings)) if incremental else ""
    if static != state.static_key or not state.templates_key:
        # Bodies show image sizes from static/ and markup from settings (a settings change resets
        # templates_key, see load_site); Markdown, not the templates, renders them.
        state.kept_bodies.clear()
        state.static_key = static
    # An article whose {% asset_img %} file was replaced by one of another size shows another body.
    asset_sizes = {key: tuple((name, images.file_size(path)) for name, path in sorted(files.items()))
                   for key, files in assets.items() if files}
    resized = {k for k in asset_sizes.keys() | state.asset_sizes.keys()
               if asset_sizes.get(k) != state.asset_sizes.get(k)}
    if resized or not loaded.fronts_kept:  # else every article is still there, its files as they were
        for key in [k for k in state.kept_bodies if k[1] not in paths or k[1] in resized]:
            del state.kept_bodies[key]
    # New templates: every page is rendered again, into the output in place (see Patch), which keeps
    # the search index for serve to make again in the background. New settings (templates_key
    # reset by load_site) may change every path: the whole site is written afresh.
    every_page = bool(state.templates_key) and templates != state.templates_key
    if state.env is None or templates != state.templates_key or templates != state.env_key:
        state.env, state.env_key = make_environment(settings), templates
        state.env.globals["sitegen_version"] = __version__
        if not every_page:
            state.pages.clear()
    env = state.env

    # What changed since the last build: articles parsed again, and articles whose view (title,
    # summary, terms, URL...) in some edition differs. Pages showing them are rendered again.
    # An article parsed earlier (the same object), at the same URL, with the same terms has the view
    # it had: only the views of the others are made again.
    parsed = {a.key for a in articles if state.articles.get(a.key) is not a} | (resized & paths.keys())
    if same_terms and loaded.fronts_kept and state.views:
        # Every URL and term as it was: the view of every article not parsed again is the one kept
        # (copied whole, not tested one by one: a rebuild's time goes to what changed).
        known = {lang: dict(views) for lang, views in state.views.items()}
        for views in known.values():
            for key in parsed:
                views.pop(key, None)
    else:
        kept = {a.key for a in articles if same_terms and state.articles.get(a.key) is a
                and state.paths.get(a.key) == paths[a.key]}
        known = {lang: {k: v for k in kept if (v := views.get(k))} for lang, views in state.views.items()}
    renderers = [EditionRenderer(site, edition, env, known.get(edition.lang)) for edition in settings.editions]
    if loaded.fronts_kept and state.views:
        # Only the articles parsed again may show otherwise: every other view is the one kept.
        made = {(r.lang, key): r.views[key] for r in renderers for key in parsed}
        views = {lang: dict(kept_views) for lang, kept_views in state.views.items()}
        for (lang, key), view in made.items():
            views[lang][key] = view
    else:
        made = {(r.lang, key): view for r in renderers for key, view in r.views.items()}
        views = {r.lang: dict(r.views.items()) for r in renderers}
    # A page is made again when the view of an article it shows changed, or the body of one whose
    # body it shows (PageJob.bodies) may have: a body edit that leaves the article's title and
    # summary alone does not reach the pages of its neighbours and related articles.
    viewed = {key for (lang, key), view in made.items()
              if (old := state.views.get(lang, {}).get(key)) is not view and old != view}
    # Of those, the views that differ in more than the article's length (a paragraph added changes
    # only that): a page is rendered again for a new length only when it read the old one.
    reviewed = {key for (lang, key), view in made.items() if key in viewed and not _same_but_length(
        state.views.get(lang, {}).get(key), view)}
    changed = parsed | viewed
    # Without a previous output to patch, everything is written into a fresh staging folder.
    patching = bool(state.pages) and state.out_dir == out_dir and out_dir.is_dir()
    previous = state.pages if patching else {}
    # After edits to bodies only (every article's front-matter as it was), only the pages showing
    # a changed article are made again, found by the last build's reverse index; every other page
    # (the sitemap too) is what the last build made.
    reach: dict[str, set[str]] | None = None
    if patching and loaded.fronts_kept and not every_page and state.page_files:
        reach = {}
        for key in changed:
            for lang, path in state.dependents.get(key, ()):
                reach.setdefault(lang, set()).add(path)

    # Render per edition, write, check, and swap the new site in only when all of it succeeded.
    pages: dict[str, int] = dict(state.page_counts) if reach is not None else {}
    listed: list[Listed] = []
    shapes: dict[str, Hashable] = {p: previous[p] for p in state.page_files} if reach is not None else {}
    emitted: set[str] = set()
    # Every page's edition, path inside it, output file and dependencies: the next build's
    # reverse index.
    plan: list[tuple[str, str, str, frozenset[str]]] = []
    try:
        with (Patch(out_dir, state.lock) if patching else Output(out_dir, state.lock)) as out:

            # Pages to render again, rendered after the loop: in forked workers when there are many
            # (the first build, a template edit), here when few (an article edit).
            pending: list[tuple[EditionRenderer, PageJob]] = []
            counted: dict[str, frozenset[str]] = {}  # see BuildState.counts_read

            def emit(job: PageJob, renderer: EditionRenderer | None = None) -> None:
                if job.path in emitted:
                    raise UnsafePath(f"two pages would be written to {job.path!r}")
                emitted.add(job.path)
                shapes[job.path] = job.shape
                if (every_page or job.path not in previous or previous[job.path] != job.shape or job.deps & reviewed
                        or job.deps & viewed & state.counts_read.get(job.path, job.deps) or job.bodies & parsed):
                    if renderer is None:
                        data, counted[job.path] = counts_read(job.render)
                        out.write(job.path, data)
                    else:
                        pending.append((renderer, job))

            def write_page(renderer: EditionRenderer, job: PageJob) -> bytes:
                data = job.render()
                data = data.encode("utf-8") if isinstance(data, str) else data
                out.write(job.path, data)
                return data

            for renderer in renderers:
                edition = renderer.edition
                progress.stage(f"pages {edition.lang}", 0)
                only = reach.get(edition.lang, set()) if reach is not None else None
                count = 0
                for job in renderer.jobs(only):
                    output = file_for(site.edition_path(edition, job.path))
                    emit(job.at(output), renderer)
                    plan.append((edition.lang, job.path, output, job.deps))
                    listed.append(Listed(edition.lang, job.path, job.lastmod))
                    count += 1
                for key, files in assets.items():
                    for name, path in sorted(files.items()):
                        emit(fixed(asset_path(site.edition_path(edition, paths[key]), name), path.read_bytes()))
                if reach is None:
                    pages[edition.lang] = count
                # Feeds: Atom and JSON Feed for the edition and each tag and source. Rendered here,
                # not in workers: their bodies are kept in the state (kept_bodies) for the next build.
                for job in feed_jobs(renderer, only):
                    output = site.edition_path(edition, job.path)
                    emit(job.at(output))
                    plan.append((edition.lang, job.path, output, job.deps))
            progress.stage("pages", len(pending))
            found, read = emit_pages(pending, write_page, lambda renderer, job: False, out, PageLinks(site.urls),
                                     jobs or default_jobs(), progress.advance)
            counted.update(read)
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
                if not patching and not state.index_in_background:
                    # Search: runs over the finished pages in staging, so a failure keeps the old site.
                    progress.stage("indexing for search", 0)
                    indexed = index_site(out.root, settings)
                    out.record(indexed)
                    shapes.update(dict.fromkeys(indexed, SEARCH_INDEX))
                elif patching:
                    # A rebuild keeps the index of the last full build: Pagefind indexes a whole
                    # edition, seconds per thousand pages, too slow for a preview's every keystroke.
                    shapes.update((p, s) for p, s in previous.items() if s == SEARCH_INDEX)
            if reach is None:
                # For search engines: every page of every edition with its twins. The files are
                # known without making them while the pages listed are the same (see sitemaps).
                listing = tuple(listed)
                sitemap_texts = functools.cache(lambda: sitemaps(listed, settings, site.urls))
                last = previous.get(state.sitemap_files[0]) if state.sitemap_files else None
                if last is not None and all(previous.get(p) is last for p in state.sitemap_files) and last == listing:
                    # The last build's shape object, so that emit compares it by identity.
                    listing, sitemap_files = last, list(state.sitemap_files)
                else:
                    sitemap_files = list(sitemap_texts())
                for name in sitemap_files:
                    emit(PageJob(name, listing, frozenset(), lambda name=name: sitemap_texts()[name]))
            emit(fixed("robots.txt", robots_txt(site.urls)))
            # The output checks itself: every link must stay under the base path and land.
            before = len(diagnostics.errors)  # with --keep-going, articles' errors are already here
            check_output(out.locate, out.written, site.urls, diagnostics, shown_as=out_dir, every=set(shapes),
                         found_by_workers=found)
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
        if patching:
            state.counts_read.update(counted)  # the pages kept read what they read
        else:
            state.counts_read = counted
        state.resolution = (resolved, loaded.index, loaded.reported) if loaded.index is not None else None
        if reach is None:
            state.dependents, state.page_counts = {}, pages
            state.page_files = {output for _, _, output, _ in plan} | set(sitemap_files)
            state.sitemap_files = tuple(sitemap_files)
        for lang, path, _, deps in plan:
            for key in deps:
                if key in paths:
                    state.dependents.setdefault(key, set()).add((lang, path))
        state.articles = {a.key: a for a in articles}
        # Kept with the views made from it: only a build that succeeded describes the output.
        state.views, state.paths, state.taxonomy = views, dict(paths), (terms, taxonomy)
        state.asset_sizes = asset_sizes
    return BuildResult(len(articles), pages, diagnostics, time.perf_counter() - started, out_dir, written,
                       report, removed)


def fingerprints(settings: Settings, converter: Converter) -> tuple[str, str]:
    """(what articles depend on besides their own bytes and links, what every page depends on
    besides its own key): the settings, the glossary and the sitegen version; then the templates."""
    articles = digest(__version__, repr(settings), converter.glossary.fingerprint)
    templates = [p for folder in (THEME / "templates", settings.templates_path) if folder.is_dir()
                 for p in sorted(folder.rglob("*")) if p.is_file()]
    pages = digest(articles, *(part for p in templates for part in (p.as_posix(), p.read_bytes())))
    return articles, pages


def _build_with_store(settings: Settings, out_dir: Path, diagnostics: Diagnostics, progress: BuildProgress,
                      keep_going: bool, with_review: bool, jobs: int, cache: bool, started: float) -> BuildResult:
    """A build whose per-article work runs in worker processes, kept in a Store (cache.py)."""
    # Read before anything else: a file changed while the build runs then differs next time.
    seen = build_inputs(settings, out_dir) if cache and not with_review else None
    store = Store(settings.site_dir / CACHE_DIR if cache else None)
    ok = False
    # This process builds large structures that live as long as the build (every article's record
    # and views, every page's job) and next to no cyclic garbage, so the cyclic collector's passes
    # over them are wasted: a third of a warm 10,000-article build. Paused until the build is done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        last = _last_build(store, seen, out_dir)
        if last is not None and not last.changed:
            # It read exactly these inputs and its output is as it left it: this build would write
            # the same bytes, so it is done.
            diagnostics.items.extend(last.warnings)
            result = BuildResult(last.articles, last.pages, diagnostics, 0.0, out_dir, last.written)
        else:
            converter = _converter(settings, diagnostics)
            try:
                result = _build(settings, out_dir, diagnostics, progress, keep_going, with_review, jobs, converter,
                                store, seen, last)
            except CacheCorrupt:
                # Found corrupt before anything was written: start again without it.
                diagnostics.items.clear()
                store.discard("the build cache was corrupt: it was discarded and the site built from scratch")
                result = _build(settings, out_dir, diagnostics, progress, keep_going, with_review, jobs, converter,
                                store, seen)
        ok = True
    finally:
        store.close(keep=ok)
        progress.close()
        if collecting:
            gc.enable()
    result.seconds = time.perf_counter() - started
    result.cache_note = store.note
    return result


def _converter(settings: Settings, diagnostics: Diagnostics) -> Converter:
    try:
        return make_converter(settings)
    except GlossaryError as exc:
        where = re.match(r"(?s)^(.*?):(\d+): (.*)$", str(exc))
        path, line, message = where.groups() if where else (settings.site_dir / "pyproject.toml", "1", str(exc))
        diagnostics.error(path, int(line), message)
        raise BuildFailed(diagnostics) from None


def build_inputs(settings: Settings, out_dir: Path) -> Inputs:
    """Everything a build reads, by file status (see snapshot.py)."""
    return snapshot.inputs((settings.content_path, settings.templates_path, settings.static_path, THEME),
                           (settings.site_dir / "pyproject.toml", glossary_file(settings), SHIPPED_GLOSSARY),
                           f"{__version__}\0{settings!r}\0{out_dir.resolve()}")


@dataclass(frozen=True)
class LastBuild:
    """The last build into the same output, with the same settings, as far as this one can rely
    on it (see snapshot.py): only the contents of some files it read changed since, if any, and its
    output is as it left it."""

    changed: frozenset[str]  # the files it read whose contents changed since
    articles: int
    pages: dict[str, int]
    warnings: list[Diagnostic]
    written: set[str]
    output: dict[str, snapshot.Status]  # the status of every file and folder it left in the output


def _last_build(store: Store, seen: Inputs | None, out_dir: Path) -> LastBuild | None:
    if seen is None:
        return None
    try:
        last = store.get_object("snapshot", "last")
    except CacheCorrupt:
        return None  # the build proper finds it corrupt and discards the cache
    if last is None:
        return None
    inputs, output, (articles, pages, warnings) = last
    changed = snapshot.changed_files(inputs, seen)
    if changed is None or not snapshot.output_unchanged(out_dir, output):
        return None
    return LastBuild(frozenset(changed), articles, pages, warnings, {rel for rel in output if not rel.endswith("/")},
                     output)


def _remember(store: Store, seen: Inputs | None, result: BuildResult, manifest: dict[str, Written],
              since: dict[str, snapshot.Status] | None = None) -> None:
    """Record a finished build for _last_build; only one without errors can be repeated as it was.
    The status of a file in the ``manifest`` is the one the build saw when it wrote or kept it.
    ``since``: the output's statuses as the last build recorded them, when this one changed only
    files it wrote (result.changed), none it added or removed."""
    store.retain("snapshot", set())
    if seen is not None and not result.diagnostics.errors:
        if since is not None:
            output = snapshot.output_status_after(result.out_dir, since, result.changed,
                                                  {rel: manifest[rel][1:] for rel in result.changed})
        else:
            output = snapshot.output_status(result.out_dir, result.written,
                                            {rel: entry[1:] for rel, entry in manifest.items()})
        store.put_object("snapshot", "last", (seen, output, (result.articles, result.pages,
                                                             result.diagnostics.warnings)))


def _build(settings: Settings, out_dir: Path, diagnostics: Diagnostics, progress: BuildProgress,
           keep_going: bool, with_review: bool, jobs: int, converter: Converter, store: Store,
           seen: Inputs | None = None, last: LastBuild | None = None) -> BuildResult:
    article_key, page_key = fingerprints(settings, converter)

    # Load, first part: every file's front-matter (bodies only of files without a title), for
    # the URLs of all articles and the links between them.
    # Read and hashed again only when its status changed since (see snapshot.py).
    known: dict[Path, tuple[snapshot.Status, str]] = store.get_map("digests", "content") or {}
    # The cache's Path objects, not new ones: the same paths key every map the cache gives back.
    sources = find_sources(settings.content_path, known)
    keys = source_keys(settings.content_path, sources)
    # By path and bytes: what a file's front-matter says depends on both (a slug from a file name).
    scans: dict[tuple[Path, str], tuple[Article | None, bool]] = store.get_map("scans", article_key) or {}
    # What each file's bytes were at the last build (its scans are those it used).
    digests_before = {path: file_digest for path, file_digest in scans}
    progress.stage("reading", len(sources))
    digests: dict[Path, str] = {}
    statuses: dict[Path, snapshot.Status] = {}
    for path in sources:
        status = snapshot.trusted_status(path)  # before reading: a later change then shows
        if status is not None:
            statuses[path] = status
        found = known.get(path)
        if found is not None and status is not None and found[0] == status:
            digests[path] = found[1]
        elif path in digests_before:
            try:
                digests[path] = digest(path.read_bytes())
            except OSError:
                digests[path] = ""  # load_article reports it
        # A file never scanned is scanned whatever its bytes: read and hashed once, by the scan (in
        # the workers; a cold build's every file).
        progress.advance()
    unknown = [p for p in sources if p not in digests or (p, digests[p]) not in scans]
    progress.stage("front-matter", len(unknown))
    # The front-matter of the files scanned now, for the workers that load their bodies next.
    fronts: dict[str, tuple[str, Split]] = {}
    # While the workers scan, the main process compiles the conversions (a third of a second,
    # serial otherwise) that the taxonomy needs next and the article workers then inherit.
    scanned = run(scan, (settings, converter), unknown, jobs, progress.advance, ahead=converter.prepare)
    for path, (stub, undated, file_digest, front) in zip(unknown, scanned, strict=True):
        digests.setdefault(path, file_digest)
        scans[path, digests[path]] = stub, undated
        if front is not None:
            fronts[keys[path]] = file_digest, front
    digests_known = {p: (s, digests[p]) for p, s in statuses.items() if digests[p]}
    scans_used = {(p, digests[p]): scans[p, digests[p]] for p in sources}
    fallback = date_fallback(settings, sources)
    dates = {}
    stubs = []
    for path in sources:
        stub, undated = scans[path, digests[path]]
        if undated:
            dates[path] = fallback(path)
        if stub is not None:
            stubs.append(replace(stub, date=dates[path][0]) if undated else stub)
    newest_first(stubs)
    edited = _edited_bodies(last, sources, digests_before, digests, scans) if not dates else None

    # Resolve: URLs and links between articles, before any body is parsed; and the taxonomy, also
    # made from front-matter alone (its articles stand for keys, terms and dates; see Taxonomy),
    # which tells what feeds carry.
    resolved, index = resolve_paths(stubs, settings, diagnostics)
    listed = [s for s in stubs if s.key in resolved.articles]
    taxonomy, relate = site_taxonomy_later(listed, settings, converter, store, article_key)
    # Each article's views (and what pages showing it depend on) are made as its record comes, in
    # time the main process would spend waiting for the workers, not before the pages.
    urls = Urls(settings.base_url)
    makers = {e.lang: ViewMaker(urls, e, taxonomy, resolved.articles) for e in settings.editions}
    views: dict[str, dict[str, ArticleView]] = {lang: {} for lang in makers}
    view_keys: dict[str, dict[str, str]] = {lang: {} for lang in makers}

    def make_views(record: ArticleRecord) -> None:
        if record.article is None or record.texts is None or record.key not in resolved.articles:
            return
        texts = record.texts
        for lang, maker in makers.items():
            view = views[lang][record.key] = maker.view(record.article, texts.titles[lang], texts.summaries[lang])
            view_keys[lang][record.key] = view_key(view, texts.body_digests[lang])

    def meanwhile() -> None:
        """The main process's own work while the workers render the bodies (see workers.run)."""
        store.put_map("digests", "content", digests_known)
        store.put_map("scans", article_key, scans_used)
        relate()

    # Load, second part, and render every body, in the workers: only for files whose record from
    # an earlier build was made from other bytes, settings or linked articles.
    # The asset files of the records made again, as the previous records had them.
    assets_before: dict[str, dict[str, Path]] = {}
    records = _records(keys, digests, dates, stubs, resolved, index, in_feeds(listed, taxonomy, settings), settings,
                       converter, article_key, diagnostics.root, store, jobs, progress, edited is not None,
                       assets_before, fronts, meanwhile=meanwhile, made=make_views)
    for path in sources:  # in file order, as a serial build reports them
        diagnostics.items.extend(records[keys[path]].diagnostics)
    if diagnostics.errors:
        if not keep_going:
            _keep_records(store, article_key, records)  # the next build remakes only the failed ones
            raise BuildFailed(diagnostics)
        _keep_records(store, article_key, records)  # the records made again below start from these
        # Leave out every article with an error, then resolve the rest again among themselves.
        failed = {d.path for d in diagnostics.errors}
        stubs = [s for s in stubs if diagnostics.display_path(s.path) not in failed and s.key in resolved.articles]
        resolved, index = resolve_paths(stubs, settings, Diagnostics(diagnostics.root))
        listed = [s for s in stubs if s.key in resolved.articles]
        taxonomy = site_taxonomy(listed, settings, converter, store, article_key)
        records = _records(keys, digests, dates, stubs, resolved, index, in_feeds(listed, taxonomy, settings),
                           settings, converter, article_key, diagnostics.root, store, jobs, progress, False, {})
        edited = None
        makers, views, view_keys = {}, {}, {}  # made for the site before its articles were left out
    paths = resolved.articles
    articles = [a for s in stubs if (a := records[s.key].article) is not None and s.key in paths]
    # Before anything is written, so that a failing report leaves the previous output alone. The
    # review reads every text again, so it loads the site the plain way: only when asked for.
    report = review(settings, load_site(settings, Diagnostics(diagnostics.root), keep_going),
                    diagnostics) if with_review else None
    texts = {a.key: t for a in articles if (t := records[a.key].texts) is not None}

    decompress = body_decompressor()

    @functools.lru_cache(maxsize=512)  # feeds show the same newest bodies many times over
    def body(key: str, lang: str, absolute: bool) -> str:
        found = texts[key].feed_digests if absolute else texts[key].body_digests
        data = store.bodies().get(found[lang])
        if data is None:
            raise CacheCorrupt(f"the body of {key} is missing")
        return decompress(data).decode()

    links = {a.key: records[a.key].link_targets for a in articles}
    site = Site(settings, urls, articles, taxonomy, converter, paths, site_images(settings, urls), links=links,
                texts=texts, body=body)
    env = make_environment(settings)
    env.globals["sitegen_version"] = __version__

    # Render per edition the pages whose inputs changed, write (quietly: unchanged files are
    # linked from the previous output), check, and swap the new site in only when all of it
    # succeeded. A page's key: its shape and what it shows of each article it depends on.
    manifest_id = f"{page_key}:{out_dir.resolve()}"
    previous = store.get_map("pages", manifest_id) or {}
    # A warm build patches the output in place (see output.Patch): only the files that changed are
    # staged and moved in. Pagefind indexes a whole site, so a build with search writes one afresh.
    patching = bool(previous) and out_dir.is_dir() and not settings.search
    # When only bodies were edited, only the pages showing an edited article are looked at: the
    # rest of the output is the last build's, as it is. An edit that changes which files sit
    # beside an article ({% asset_img %}) changes the output's files: every page is looked at.
    edited_keys = {keys[p] for p in edited or ()}
    if any(records[k].assets != assets_before.get(k, records[k].assets) for k in edited_keys if k in records):
        edited = None
    reach = _reach(store, edited_keys) if patching and edited is not None and last is not None else None
    pages: dict[str, int] = {}
    listed: list[Listed] = []
    # Every page's edition, path inside it and dependencies: the reverse index of the next build.
    plan: list[tuple[str, str, frozenset[str]]] = []
    try:
        with Patch(out_dir, previous=previous) if patching else Output(out_dir, previous=previous) as out:

            def key_of(renderer: EditionRenderer, job: PageJob) -> str:
                return digest(page_key, renderer.lang, repr(job.shape), renderer.deps_key(job.deps))

            def keep(renderer: EditionRenderer, job: PageJob) -> bool:
                return out.keep(job.path, key_of(renderer, job))

            def emit(renderer: EditionRenderer, job: PageJob) -> bytes | None:
                """Write one page unless the previous output's can be kept; its bytes when rendered."""
                key = key_of(renderer, job)
                if out.keep(job.path, key):
                    return None
                data = job.render()
                data = data.encode("utf-8") if isinstance(data, str) else data
                out.write(job.path, data, key)
                return data

            tasks: list[tuple[EditionRenderer, PageJob]] = []
            for edition in settings.editions:
                lang = edition.lang
                renderer = EditionRenderer(site, edition, env, views.get(lang), makers.get(lang), view_keys.get(lang))
                only = reach.get(edition.lang, set()) if reach is not None else None
                count = 0
                for job in renderer.jobs(only):
                    path = file_for(site.edition_path(edition, job.path))
                    tasks.append((renderer, job.at(path)))
                    plan.append((edition.lang, job.path, job.deps))
                    listed.append(Listed(edition.lang, job.path, job.lastmod))
                    count += 1
                showing = articles if reach is None else [a for a in articles if a.key in edited_keys]
                for key, files in sorted((a.key, records[a.key].assets) for a in showing):
                    for name, path in sorted(files.items()):
                        out.write(asset_path(site.edition_path(edition, paths[key]), name), path.read_bytes())
                pages[edition.lang] = count if last is None or reach is None else last.pages[edition.lang]
                # Feeds: Atom and JSON Feed for the edition and each tag and source.
                for job in feed_jobs(renderer, only):
                    tasks.append((renderer, job.at(site.edition_path(edition, job.path))))
                    plan.append((edition.lang, job.path, job.deps))
            # For search engines: every page of every edition with its twins. Kept like a page while the
            # pages it lists are the same (half a second to make at 10,000 articles).
            sitemap_key = digest(page_key, repr(listed)) if reach is None else ""
            sitemap_texts = functools.cache(lambda: sitemaps(listed, settings, site.urls))
            # The files the last build made from the same pages are the files this one would.
            kept_files = sorted(p for p, entry in previous.items() if is_sitemap_file(p) and entry[0] == sitemap_key)
            linked = {target for key in edited_keys if key in links for target in links[key]}

            def meanwhile() -> None:
                """What the main process can do while the workers render: the pages are all known."""
                _keep_records(store, article_key, records)
                if reach is None and not kept_files:
                    sitemap_texts()
                _remember_dependents(store, plan, set(paths), linked if reach is not None else None)

            progress.stage("pages", len(tasks))
            found, _ = emit_pages(tasks, emit, keep, out, PageLinks(site.urls), jobs, progress.advance, meanwhile)
            for page in render_redirects(site, env, resolved.redirects):
                out.write(file_for(page.path), page.html)
            for page in render_root(site, env):
                out.write(page.path, page.html)
            for rel, data in static_outputs(settings):
                out.write(rel, data)
            if settings.search:
                # Search: runs over the finished pages in staging, so a failure keeps the old site.
                progress.stage("indexing for search", 0)
                for lang, fold in fold_maps(converter, settings.editions).items():
                    prefix = next(e.prefix for e in settings.editions if e.lang == lang)
                    out.write(f"{prefix}/{FOLD_FILE}", fold_json(fold))
                out.record(index_site(out.root, settings))
            out.write("robots.txt", robots_txt(site.urls))
            kept: set[str] = set()
            if reach is None:
                for name in kept_files or list(sitemap_texts()):
                    if not out.keep(name, sitemap_key):
                        out.write(name, sitemap_texts()[name], sitemap_key)
            else:
                # The same pages as last time (the sitemap too), and none the edits reach but those
                # looked at above.
                assert isinstance(out, Patch)
                kept = out.keep_rest()
            # The output checks itself: every link must stay under the base path and land.
            progress.stage("checking links", 0)
            before = len(diagnostics.errors)  # with --keep-going, articles' errors are already here
            keys = {rel: entry[0] for rel, entry in out.manifest.items() if entry[0]}
            known_links: Known = store.get_map("links", manifest_id) or {}
            # The pages kept untouched link where they did, and every file is where it was.
            checked = check_output(out.locate, out.written - kept, site.urls, diagnostics, shown_as=out_dir,
                                   every=set(out.written), keys=keys, known=known_links, found_by_workers=found)
            checked.update((rel, entry) for rel in kept if (entry := known_links.get(rel)) is not None)
            if len(diagnostics.errors) > before:
                raise BuildFailed(diagnostics)
            if isinstance(out, Patch) and reach is None:
                out.remove_strays()
            out.commit()
            written, changed = set(out.written), set(out.changed)
    except (UnsafePath, SearchError) as exc:
        diagnostics.error(settings.site_dir / "pyproject.toml", 1, str(exc))
        raise BuildFailed(diagnostics) from None
    except jinja2.TemplateError as exc:
        where, line = template_error_location(exc, [settings.templates_path, THEME / "templates"])
        diagnostics.error(where, line, f"template error: {exc.message or exc}")
        raise BuildFailed(diagnostics) from None
    store.put_map("pages", manifest_id, out.manifest)
    store.put_map("links", manifest_id, checked)
    store.retain("pages", {manifest_id})
    store.retain("links", {manifest_id})
    result = BuildResult(len(articles), pages, diagnostics, 0.0, out_dir, written, report, changed=changed)
    # A file without a date gets one from git, which the inputs do not cover.
    _remember(store, seen if not dates else None, result, out.manifest,
              last.output if last is not None and reach is not None else None)
    return result


# The reverse index (article -> pages showing it) is kept in this many rows by a hash of the
# article's key: a body edit reads and writes the few rows of the articles it reached, a full build
# writes all of them at once (a row per article took seconds to insert at 10,000).
DEPENDENT_ROWS = 64


def _dependents_row(key: str) -> str:
    return f"{hashlib.blake2b(key.encode(), digest_size=8).digest()[0] % DEPENDENT_ROWS:02d}"


def _reach(store: Store, keys: set[str]) -> dict[str, set[str]] | None:
    """The pages (edition lang -> paths inside it) that show any of the articles ``keys``, from the
    last build's reverse index (see _remember_dependents); None when it lacks one of them."""
    reach: dict[str, set[str]] = {}
    rows: dict[str, dict[str, frozenset[tuple[str, str]]] | None] = {}
    for key in sorted(keys):
        row = _dependents_row(key)
        if row not in rows:
            rows[row] = store.get_object("dependents", row)
        pages = (rows[row] or {}).get(key)
        if pages is None:
            return None
        for lang, path in pages:
            reach.setdefault(lang, set()).add(path)
    return reach


def _remember_dependents(store: Store, plan: list[tuple[str, str, frozenset[str]]], articles: set[str],
                         linked: set[str] | None = None) -> None:
    """Keep, for each article, the pages that show it (the deps of their PageJobs).

    After a body edit the plan holds only the pages it reached, and only what they show of the
    articles ``linked`` from the edited bodies can be new: a page's other dependencies (itself, its
    neighbours, related articles, the articles it lists) come from front-matter, which did not
    change. Those entries are only added to: a page kept under an article it no longer shows is
    looked at once too often, never once too few."""
    partial = linked is not None
    shown: dict[str, set[tuple[str, str]]] = {}
    for lang, path, deps in plan:
        for key in deps:
            if key in articles and (linked is None or key in linked):
                shown.setdefault(key, set()).add((lang, path))
    rows: dict[str, dict[str, frozenset[tuple[str, str]]]] = {}
    changed: set[str] = set()
    if partial:
        for key, pages in shown.items():
            row = _dependents_row(key)
            if row not in rows:
                rows[row] = store.get_object("dependents", row) or {}
            known = rows[row].get(key, frozenset())
            if not pages <= known:
                rows[row][key] = known | pages
                changed.add(row)
    else:
        for key in sorted(articles):
            rows.setdefault(_dependents_row(key), {})[key] = frozenset(shown.get(key, ()))
        store.retain("dependents", set(rows))
        changed = set(rows)
    for row in sorted(changed):
        store.put_object("dependents", row, rows[row])


def _edited_bodies(last: LastBuild | None, sources: list[Path], before: dict[Path, str], digests: dict[Path, str],
                   scans: dict[tuple[Path, str], tuple[Article | None, bool]]) -> set[Path] | None:
    """The content files changed since the last build when none of their changes reaches beyond
    their articles' bodies: the front-matter of each (and so every URL, title, term and date of
    the site) is what it was, and no other file changed. None otherwise.

    Then nothing derived from front-matter alone changed either (URLs, links' targets, indexes'
    shapes, which articles feeds carry): only pages showing an edited article may differ (see
    _reach).
    """
    if last is None:
        return None
    by_name = {str(p): p for p in sources}
    edited = set()
    for name in last.changed:
        path = by_name.get(name)
        old = before.get(path) if path is not None else None
        if path is None or old is None or scans.get((path, old)) != scans[path, digests[path]]:
            return None
        edited.add(path)
    return edited


def site_taxonomy(articles: list[Article], settings: Settings, converter: Converter, store: Store | None = None,
                  fingerprint: str = "") -> Taxonomy:
    """The taxonomy, with related articles (see taxonomy.related_articles) when given a ``store``:
    kept there, since they depend on every article's tags and date only and cost seconds at scale."""
    taxonomy, relate = site_taxonomy_later(articles, settings, converter, store, fingerprint)
    relate()
    return taxonomy


def site_taxonomy_later(articles: list[Article], settings: Settings, converter: Converter,
                        store: Store | None = None, fingerprint: str = "") -> tuple[Taxonomy, Callable[[], None]]:
    """site_taxonomy, and what fills in its related articles when the cache does not know them:
    for the main process to do while the workers render the bodies (a second at 10,000 articles)."""
    related_id = digest(fingerprint, repr([(a.key, a.tags, a.date) for a in articles])) if store is not None else ""
    known = store.get_object("related", related_id) if store is not None else {}  # {}: none wanted
    by_key = {a.key: a for a in articles}
    taxonomy = build_taxonomy(
        articles, settings.editions,
        convert=converter.text,
        lang_of=converter.lang_of,
        related={k: [by_key[o] for o in others] for k, others in known.items()} if known is not None else {},
    )
    if store is None or known is not None:
        return taxonomy, lambda: None

    @functools.cache  # once, whoever asks first
    def relate() -> None:
        taxonomy.related = related_articles(articles, taxonomy.article_terms)
        store.put_object("related", related_id, {k: [a.key for a in v] for k, v in taxonomy.related.items()})
        store.retain("related", {related_id})

    return taxonomy, relate


def in_feeds(articles: list[Article], taxonomy: Taxonomy, settings: Settings) -> frozenset[str]:
    """The articles (newest first) some feed carries (see feeds.edition_feeds): the newest of the
    site's and of each term's that has feeds."""
    size = settings.feed_size
    keys = {a.key for a in articles[:size]}
    keys.update(a.key for kind in FEED_KINDS for term in taxonomy.terms[kind] for a in term.articles[:size])
    return frozenset(keys)


def _records(keys: dict[Path, str], digests: dict[Path, str], dates: dict[Path, tuple[datetime, str]],
             stubs: list[Article], resolved: Paths, index: LinkIndex, feeds: frozenset[str], settings: Settings,
             converter: Converter, article_key: str, root: Path, store: Store, jobs: int, progress: BuildProgress,
             same_links: bool, assets_before: dict[str, dict[str, Path]],
             fronts: dict[str, tuple[str, Split]] | None = None, meanwhile: Callable[[], None] | None = None,
             made: Callable[[ArticleRecord], None] | None = None) -> dict[str, ArticleRecord]:
    """Every file's ArticleRecord (``keys``: each content file's key, in file order): from the cache
    while still right, else made by the workers.

    ``same_links``: every article's URL and title are what the last build checked the cached records
    against (see _edited_bodies), so a record made from the same bytes is still right. Fills
    ``assets_before`` with what the cache's records of the files made again had as assets.
    ``fronts``: see Job.fronts. ``meanwhile``: see workers.run. ``made``: called with each record
    the workers make, as it comes."""
    records: dict[str, ArticleRecord] = store.get_map("records", article_key) or {}
    by_key = {s.key: s for s in stubs}
    paths = resolved.articles
    images = site_images(settings, Urls(settings.base_url))
    todo = []
    for path, key in keys.items():
        record, stub = records.get(key), by_key.get(key)
        fresh = record is not None and record.digest == record_digest(digests[path], article_key, dates.get(path))
        if fresh and record is not None and stub is not None and key in paths:
            fresh = (record.texts is not None and (key not in feeds or bool(record.texts.feed_digests))
                     and (same_links or record.link_state == body_state(index, stub, record, paths, images)))
        if not fresh:
            todo.append(path)
            if record is not None:
                assets_before[key] = record.assets
    known = set(keys.values())
    records = {k: r for k, r in records.items() if k in known}
    script_of = {e.lang: e.script for e in settings.editions}
    scripts = {s.key: script_of[s.lang] for s in stubs if s.lang in script_of}
    store.bodies()  # the file and its table made here, before the workers race to make them
    job = Job(settings, converter, index, paths, dates, article_key, root, feeds, store.bodies_path, scripts,
              fronts or {})
    progress.stage("articles", len(todo))
    for record in run(render, job, todo, jobs, progress.advance, meanwhile=meanwhile):
        records[record.key] = record
        if made is not None:
            made(record)
    return records


def _keep_records(store: Store, article_key: str, records: dict[str, ArticleRecord]) -> None:
    """Put the records in the cache (see _records), and the bodies they show; drop what no record
    of these settings uses."""
    store.put_map("records", article_key, records)
    store.retain("records", {article_key})
    store.retain("scans", {article_key})
    store.retain_bodies({d for r in records.values() if r.texts
                         for d in (*r.texts.body_digests.values(), *r.texts.feed_digests.values())})


# Pages per task for the page workers: rendering one takes about a millisecond.
PAGE_CHUNK = 48
# Fewer pages than this are rendered here: forking processes that hold a whole site, and starting
# a pool in them, took a third of a second at 10,000 articles, more than rendering 200 pages.
FORK_FROM = 200


def emit_pages(tasks: list[tuple[EditionRenderer, PageJob]], emit: Callable[[EditionRenderer, PageJob], bytes | None],
               keep: Callable[[EditionRenderer, PageJob], bool], out: Output, links: PageLinks, jobs: int,
               advance: Callable[[int], None], meanwhile: Callable[[], None] | None = None
               ) -> tuple[dict[str, tuple[str, ...]], dict[str, frozenset[str]]]:
    """Render and write every page (``emit``), in ``jobs - 1`` forked worker processes and this
    one when it pays (workers.run_sharing); ``meanwhile``, see workers.run.

    Each worker inherits the whole build (site, renderers, the Output) from the fork, renders its
    share of ``tasks`` into the staging folder through its own copy of ``out``, reads the links of
    what it rendered, and sends back only what ``out`` must record. A task that fails in a worker
    is done again here, so that its error is raised (and reported) as a serial build raises it.
    Returns the link targets of the pages rendered in workers (see checks.PageLinks), and for each
    page rendered, the articles whose length its templates read (see render.counts_read).

    A warm build keeps most pages as they are (``keep``): which ones is found here first, so that
    the workers get only the pages to render, and none are started for a handful (forking a
    process that holds a whole site costs more than rendering a few dozen pages).
    """
    found: dict[str, tuple[str, ...]] = {}
    read: dict[str, frozenset[str]] = {}
    if out.previous:
        rest = []
        for renderer, job in tasks:
            if keep(renderer, job):
                advance(1)
            else:
                rest.append((renderer, job))
        tasks = rest
    if jobs <= 1 or len(tasks) < FORK_FROM or not FORK:
        if meanwhile is not None:
            meanwhile()
        for renderer, job in tasks:
            _, read[job.path] = counts_read(functools.partial(emit, renderer, job))
            advance(1)
        return found, read
    with _collecting_what_pages_leave():
        _emit_shared(tasks, emit, out, links, jobs, advance, meanwhile, found, read)
    return found, read


@contextlib.contextmanager
def _collecting_what_pages_leave() -> Iterator[None]:
    """The cyclic collector on while this process renders its share of the pages, for the objects
    made meanwhile only. Jinja leaves a cycle a page (a template's imported macros hold the page's
    context): with the collector paused for the build (see _build_with_store), 15,000 pages kept
    some 200 MB of them. The build's own structures, made before, are frozen, so that its passes
    skip them. Not in a process that froze objects of its own already (serve, after its first
    build): unfreezing would hand those back to the collector."""
    if gc.get_freeze_count() or gc.isenabled():
        yield
        return
    gc.freeze()
    gc.enable()
    try:
        yield
    finally:
        gc.disable()
        gc.unfreeze()


def _emit_shared(tasks: list[tuple[EditionRenderer, PageJob]], emit: Callable[[EditionRenderer, PageJob], bytes | None],
                 out: Output, links: PageLinks, jobs: int, advance: Callable[[int], None],
                 meanwhile: Callable[[], None] | None, found: dict[str, tuple[str, ...]],
                 read: dict[str, frozenset[str]]) -> None:
    """emit_pages in worker processes and this one, filling ``found`` and ``read``."""
    # The renderer of the pages a process rendered last: tasks come edition by edition, in order, so
    # once a process gets a page of another edition, the last one's list entries are of no more use.
    last: list[EditionRenderer] = []

    def work(indices: Sequence[int]) -> list[tuple[int, Written, bool, tuple[str, ...] | None, frozenset[str]] | int]:
        done: list[tuple[int, Written, bool, tuple[str, ...] | None, frozenset[str]] | int] = []
        for i in indices:
            renderer, job = tasks[i]
            if last and last[0] is not renderer:
                last[0].forget_items()
            last[:] = [renderer]
            try:
                data, counted = counts_read(functools.partial(emit, renderer, job))
            except Exception:  # done again in the main process, which reports it
                done.append(i)
                continue
            targets = links.targets(job.path, data) if data is not None and job.path.endswith(".html") else None
            done.append((i, out.manifest[job.path], job.path in out.changed, targets, counted))
        return done

    for here, result in run_sharing(call_given, work, range(len(tasks)), jobs, advance, PAGE_CHUNK, meanwhile):
        if isinstance(result, int):
            renderer, job = tasks[result]
            _, read[job.path] = counts_read(functools.partial(emit, renderer, job))
            continue
        i, entry, changed, targets, counted = result
        path = tasks[i][1].path
        if not here:  # a page this process wrote is in ``out`` already
            out.adopt(path, entry, changed)
        read[path] = counted
        if targets is not None:
            found[path] = targets


def static_outputs(settings: Settings) -> Iterator[tuple[str, bytes]]:
    yield ".nojekyll", b""
    files = static_files(settings)
    for rel, path in files.items():
        yield rel, path.read_bytes()
    if "static/favicon.ico" in files:
        # Browsers ask for /favicon.ico on their own; at the site's root it answers them.
        yield "favicon.ico", files["static/favicon.ico"].read_bytes()

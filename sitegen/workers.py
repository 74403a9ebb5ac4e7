"""The per-article work of a build, done in a pool of worker processes.

Each worker is handed only what its articles need: file paths, the settings, the converter's
configuration and the site-wide link index (keys, file names and URLs; no bodies). It reads,
parses, converts and renders each article's body for every edition itself, writes the HTML
(compressed) into the bodies store (cache.Bodies) and sends back only the small metadata the main
process needs for index pages. Parsed tokens never cross a process boundary: they cost more to
pickle than to make.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import zstandard

from .cache import Bodies
from .content import Article, load_article, make_parsers
from .convert import Converter
from .diagnostics import Diagnostic, Diagnostics
from .frontmatter_formats import Split
from .images import LocalImages
from .links import (
    LinkIndex,
    asset_names,
    image_sources,
    link_specs,
    link_state,
    link_targets,
    resolve_links,
)
from .render import THEME, ArticleTexts, BodyWriter, join_parts
from .settings import Settings
from .urls import Urls

T = TypeVar("T")
R = TypeVar("R")

# Articles per task: small enough to balance two workers and show progress, large enough that
# sending a task costs nothing next to doing it.
CHUNK = 24


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def digest(*parts: bytes | str) -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def record_digest(file_digest: str, fingerprint: str, fallback_date: tuple[datetime, str] | None) -> str:
    """What an article's record is made from besides its links: its bytes, the settings (see
    pipeline.fingerprints), and the date the build gives a file without one."""
    return digest(file_digest, fingerprint, repr(fallback_date))


@dataclass
class ArticleRecord:
    """What a worker made of one content file: all the main process keeps of it."""

    key: str
    digest: str  # record_digest(): what it was made from, besides its links
    article: Article | None  # without tokens; None when the file cannot be used (see diagnostics)
    diagnostics: list[Diagnostic]
    links: tuple[tuple[str, tuple[str, str] | None], ...]  # links.link_specs()
    asset_names: tuple[str, ...]
    images: tuple[str, ...]  # links.image_sources()
    link_state: str  # links.link_state() when the body was rendered
    # links.link_targets(): what the page showing the body depends on. Right while link_state is.
    link_targets: tuple[str, ...]
    assets: dict[str, Path]  # {% asset_img %} files by the name the body uses
    texts: ArticleTexts | None


@dataclass(frozen=True)
class Job:
    """What the workers need for the whole build, sent once to each worker."""

    settings: Settings
    converter: Converter
    index: LinkIndex  # of every article, as the front-matter scan found them
    paths: dict[str, str]  # article key -> site path inside an edition
    dates: dict[Path, tuple[datetime, str]]  # fallback dates of files whose front-matter gives none
    fingerprint: str  # settings, glossary and sitegen version
    root: Path  # where diagnostics' paths are shown from
    in_feeds: frozenset[str]  # keys of the articles some feed carries: they need absolute-URL bodies
    bodies: Path  # where the rendered bodies go (cache.Bodies)
    # article key -> the script the front-matter scan found its text in: not detected twice
    scripts: dict[str, str] = field(default_factory=dict)
    # article key -> the digest of the bytes the front-matter scan split, and their front-matter
    # (Split.without_body): not parsed twice when the file is still the same
    fronts: dict[str, tuple[str, Split]] = field(default_factory=dict)


# A date that marks "the front-matter gives none": the build looks the real one up (git) once
# for all such files, in the main process.
NO_DATE = (datetime(1970, 1, 1, tzinfo=UTC), "")


# -- work done in the workers -----------------------------------------------------------------

# (article without body, whether it needs a fallback date, digest of the bytes read ("" when they
# could not be), their front-matter split when they could be split)
Scanned = tuple[Article | None, bool, str, Split | None]


def scan(given: tuple[Settings, Converter], paths: Sequence[Path]) -> list[Scanned]:
    """Each file's front-matter as an Article without body (see load_article's front_only), whether
    it needs a fallback date, the digest of the bytes read, and their front-matter (see Job.fronts;
    None when they cannot be split: load_article reports why)."""
    settings, converter = given
    parsers = make_parsers(html=settings.unsafe_html)
    detect = converter.detect_script
    out: list[Scanned] = []
    for path in paths:
        undated: list[Path] = []

        def no_date(p: Path, undated: list[Path] = undated) -> tuple[datetime, str]:
            undated.append(p)
            return NO_DATE

        try:
            raw: bytes | None = path.read_bytes()
        except OSError:
            raw = None  # load_article reads again and reports why it cannot
        fronts: list[Split] = []
        article = load_article(path, settings, parsers, Diagnostics(), detect, no_date, raw, front_only=True,
                               on_split=fronts.append)
        out.append((article, bool(undated), digest(raw) if raw is not None else "",
                    fronts[0].without_body() if raw is not None and fronts else None))
    return out


def render(job: Job, paths: Sequence[Path]) -> list[ArticleRecord]:
    """Load, link, convert and render each article. The bodies go compressed, by digest, straight
    into the build's bodies store (cache.Bodies), committed: only the records come back."""
    settings = job.settings
    parsers = make_parsers(html=settings.unsafe_html)
    writer = BodyWriter(job.converter)
    urls = Urls(settings.base_url)
    images = site_images(settings, urls)
    compress = body_compressor()
    content_dir = settings.content_path
    out = []
    bodies: dict[str, bytes] = {}
    for path in paths:
        key = path.relative_to(content_dir).as_posix()
        diagnostics = Diagnostics(job.root)
        try:
            raw: bytes | None = path.read_bytes()
        except OSError:
            raw = None  # load_article reads again and reports why it cannot
        file_digest = digest(raw) if raw is not None else ""
        made_from = record_digest(file_digest, job.fingerprint, job.dates.get(path))
        known = job.scripts.get(key)
        detect = job.converter.detect_script if known is None else lambda text, known=known: known
        scanned = job.fronts.get(key)
        front = scanned[1] if scanned is not None and raw is not None and scanned[0] == file_digest else None
        article = load_article(path, settings, parsers, diagnostics, detect, lambda p: job.dates[p], raw,
                               front=front)
        record = ArticleRecord(key, made_from, None, diagnostics.items, (), (), (), "", (), {}, None)
        if article is not None:
            record.assets = resolve_links([article], diagnostics, index=job.index).get(key, {})
            record.links, record.asset_names = link_specs(article), asset_names(article)
            record.images = image_sources(article)
            if key in job.paths:
                record.link_state = body_state(job.index, article, record, job.paths, images)
                record.link_targets = link_targets(article)
                record.texts = _texts(job, writer, urls, images, article, record.assets, bodies, compress)
            record.article = replace(article, tokens=[])
        out.append(record)
    store = Bodies(job.bodies)
    try:
        store.put(bodies)
    finally:
        store.close()
    return out


# Bodies go from the article workers to the cache and the page workers compressed. zstd's level 1
# packs HTML as tightly as zlib's fastest level in a fifth of the time (0.03 against 0.14 ms for
# a 16 KB body), and a cold build compresses two or more bodies per article.
def body_compressor() -> Callable[[bytes], bytes]:
    return zstandard.ZstdCompressor(level=1).compress


def body_decompressor() -> Callable[[bytes], bytes]:
    return zstandard.ZstdDecompressor().decompress


def site_images(settings: Settings, urls: Urls) -> LocalImages:
    return LocalImages((settings.static_path, THEME / "static"), urls.base_path)


def body_state(index: LinkIndex, article: Article, record: ArticleRecord, paths: dict[str, str],
               images: LocalImages) -> str:
    """links.link_state() of what a record's body shows from outside the article."""
    sizes = tuple((src, images.size(src)) for src in record.images)
    # An {% asset_img %} file replaced by one of another size changes the body too.
    sizes += tuple((name, images.file_size(path)) for name, path in sorted(record.assets.items()))
    return link_state(index, article, record.links, record.asset_names, paths, sizes)


def _texts(job: Job, writer: BodyWriter, urls: Urls, images: LocalImages, article: Article,
           assets: dict[str, Path], bodies: dict[str, bytes], compress: Callable[[bytes], bytes]) -> ArticleTexts:
    converter = job.converter
    titles, summaries, digests, feed_digests = {}, {}, {}, {}
    for edition in job.settings.editions:
        lang = edition.lang
        # An article's own glossary converts its title and summary too (see Site.converter_for).
        own = converter.with_glossary(article.glossary) if article.glossary is not None else converter
        titles[lang] = own.text(article.title, article.lang, lang)
        summaries[lang] = own.text(article.summary, article.lang, lang)

        def title_of(key: str, lang: str = lang) -> str:
            target = job.index.by_key[key]
            if target.glossary is not None:
                return converter.with_glossary(target.glossary).text(target.title, target.lang, lang)
            return converter.text(target.title, target.lang, lang)

        def href_of(key: str, prefix: str = edition.prefix) -> str:
            return urls.href(f"{prefix}/{job.paths[key]}")

        def url_of(key: str, prefix: str = edition.prefix) -> str:
            return urls.absolute(f"{prefix}/{job.paths[key]}")

        # Each text converted and the body rendered once per edition: pages and feeds differ only
        # in how they link other articles (by path, by full URL), which joining the parts fills in.
        parts = writer.parts(article, lang, writer.converted(article, lang), title_of, images.size,
                             lambda name: images.file_size(assets[name]) if name in assets else None)
        variants = [(digests, href_of)] + ([(feed_digests, url_of)] if article.key in job.in_feeds else [])
        for found, link in variants:
            if found is feed_digests and all(type(part) is str for part in parts):
                # A body that links no other article reads the same with absolute URLs.
                found[lang] = digests[lang]
                continue
            html = join_parts(parts, link).encode()
            found[lang] = digest(html)
            bodies[found[lang]] = compress(html)
    return ArticleTexts(titles, summaries, digests, feed_digests)


# Whether worker processes can be forked (and so inherit what cannot be pickled).
FORK = "fork" in multiprocessing.get_all_start_methods()


# -- the pool ---------------------------------------------------------------------------------

# This worker process's share of the build, set once when the pool starts it. It lives in the
# worker only (the main process never sets it), so it is per-process input, not a shared cache.
_given: Any = None


def _start(given: Any) -> None:
    global _given
    _given = given
    # The main process pauses the cyclic collector while it builds (see pipeline.build); a worker
    # runs it for what it makes itself, not for what it inherited: walking those objects would
    # take time and copy the parent's memory pages that fork shares.
    gc.freeze()
    gc.enable()


def _call(task: tuple[Callable[[Any, Sequence[T]], list[R]], Sequence[T]]) -> list[R]:
    fn, chunk = task
    return fn(_given, chunk)


def call_given(given: Callable[[Sequence[T]], list[R]], chunk: Sequence[T]) -> list[R]:
    """For work that is a closure over the build (see pipeline.emit_pages): fork hands it over."""
    return given(chunk)


def chunks(items: Sequence[T], size: int = CHUNK) -> list[Sequence[T]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _pool(workers: int, given: Any) -> ProcessPoolExecutor:
    # fork: workers start in milliseconds with sitegen already imported; ``given`` is inherited,
    # never pickled.
    context = multiprocessing.get_context("fork" if FORK else "spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start, initargs=(given,))


def run(fn: Callable[[Any, Sequence[T]], list[R]], given: Any, items: Sequence[T], jobs: int,
        advance: Callable[[int], None], size: int = CHUNK, meanwhile: Callable[[], None] | None = None,
        ahead: Callable[[], None] | None = None) -> Iterator[R]:
    """``fn(given, chunk)`` over ``items`` in chunks, in order; in ``jobs`` processes when it pays.
    ``meanwhile``: work of the main process's own that the results do not need, done while the
    workers run (first, without workers). ``ahead``: work that would be done later anyway, when
    needed, done now only if there are workers to wait for."""
    parts = chunks(items, size)
    if jobs <= 1 or len(parts) <= 1:
        # Too little work to be worth starting processes (an edit of one article, a tiny site).
        if meanwhile is not None:
            meanwhile()
        for part in parts:
            yield from fn(given, part)
            advance(len(part))
        return
    with _pool(min(jobs, len(parts)), given) as pool:
        results_of = pool.map(_call, [(fn, p) for p in parts])  # every chunk handed out at once
        for work in (meanwhile, ahead):
            if work is not None:
                work()
        for part, results in zip(parts, results_of, strict=True):
            yield from results
            advance(len(part))


def run_sharing(fn: Callable[[Any, Sequence[T]], list[R]], given: Any, items: Sequence[T], jobs: int,
                advance: Callable[[int], None], size: int = CHUNK,
                meanwhile: Callable[[], None] | None = None) -> Iterator[tuple[bool, R]]:
    """``fn(given, chunk)`` over ``items`` in chunks, in ``jobs - 1`` worker processes and this one:
    each result with whether it was made here, in no set order. For work whose results this
    process has little to do with (the pages: it only notes what each worker wrote), so that it
    would mostly wait. One process fewer is one worker's own memory fewer, and one copy fewer of the
    build in a sum of RSS (a forked process's RSS counts every page it inherited).

    The workers take chunks from the front, this process from the back (the pages of the last
    edition, while the workers render the first's): each keeps what it renders of one edition."""
    parts = deque(chunks(items, size))
    if jobs <= 1 or len(parts) <= 1:
        if meanwhile is not None:
            meanwhile()
        for part in parts:
            yield from ((True, r) for r in fn(given, part))
            advance(len(part))
        return
    workers = jobs - 1
    with _pool(workers, given) as pool:
        sent: deque[tuple[int, Future[list[R]]]] = deque()

        def send() -> None:
            # Two chunks queued per worker: none waits for this process to hand it the next.
            while parts and len(sent) < 2 * workers:
                part = parts.popleft()
                sent.append((len(part), pool.submit(_call, (fn, part))))

        send()
        if meanwhile is not None:
            meanwhile()
        while parts or sent:
            while sent and (sent[0][1].done() or not parts):
                count, future = sent.popleft()
                yield from ((False, r) for r in future.result())
                advance(count)
                send()
            if parts:
                part = parts.pop()
                yield from ((True, r) for r in fn(given, part))
                advance(len(part))
                send()

"""Loading articles: files, front-matter, metadata, and the one Markdown parse of each body."""

from __future__ import annotations

import hashlib
import math
import os
import re
import subprocess
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from operator import attrgetter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .convert import Glossary, GlossaryError, glossary_from_front_matter
from .diagnostics import Diagnostic, Diagnostics
from .frontmatter_formats import SourceError, Split, decode, split
from .markdown import DEEPEST, make_parser, plain_text
from .settings import Settings
from .urls import safe_path, safe_segment

EXTENSIONS = (".md", ".markdown", ".txt")
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                 "%Y/%m/%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%Y.%m.%d",
                 "%Y.%m.%d %H:%M", "%Y.%m.%d %H:%M:%S")
_DATED_NAME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})-(.+)$")
_MORE = re.compile(r"^<!--\s*more\s*-->$", re.IGNORECASE)
# Characters that count as words in Chinese text: ideographs and kana, not punctuation.
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# What is not such a character: deleting it leaves only the characters to count, which is
# faster than finding each of them.
_NOT_CJK_CHARS = re.compile(r"[^\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_LATIN_WORD = re.compile(r"[A-Za-z0-9]+(?:[.'’-][A-Za-z0-9]+)*")
_SENTENCE = re.compile(r"[。！？!?]")
_CLAUSE = re.compile(r"(?<!\d)[，,；;：:](?!\d)")
TITLE_MAX = 40
# Chinese readers take in about 400 characters a minute; Latin words count as English prose.
CJK_PER_MINUTE, WORDS_PER_MINUTE = 400, 200


@dataclass
class Article:
    path: Path
    key: str  # path under content/, with "/" separators: an article's identity
    title: str
    date: datetime
    updated: datetime | None
    slug: str
    lang: str  # the edition the author wrote in
    tags: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    authors: tuple[str, ...]
    source_name: str
    source_url: str
    summary: str
    tokens: list[Token]
    body_line: int  # file line of the body's first line
    cjk_chars: int
    latin_words: int
    meta: dict[str, Any] = field(default_factory=dict)
    glossary: Glossary | None = None
    own_path: str | None = None  # from front-matter permalink/url: wins over the permalink pattern
    aliases: tuple[str, ...] = ()  # old site paths that redirect to the article
    key_lines: dict[str, int] = field(default_factory=dict)  # front-matter key -> file line, for messages

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.cjk_chars / CJK_PER_MINUTE + self.latin_words / WORDS_PER_MINUTE))

    @property
    def stem(self) -> str:
        return self.path.stem


# What only an article's body decides. An edit that changes nothing else of any article leaves
# every URL, title, term and date of the site, and where every link leads, as they were.
BODY_FIELDS = frozenset({"summary", "tokens", "body_line", "cjk_chars", "latin_words"})
_FRONT_FIELDS = tuple(f.name for f in fields(Article) if f.name not in BODY_FIELDS)


def newest_first(articles: list[Article]) -> None:
    """Sort in place by date, newest first, then by key: the order of every listing and feed.
    Two stable sorts instead of one on a (timestamp, key) tuple: a third of the time at 10,000."""
    articles.sort(key=attrgetter("key"))
    articles.sort(key=attrgetter("date"), reverse=True)  # reverse=True keeps equal dates in key order


def same_front(a: Article, b: Article) -> bool:
    """Whether two parses of an article differ in their bodies at most (see BODY_FIELDS)."""
    return all(getattr(a, name) == getattr(b, name) for name in _FRONT_FIELDS)


@dataclass(frozen=True)
class Parsers:
    markdown: MarkdownIt
    plain: MarkdownIt


def make_parsers(html: bool = True) -> Parsers:
    return Parsers(make_parser(html=html), make_parser(plain_text=True, html=html))


def find_sources(content_dir: Path, known: Iterable[Path] = ()) -> list[Path]:
    """Every article file under ``content_dir``, outside hidden folders, by path. A file among
    ``known`` is given as that object (a rebuild's: Path objects cost more to make than to list)."""
    if not content_dir.is_dir():
        return []
    found: list[tuple[str, str]] = []

    # os.scandir and strings: every build and rebuild lists the whole folder, and rglob with
    # relative_to() took half a second over 10,000 files.
    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, f"{prefix}{entry.name}/")
                elif os.path.splitext(entry.name)[1].lower() in EXTENSIONS:
                    found.append((prefix + entry.name, entry.path))

    walk(str(content_dir), "")
    # Sorted by path so that the build never depends on the file system's order.
    reuse = {str(p): p for p in known}
    return [reuse.get(path) or Path(path) for _, path in sorted(found)]


def source_keys(content_dir: Path, sources: list[Path]) -> dict[Path, str]:
    """Each file's key (its path inside ``content_dir``, as Article.key) by slicing its string:
    find_sources made every path from the folder's own, and relative_to() parsed each one again
    (a third of a second per 10,000 files, on every build)."""
    start = len(str(content_dir)) + 1
    return {path: str(path)[start:] for path in sources}


def git_dates(site_dir: Path, paths: list[Path]) -> dict[Path, datetime]:
    """The first commit date of each file, from one ``git log`` for the whole set."""
    if not paths:
        return {}
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=site_dir, capture_output=True,
                             text=True, check=True).stdout.strip()
        log = subprocess.run(
            ["git", "log", "--diff-filter=A", "--format=@%aI", "--name-only", "--no-renames", "--",
             *[str(p) for p in paths]],
            cwd=site_dir, capture_output=True, text=True, check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    dates: dict[Path, datetime] = {}
    current: datetime | None = None
    for line in log.splitlines():
        if line.startswith("@"):
            current = datetime.fromisoformat(line[1:])
        elif line and current is not None:
            # git lists newest first: the last date seen for a path is when it was added.
            dates[(Path(top) / line).resolve()] = current
    return dates


def parse_date(value: Any, settings: Settings) -> datetime | None:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # Unix seconds, or the milliseconds JavaScript tools write.
        seconds = value / 1000 if abs(value) > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, settings.tz)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, str):
        text = value.strip()
        if text.isdigit() and len(text) in (10, 13):
            return parse_date(int(text), settings)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in _DATE_FORMATS:
                try:
                    parsed = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            else:
                return None
    else:
        return None
    return parsed.replace(tzinfo=settings.tz) if parsed.tzinfo is None else parsed


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(s for v in value for s in _strings(v))
    text = str(value).strip()
    return (text,) if text else ()


def _categories(value: Any) -> tuple[tuple[str, ...], ...]:
    """Hexo's rule: a flat list is one nested path (Tech > AI); a list of lists is several."""
    if value is None:
        return ()
    if isinstance(value, list) and any(isinstance(v, list) for v in value):
        return tuple(p for v in value if (p := _strings(v)))
    path = _strings(value)
    return (path,) if path else ()


def derive_title(text: str) -> str:
    """A short title from the opening sentence, never cut inside a Latin word."""
    text = " ".join(text.split())
    match = _SENTENCE.search(text)
    sentence = text[: match.start()] if match else text
    if len(sentence) <= TITLE_MAX:
        return sentence
    clauses = [m.start() for m in _CLAUSE.finditer(sentence) if 4 <= m.start() <= TITLE_MAX]
    if clauses:
        return sentence[: clauses[-1]]
    cut = sentence[:TITLE_MAX]
    if sentence[TITLE_MAX].isascii() and sentence[TITLE_MAX].isalnum():
        cut = re.sub(r"[A-Za-z0-9]+$", "", cut).rstrip()
    return cut + "…"


def summarize(text: str, limit: int) -> str:
    """The opening text, cut at the last sentence end that fits."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    ends = [m.end() for m in _SENTENCE.finditer(text, 0, limit)]
    return text[: ends[-1]] if ends else text[:limit].rstrip() + "…"


def count_text(text: str) -> tuple[int, int]:
    """CJK characters and Latin words, counted the way Chinese sites count an article's length."""
    return len(_NOT_CJK_CHARS.sub("", text)), len(_LATIN_WORD.findall(text))


def _first_heading(tokens: list[Token]) -> tuple[str, int] | None:
    """The text of a heading that opens the body, and how many tokens it takes."""
    if len(tokens) >= 3 and tokens[0].type == "heading_open":
        return plain_text(tokens[1].children or []).strip(), 3
    return None


def _paragraph_text(tokens: list[Token]) -> str:
    for i, token in enumerate(tokens):
        if token.type == "paragraph_open" and i + 1 < len(tokens):
            text = plain_text(tokens[i + 1].children or []).strip()
            if text:
                return text
    return ""


def _source_name(meta: dict[str, Any], source_url: str) -> str:
    if meta.get("source"):
        return str(meta["source"]).strip()
    host = urlsplit(source_url).hostname or ""
    return host.removeprefix("www.")


def _author_names(value: Any) -> tuple[str, ...]:
    """Authors as a string, a list, or Hexo's ``{name: ..., link: ...}`` mappings."""
    if isinstance(value, dict):
        return _strings(value.get("name") or value.get("nick"))
    if isinstance(value, list | tuple):
        return tuple(s for v in value for s in _author_names(v))
    return _strings(value)


def _first(meta: dict[str, Any], *keys: str) -> Any:
    """The value of the first key present: Hexo writes ``tags`` or ``tag``, ``categories`` or ``category``."""
    return next((meta[k] for k in keys if meta.get(k) is not None), None)


def _split_summary(tokens: list[Token]) -> tuple[list[Token], list[Token] | None]:
    """Remove the ``<!-- more -->`` marker; the blocks before it are the summary."""
    for i, token in enumerate(tokens):
        if token.type == "html_block" and token.level == 0 and _MORE.match(token.content.strip()):
            return tokens[:i] + tokens[i + 1:], tokens[:i]
        # With raw HTML off, the marker is a paragraph of its own.
        if (token.type == "inline" and _MORE.match(token.content.strip()) and i > 0
                and tokens[i - 1].type == "paragraph_open" and tokens[i - 1].level == 0):
            return tokens[:i - 1] + tokens[i + 2:], tokens[:i - 1]
    return tokens, None


def _path_setting(value: Any) -> str | None:
    """A permalink or alias: a site path without the leading slash, None when it could escape."""
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme or parts.netloc or parts.query or parts.fragment:
        return None
    path = safe_path(parts.path)
    # "/posts/x" is a folder (Hugo writes /posts/x/index.html); "/x.html" is a file.
    return path + "/" if path and not path.endswith("/") and "." not in path.rsplit("/", 1)[-1] else path


def load_article(
    path: Path, settings: Settings, parsers: Parsers, diagnostics: Diagnostics,
    detect_script: Callable[[str], str], fallback_date: Callable[[Path], tuple[datetime, str]],
    raw: bytes | None = None, front_only: bool = False, front: Split | None = None,
    on_split: Callable[[Split], None] | None = None,
) -> Article | None:
    """Read one file into an Article, or None when it is a draft or has errors.

    Every problem of the file is reported, not only the first, so that one run lists them all.
    ``raw`` is the file's bytes when the caller has read them; ``front`` their front-matter when a
    front-matter scan of the same bytes split it (Split.without_body), and ``on_split`` is given the
    split this load makes (for such a scan). With ``front_only`` the body is
    not parsed when the front-matter gives the title: the Article has no tokens and no
    body-derived fields (summary, counts), but everything that decides its URL and how links to
    it read, exactly as a full load gives them.
    """
    errors = len(diagnostics.errors)
    if raw is None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            diagnostics.error(path, 1, f"cannot read file: {exc.strerror or exc}")
            return None
    try:
        text = decode(raw)
        front = split(text) if front is None else front.with_body(text)
    except SourceError as exc:
        diagnostics.error(path, exc.line, exc.message)
        return None
    if on_split is not None:
        on_split(front)
    meta = front.meta

    if meta.get("draft") is True or meta.get("published") is False:
        return None

    # A .txt file without front-matter is plain text: one paragraph per line.
    plain = path.suffix.lower() == ".txt" and not front.format
    env: dict[str, Any] = {}
    if front_only and meta.get("title") is not None and str(meta["title"]).strip():
        tokens: list[Token] = []
    else:
        tokens = (parsers.plain if plain else parsers.markdown).parse(front.body, env)
    if "too_deep_line" in env:
        diagnostics.warning(path, front.body_line + env["too_deep_line"],
                            f"blocks nested more than {DEEPEST} levels deep: deeper lines are shown as "
                            "plain paragraphs")
    tokens, summary_tokens = _split_summary(tokens)

    title = str(meta["title"]).strip() if meta.get("title") is not None else ""
    heading = _first_heading(tokens)
    if not title and heading:
        title = heading[0]
    if heading and heading[0] == title:
        tokens = tokens[heading[1]:]
    if not title:
        opening = _paragraph_text(tokens)
        title = derive_title(opening) if opening else path.stem
        diagnostics.warning(path, front.body_line, f"no title: using {title!r} from the opening sentence; "
                            "add 'title:' to the front-matter")

    when = parse_date(meta.get("date"), settings)
    if meta.get("date") is not None and when is None:
        diagnostics.error(path, front.line_of("date"), f"cannot read date {meta['date']!r}; "
                          "write it as 2026-02-10 09:00:00")
    dated_name = _DATED_NAME.match(path.stem)
    if when is None and dated_name:
        # Jekyll's rule: a post named 2022-02-25-slug.md is from that day.
        when = parse_date(dated_name.group(1), settings)
    if when is None and meta.get("date") is not None:
        when = datetime.fromtimestamp(0, settings.tz)  # the error above stops the build; no fallback noise
    elif when is None:
        when, where = fallback_date(path)
        diagnostics.warning(path, 1, f"no date: using the {where} ({when:%Y-%m-%d %H:%M}); "
                            f"add 'date: {when:%Y-%m-%d %H:%M:%S}' to the front-matter")
    updated = None
    if meta.get("updated") is not None:
        updated = parse_date(meta["updated"], settings)
        if updated is None:
            diagnostics.error(path, front.line_of("updated"), f"cannot read updated date {meta['updated']!r}; "
                              "write it as 2026-02-10 09:00:00")

    slug = str(meta.get("slug") or (dated_name.group(2) if dated_name else path.stem)).strip()
    if not safe_segment(slug):
        line = front.line_of("slug") if "slug" in meta else 1
        diagnostics.error(path, line, f"slug {slug!r} is not a safe URL segment (it could write outside the "
                          "output folder): use letters, digits, - and _")

    own_path = None
    for key in ("permalink", "url"):
        if meta.get(key) is not None and own_path is None:
            own_path = _path_setting(meta[key])
            if own_path is None:
                diagnostics.error(path, front.line_of(key), f"{key} {meta[key]!r} is not a safe path inside "
                                  "the site: use segments of letters, digits, - and _ separated by /")
    aliases: list[str] = []
    for alias in _strings(meta.get("aliases")):
        safe = _path_setting(alias)
        if safe is None:
            diagnostics.error(path, front.line_of("aliases"), f"alias {alias!r} is not a safe path inside "
                              "the site: use segments of letters, digits, - and _ separated by /")
        else:
            aliases.append(safe)

    lang_value = str(meta.get("lang") or "").strip()
    editions = {e.lang.lower(): e for e in settings.editions}
    lang = settings.default_edition.lang
    if lang_value:
        edition = editions.get(lang_value.lower())
        if edition is None:
            known = ", ".join(e.lang for e in settings.editions)
            diagnostics.error(path, front.line_of("lang"),
                              f"lang {lang_value!r} is not an edition of this site ({known})")
        else:
            lang = edition.lang
    else:
        # From the body as written, not from its tokens, so that a front-matter scan
        # (front_only) knows the script without parsing the body.
        script = detect_script(front.body.strip() or title)
        lang = next((e.lang for e in settings.editions if e.script == script), settings.default_edition.lang)

    glossary = None
    if meta.get("glossary") is not None:
        try:
            glossary = glossary_from_front_matter(meta["glossary"], lang)
        except GlossaryError as exc:
            diagnostics.error(path, front.line_of("glossary"), str(exc))

    source_url = str(meta.get("source_url") or "").strip()
    if source_url and urlsplit(source_url).scheme.lower() not in ("http", "https"):
        diagnostics.warning(path, front.line_of("source_url"), f"source_url {source_url!r} is not an "
                            "http(s) URL; it is not linked")
        source_url = ""
    if len(diagnostics.errors) > errors:
        return None

    cjk, words = count_text(plain_text_of(tokens)) if tokens else (0, 0)
    if meta.get("summary"):
        summary = str(meta["summary"]).strip()
    elif summary_tokens is not None:
        summary = " ".join(plain_text_of(summary_tokens).split())
    else:
        summary = summarize(_paragraph_text(tokens), settings.summary_length)
    categories, tags = _first(meta, "categories", "category"), _first(meta, "tags", "tag")
    if settings.category_lists == "jekyll":
        # Jekyll's rule: the plural keys written as one string are names separated by spaces
        # ("categories: jekyll update"); Hexo and Hugo read such a string as one name.
        categories = meta["categories"].split() if isinstance(meta.get("categories"), str) else categories
        tags = meta["tags"].split() if isinstance(meta.get("tags"), str) else tags
    if settings.category_lists in ("separate", "jekyll") or front.format == "toml":
        # Hugo and Jekyll: every item of a list is a category of its own.
        paths = tuple((name,) for name in _strings(categories))
    else:
        paths = _categories(categories)
    content_dir = settings.content_path
    return Article(
        path=path,
        key=path.relative_to(content_dir).as_posix(),
        title=title,
        date=when,
        updated=updated,
        slug=slug,
        lang=lang,
        tags=_strings(tags),
        categories=paths,
        authors=_author_names(_first(meta, "author", "authors")),
        source_name=_source_name(meta, source_url),
        source_url=source_url,
        summary=summary,
        tokens=tokens,
        body_line=front.body_line,
        cjk_chars=cjk,
        latin_words=words,
        meta=meta,
        glossary=glossary,
        own_path=own_path,
        aliases=tuple(aliases),
        key_lines={k: front.line_of(k) for k in ("slug", "permalink", "url", "aliases") if k in meta},
    )


def plain_text_of(tokens: list[Token]) -> str:
    return "\n".join(plain_text(t.children or []) for t in tokens if t.type == "inline")


@dataclass
class LoadedSource:
    """One content file as an earlier build read it: reused while the file's bytes stay the same."""

    stamp: tuple[int, int]  # (mtime_ns, size): a cheap test before hashing the bytes
    digest: str
    article: Article | None
    diagnostics: list[Diagnostic]


def date_fallback(settings: Settings, sources: list[Path]) -> Callable[[Path], tuple[datetime, str]]:
    """When a file gives no date: its first commit date in git, else its modification time."""
    dates: dict[Path, datetime] | None = None

    def fallback_date(path: Path) -> tuple[datetime, str]:
        nonlocal dates
        if dates is None:
            # One git call for the whole site, made only when some article has no date.
            dates = git_dates(settings.site_dir, sources)
        first_commit = dates.get(path.resolve())
        if first_commit is not None:
            return first_commit.astimezone(settings.tz), "file's first commit date"
        return datetime.fromtimestamp(path.stat().st_mtime, settings.tz), "file's modification time"

    return fallback_date


@dataclass
class LoadedFiles:
    """The content folder as the last load read it, kept by a caller between builds (sitegen serve)."""

    files: dict[Path, LoadedSource] = field(default_factory=dict)
    # Every article file the last load found, in build order; None when it must be listed again.
    listing: list[Path] | None = None

    def clear(self) -> None:
        self.files.clear()
        self.listing = None

    def listing_after(self, content_dir: Path, touched: Iterable[Path]) -> list[Path] | None:
        """The last listing, if files can only have changed in place: each of ``touched`` is a
        file of the listing that still exists, or lies outside the content folder (a template).
        A new file, a deleted one or a folder means listing the folder again."""
        if self.listing is None:
            return None
        inside = f"{content_dir}{os.sep}"
        for path in touched:
            if path in self.files:
                if not path.is_file():
                    return None
            # Resolved too: the watcher may name a file by another path than the listing's.
            elif any(str(p).startswith(inside) or p == content_dir for p in (path, path.resolve())):
                return None
        return self.listing


def load_articles(settings: Settings, diagnostics: Diagnostics, detect_script: Callable[[str], str],
                  cache: LoadedFiles | None = None, touched: Collection[Path] | None = None) -> list[Article]:
    """Every article of the site; with ``cache`` (kept by the caller between builds), files whose
    content did not change are not parsed again, and files that went away leave the cache.

    ``touched``: the files that may have changed since the cache's last load, when the caller knows
    (sitegen serve's file watcher). The folder is then not listed again, nor every file looked at:
    at 10,000 articles that was half of what a preview's rebuild took after an edit.
    """
    parsers = make_parsers(html=settings.unsafe_html)
    listing = cache.listing_after(settings.content_path, touched) if cache is not None and touched is not None else None
    if listing is None:
        sources = find_sources(settings.content_path, cache.files if cache is not None else ())
    else:
        sources = listing
    fallback_date = date_fallback(settings, sources)
    articles = []

    def load(p: Path, d: Diagnostics) -> Article | None:
        return load_article(p, settings, parsers, d, detect_script, fallback_date)

    for path in sources:
        if cache is None:
            article = load(path, diagnostics)
        elif listing is not None and path not in touched:  # touched is not None with a listing
            known = cache.files[path]
            diagnostics.items.extend(known.diagnostics)
            article = known.article
        else:
            article = _load_cached(path, cache.files, diagnostics, load)
        if article is not None:
            articles.append(article)
    if cache is not None:
        if listing is None:
            for gone in set(cache.files) - set(sources):
                del cache.files[gone]
        # A file that could not be read left the cache: the next load lists the folder again.
        cache.listing = sources if len(cache.files) == len(sources) else None
    return articles


def _load_cached(path: Path, cache: dict[Path, LoadedSource], diagnostics: Diagnostics,
                 load: Callable[[Path, Diagnostics], Article | None]) -> Article | None:
    try:
        info = os.stat(path)
        stamp = (info.st_mtime_ns, info.st_size)
        known = cache.get(path)
        if known is not None and known.stamp == stamp:
            diagnostics.items.extend(known.diagnostics)
            return known.article
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        cache.pop(path, None)
        return load(path, diagnostics)  # reports the file it cannot read
    if known is not None and known.digest == digest:
        known.stamp = stamp
        diagnostics.items.extend(known.diagnostics)
        return known.article
    own = Diagnostics(diagnostics.root)
    article = load(path, own)
    diagnostics.items.extend(own.items)
    cache[path] = LoadedSource(stamp, digest, article, own.items)
    return article

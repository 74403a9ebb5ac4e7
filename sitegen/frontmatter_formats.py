"""Reading a source file as the blog generators people migrate from wrote it.

Hexo, Hugo and Jekyll each accept more than strict YAML between two ``---`` lines: Hexo lets
the opening ``---`` be left out, writes JSON front-matter ended by ``;;;`` and accepts list items
indented with tabs; Hugo writes TOML between ``+++`` lines. This module turns the raw bytes of
a file into text, then splits that text into a metadata mapping and a body, with the file line
of everything so that problems are reported where the author can find them.
"""

from __future__ import annotations

import codecs
import json
import re
import tomllib
from dataclasses import dataclass, replace
from typing import Any

import yaml
from frontmatter.default_handlers import SafeLoader


class _YAMLLoader(SafeLoader):  # type: ignore[misc,valid-type]
    """Safe YAML that leaves dates as written: content.parse_date reads them all the same way.

    PyYAML would build ``2022-02-25 10:00:00`` itself but leave ``2022-2-5`` a string, and raise
    a bare ValueError (a traceback, not a message) for ``2022-13-45``.
    """


_YAMLLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in SafeLoader.yaml_implicit_resolvers.items()
}


class SourceError(Exception):
    """A file that cannot be read as written; ``line`` is the file line to report."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


# -- encodings -------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32LE"), (codecs.BOM_UTF32_BE, "UTF-32BE"),
    (codecs.BOM_UTF16_LE, "UTF-16LE"), (codecs.BOM_UTF16_BE, "UTF-16BE"),
)
# The commonest characters of Chinese prose in each script: text decoded with the right codec
# is full of them, the same bytes decoded with the wrong one almost never are.
_COMMON = set(
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出也得里后自之去子过家学对可下而年生会于能同成事多方发"
    "這個們來為國過學對會於發說時裡後當與經從開動還進"
    "，。、：；「」（）！？"
)


def _score(text: str) -> int:
    return sum(1 for c in text if c in _COMMON)


def detect_encoding(raw: bytes) -> str | None:
    """Name a legacy encoding ``raw`` (not UTF-8) is plausibly in, or None."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return f"{name} (with byte order mark)"
    if len(raw) >= 4:
        # ASCII written as UTF-16 has a NUL in every other byte.
        even, odd = raw[0::2].count(0), raw[1::2].count(0)
        if odd > len(raw) // 8 and even == 0:
            return "UTF-16LE"
        if even > len(raw) // 8 and odd == 0:
            return "UTF-16BE"
    candidates: list[tuple[int, int, str]] = []
    for order, codec in enumerate(("gbk", "big5", "gb18030", "big5hkscs")):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        candidates.append((_score(text), -order, codec.upper()))
    return max(candidates)[2] if candidates else None


def decode(raw: bytes) -> str:
    """The text of a file: UTF-8 with or without a BOM, anything else an error saying what it is."""
    try:
        if any(raw.startswith(bom) for bom, _ in _BOMS):
            raise UnicodeDecodeError("utf-8", raw, 0, 2, "byte order mark of UTF-16/32")
        text = raw.decode("utf-8-sig")
        if "\x00" in text:
            # Valid UTF-8, but no text file holds NUL bytes: UTF-16 without a byte order mark does.
            raise UnicodeDecodeError("utf-8", raw, raw.index(0), raw.index(0) + 1, "NUL byte")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        found = detect_encoding(raw)
        if found is None:
            raise SourceError(line, "file is not UTF-8 text (byte "
                              f"0x{raw[exc.start]:02x} cannot be read); save it as UTF-8") from None
        codec = found.split(" ")[0]
        raise SourceError(
            1 if "byte order" in found or codec.startswith("UTF") else line,
            f"file is not UTF-8 text: it is encoded as {found}, and nothing of it was used. Convert it with "
            f"`iconv -f {codec} -t UTF-8 FILE > FILE.utf8` and replace the file (or save it as UTF-8 in "
            "your editor)",
        ) from None
    # Every later line number counts "\n" only.
    return text.replace("\r\n", "\n").replace("\r", "\n")


# -- front-matter ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    meta: dict[str, Any]
    body: str
    body_line: int  # file line of the body's first line
    source: str  # the front-matter text, for finding the line of a key
    first_line: int  # file line of the front-matter text's first line
    format: str  # "yaml", "toml", "json" or "" (no front-matter)
    body_start: int = 0  # where the body starts in the file's text

    def without_body(self) -> Split:
        """The front-matter alone, to split the same text again without reading it (see with_body)."""
        return replace(self, body="")

    def with_body(self, text: str) -> Split:
        """The front-matter of ``text`` as this split of the same text found it, with its body."""
        return replace(self, body=text[self.body_start:])

    def line_of(self, key: str) -> int:
        """The file line where ``key`` is set, or the front-matter's first line."""
        match = re.search(rf'^[ \t]*["\']?{re.escape(key)}["\']?[ \t]*[:=]', self.source, re.MULTILINE)
        if match is None:
            return max(self.first_line - 1, 1)
        return self.first_line + self.source.count("\n", 0, match.start())


_FENCES = {"---": "yaml", "+++": "toml", ";;;": "json"}
_OPENING = re.compile(r"\A(---|\+\+\+|;;;)[ \t]*\n")
# Hexo without an opening fence: ``key: value`` lines up to the first ``---`` (or ``;;;``) line.
_BARE_KEY = re.compile(r"\A[A-Za-z_][\w-]*[ \t]*:(?:[ \t]|\n)")
_BARE_END = re.compile(r"^(---|;;;)[ \t]*$", re.MULTILINE)
_LEADING_TABS = re.compile(r"^\t+", re.MULTILINE)
# Without an opening fence, text is only taken for front-matter when it sets one of these:
# "Note: ..." above a thematic break is the body's first paragraph, not metadata.
FRONT_MATTER_KEYS = frozenset({
    "title", "date", "updated", "tags", "tag", "categories", "category", "author", "authors", "slug",
    "permalink", "url", "aliases", "draft", "published", "layout", "comments", "lang", "summary",
    "description", "source", "source_url", "toc", "keywords", "cover", "excerpt",
})


def split(text: str) -> Split:
    """Split a file's text into front-matter and body; raise SourceError for unreadable front-matter."""
    opening = _OPENING.match(text)
    if opening:
        fence = opening.group(1)
        closing = re.compile(rf"^{re.escape(fence)}[ \t]*$\n?", re.MULTILINE).search(text, opening.end())
        if closing is None:
            raise SourceError(1, f"front-matter opened with {fence!r} on line 1 is never closed; "
                              f"end it with a line {fence!r}")
        return _parsed(text, opening.end(), closing.start(), closing.end(), _FENCES[fence])
    if _BARE_KEY.match(text):
        end = _BARE_END.search(text)
        if end is not None:
            fmt = "json" if end.group(1) == ";;;" else "yaml"
            after = end.end() + (1 if text[end.end():end.end() + 1] == "\n" else 0)
            try:
                found = _parsed(text, 0, end.start(), after, fmt)
            except SourceError:
                found = None
            if found is not None and FRONT_MATTER_KEYS & {k.lower() for k in found.meta}:
                return found
    return Split({}, text, 1, "", 1, "")


def _parsed(text: str, start: int, end: int, body_start: int, fmt: str) -> Split:
    source = text[start:end]
    first_line = text.count("\n", 0, start) + 1
    meta = _load(source, fmt, first_line)
    return Split(meta, text[body_start:], text.count("\n", 0, body_start) + 1, source, first_line, fmt,
                 body_start)


def _load(source: str, fmt: str, first_line: int) -> dict[str, Any]:
    # A problem found at the very end (an unclosed bracket, a missing value) is on the last line written.
    last = first_line + max(len(source.splitlines()) - 1, 0)
    if fmt == "toml":
        try:
            loaded: Any = tomllib.loads(source)
        except tomllib.TOMLDecodeError as exc:
            match = re.search(r"line (\d+)", str(exc))
            line = min(first_line + int(match.group(1)) - 1, last) if match else first_line
            raise SourceError(line, f"invalid TOML front-matter: {str(exc).split(' (at')[0]}") from None
    elif fmt == "json":
        # Hexo's JSON front-matter is the inside of an object; a whole object is accepted too.
        wrapped = source.strip().startswith("{")
        try:
            loaded = json.loads(source if wrapped else "{" + source + "}")
        except json.JSONDecodeError as exc:
            line = min(first_line + exc.lineno - 1, last)
            raise SourceError(line, f"invalid JSON front-matter: {exc.msg}") from None
    else:
        # Hexo accepts list items indented with tabs, which YAML itself forbids.
        source = _LEADING_TABS.sub(lambda m: "  " * len(m.group(0)), source)
        try:
            loaded = yaml.load(source, Loader=_YAMLLoader)  # a SafeLoader subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = min(first_line + mark.line, last) if mark else first_line
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise SourceError(line, f"invalid YAML front-matter: {problem}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise SourceError(first_line, "front-matter must be a mapping of keys to values")
    return {str(k): v for k, v in loaded.items()}

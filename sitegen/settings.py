"""Site settings from ``[tool.sitegen]`` in the site's ``pyproject.toml``.

Every setting has a default, so a site without the table builds; a key we do not know or a
value of the wrong type is an error that names the key, because a silently ignored typo in a
setting is the kind of mistake that costs an editor an afternoon.
"""

from __future__ import annotations

import re
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .diagnostics import Diagnostic


class SettingsError(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


@dataclass(frozen=True)
class Edition:
    """One script edition of the site."""

    lang: str  # BCP 47 tag written into <html lang>, e.g. zh-Hant
    prefix: str  # URL folder, e.g. zh-hant
    label: str  # short switcher label, e.g. 繁
    name: str  # full name, e.g. 繁體中文
    script: str  # "hans" or "hant": which script the edition is written in


DEFAULT_EDITIONS: tuple[Edition, ...] = (
    Edition("zh-Hans", "zh-hans", "简", "简体中文", "hans"),
    Edition("zh-Hant", "zh-hant", "繁", "繁體中文", "hant"),
)

KNOWN_EDITIONS: dict[str, Edition] = {
    e.lang: e
    for e in (*DEFAULT_EDITIONS, Edition("zh-Hant-HK", "zh-hant-hk", "港", "繁體中文（香港）", "hant"))
}


@dataclass(frozen=True)
class Settings:
    title: str = "新闻"
    description: str = ""
    base_url: str = "http://localhost:8000/"
    timezone: str = "Asia/Shanghai"
    page_size: int = 20
    summary_length: int = 120
    editions: tuple[Edition, ...] = DEFAULT_EDITIONS
    # Which OpenCC configuration converts one edition's script into another's, keyed
    # "zh-Hans>zh-Hant"; a value may chain several configurations with "+".
    conversion: dict[str, str] = field(default_factory=dict)
    # Convert quotation marks to the edition's style (“” in zh-Hans, 「」 in zh-Hant).
    quotes: bool = True
    # A site glossary file (TOML, same shape as the shipped one); wins over everything shipped.
    glossary: str = ""
    author: str = ""
    publisher: str = ""
    # Where an article is written inside each edition, in Hexo's style: ":year/:month/:day/:slug/",
    # ":category/:slug/"... A migrated site sets its old generator's pattern to keep its paths.
    permalink: str = ":slug/"
    # The old site's own URLs (e.g. "https://old-domain.example/"): links to them are internal.
    old_urls: tuple[str, ...] = ()
    # Also write a redirect at each article's old path outside the editions ("2022/02/25/slug/").
    old_path_redirects: bool = False
    # A flat list of categories is one nested path ("nested", Hexo) or several ("separate", Hugo);
    # "jekyll" is "separate" plus Jekyll's space-separated strings ("categories: a b", "tags: a b").
    category_lists: str = "nested"
    # Raw HTML in Markdown is written as is (authors are trusted); false escapes it as text.
    unsafe_html: bool = True
    # How many of the newest articles each feed carries, with their full text.
    feed_size: int = 20
    # The browser's UI colour on phones (<meta name="theme-color">).
    theme_color: str = "#b3261e"
    # A custom domain for GitHub Pages: `sitegen deploy` writes it to CNAME.
    cname: str = ""
    content_dir: str = "content"
    templates_dir: str = "templates"
    static_dir: str = "static"
    # Full-text search with Pagefind, built into every edition.
    search: bool = True
    # The Pagefind command to run; empty: the site's node_modules, PATH, then the PyPI wheel.
    pagefind: str = ""
    # Filled in by load(): where the site lives; not a key users write.
    site_dir: Path = field(default=Path("."), compare=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def default_edition(self) -> Edition:
        return self.editions[0]

    @property
    def content_path(self) -> Path:
        return self.site_dir / self.content_dir

    @property
    def templates_path(self) -> Path:
        return self.site_dir / self.templates_dir

    @property
    def static_path(self) -> Path:
        return self.site_dir / self.static_dir


_USER_KEYS = {f.name: f for f in fields(Settings) if f.name != "site_dir"}
_EDITION_KEYS = {f.name for f in fields(Edition)}


def _line_of(text: str, key: str) -> int:
    match = re.search(rf"^\s*{re.escape(key)}\s*=", text, re.MULTILINE)
    if match:
        return text.count("\n", 0, match.start()) + 1
    match = re.search(r"^\s*\[tool\.sitegen", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _type_ok(value: Any, annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    if origin is dict:
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )
    if origin in (tuple, types.UnionType):
        return isinstance(value, list)
    return True


def _type_name(annotation: Any) -> str:
    return {bool: "true or false", int: "an integer", str: "a string"}.get(annotation, "a table")


def load(site_dir: Path, overrides: dict[str, Any] | None = None) -> Settings:
    """Read the settings of the site in ``site_dir``; ``overrides`` come from the command line."""
    site_dir = site_dir.resolve()
    pyproject = site_dir / "pyproject.toml"
    text = ""
    table: dict[str, Any] = {}
    if pyproject.is_file():
        text = pyproject.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            match = re.search(r"line (\d+)", str(exc))
            line = int(match.group(1)) if match else 1
            raise SettingsError(Diagnostic(str(pyproject), line, f"invalid TOML: {exc}")) from None
        table = data.get("tool", {}).get("sitegen", {})
    hints = typing.get_type_hints(Settings)
    values: dict[str, Any] = {}
    for key, value in table.items():
        where = Diagnostic(str(pyproject), _line_of(text, key), "")
        if key not in _USER_KEYS:
            known = ", ".join(sorted(_USER_KEYS))
            raise SettingsError(
                replace(where, message=f"unknown setting 'tool.sitegen.{key}' (known: {known})")
            )
        if not _type_ok(value, hints[key]):
            raise SettingsError(
                replace(where, message=f"setting 'tool.sitegen.{key}' must be {_type_name(hints[key])}")
            )
        if key == "editions":
            value = _editions(value, where)
        elif typing.get_origin(hints[key]) is tuple:
            value = tuple(value)
        values[key] = value
    values.update(overrides or {})
    settings = Settings(**values, site_dir=site_dir)
    _check(settings, Diagnostic(str(pyproject), _line_of(text, "base_url"), ""), text)
    return settings


def _editions(value: list[Any], where: Diagnostic) -> tuple[Edition, ...]:
    editions = []
    for item in value:
        if isinstance(item, str):
            item = {"lang": item}
        if not isinstance(item, dict) or "lang" not in item:
            raise SettingsError(replace(where, message="each of 'tool.sitegen.editions' needs a 'lang'"))
        unknown = set(item) - _EDITION_KEYS
        if unknown:
            raise SettingsError(
                replace(where, message=f"unknown edition key 'tool.sitegen.editions.{sorted(unknown)[0]}'")
            )
        base = KNOWN_EDITIONS.get(item["lang"])
        if base is None and not {"prefix", "label", "name", "script"} <= set(item):
            raise SettingsError(
                replace(where, message=f"edition '{item['lang']}' is not built in: give prefix, label, "
                        "name and script")
            )
        edition = replace(base, **item) if base else Edition(**item)
        if edition.script not in ("hans", "hant"):
            raise SettingsError(replace(where, message=f"edition '{edition.lang}': script must be hans or hant"))
        editions.append(edition)
    if len({e.lang for e in editions}) != len(editions) or len({e.prefix for e in editions}) != len(editions):
        raise SettingsError(replace(where, message="'tool.sitegen.editions' lists an edition twice"))
    if not editions:
        raise SettingsError(replace(where, message="'tool.sitegen.editions' is empty"))
    return tuple(editions)


def _check(settings: Settings, where: Diagnostic, text: str) -> None:
    if not re.match(r"^https?://[^/\s]+(/[^\s]*)?$", settings.base_url):
        raise SettingsError(
            replace(where, message=f"setting 'tool.sitegen.base_url' must be an absolute http(s) URL, "
                    f"not {settings.base_url!r}")
        )
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            replace(where, line=_line_of(text, "timezone"),
                    message=f"setting 'tool.sitegen.timezone': unknown time zone {settings.timezone!r}")
        ) from None
    if settings.category_lists not in ("nested", "separate", "jekyll"):
        raise SettingsError(replace(where, line=_line_of(text, "category_lists"),
                                    message="setting 'tool.sitegen.category_lists' must be \"nested\", "
                                            "\"separate\" or \"jekyll\""))
    if not all(isinstance(u, str) and re.match(r"^https?://[^/\s]+", u) for u in settings.old_urls):
        raise SettingsError(replace(where, line=_line_of(text, "old_urls"),
                                    message="setting 'tool.sitegen.old_urls' must list absolute http(s) URLs"))
    if settings.feed_size < 1:
        raise SettingsError(
            replace(where, line=_line_of(text, "feed_size"), message="setting 'tool.sitegen.feed_size' must be >= 1")
        )
    if settings.page_size < 1:
        raise SettingsError(
            replace(where, line=_line_of(text, "page_size"), message="setting 'tool.sitegen.page_size' must be >= 1")
        )
    for prefix in (e.prefix for e in settings.editions):
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", prefix):
            raise SettingsError(
                replace(where, message=f"edition prefix {prefix!r} must be lowercase letters, digits, -")
            )

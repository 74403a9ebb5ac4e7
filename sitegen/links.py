"""Links between articles: a Markdown link to a content file becomes a link to its page."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from markdown_it.token import Token

from .content import EXTENSIONS, Article
from .diagnostics import Diagnostics

_LEADING_ID = re.compile(r"^(\d+)(?=[_.\-]|$)")


@dataclass(frozen=True)
class LinkIndex:
    by_key: dict[str, Article]
    by_name: dict[str, list[Article]]
    by_id: dict[str, list[Article]]


def build_index(articles: list[Article]) -> LinkIndex:
    by_name: dict[str, list[Article]] = defaultdict(list)
    by_id: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        by_name[article.path.name.lower()].append(article)
        match = _LEADING_ID.match(article.path.name)
        if match:
            by_id[match.group(1)].append(article)
    return LinkIndex({a.key: a for a in articles}, dict(by_name), dict(by_id))


def content_target(href: str) -> tuple[str, str] | None:
    """(path, fragment) when ``href`` names a content file, else None."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    path = unquote(parts.path)
    if not path.lower().endswith(EXTENSIONS):
        return None
    return path, parts.fragment


def resolve(index: LinkIndex, source: Article, target: str) -> tuple[Article | None, list[Article]]:
    """The article a target names, or (None, candidates) when it names several or none."""
    here = PurePosixPath(source.key).parent
    relative = _normalize(here / target)
    for key in (relative, _normalize(PurePosixPath(target))):
        if key is not None and key in index.by_key:
            return index.by_key[key], []
    name = PurePosixPath(target).name.lower()
    for candidates in (index.by_name.get(name, []), _by_id(index, name)):
        if len(candidates) == 1:
            return candidates[0], []
        if len(candidates) > 1:
            return None, sorted(candidates, key=lambda a: a.key)
    return None, []


def _by_id(index: LinkIndex, name: str) -> list[Article]:
    match = _LEADING_ID.match(name)
    return index.by_id.get(match.group(1), []) if match else []


def _normalize(path: PurePosixPath) -> str | None:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts)


def resolve_links(articles: list[Article], diagnostics: Diagnostics) -> None:
    """Annotate every content-file link token with the article it names.

    ``meta["article"]`` holds the target's key; an unresolved link's open and close tokens get
    ``meta["unresolved"]`` so that the renderer writes a marked span instead of a dead href.
    """
    index = build_index(articles)
    for article in articles:
        for block in article.tokens:
            if block.type != "inline" or not block.children:
                continue
            line = article.body_line + (block.map[0] if block.map else 0)
            _resolve_inline(index, article, block.children, line, diagnostics)


def _resolve_inline(index: LinkIndex, article: Article, children: list[Token], line: int,
                    diagnostics: Diagnostics) -> None:
    opened: list[Token] = []
    for token in children:
        if token.type in ("softbreak", "hardbreak"):
            line += 1
        elif token.type == "link_open":
            opened.append(token)
            # A rebuild resolves again: what an earlier pass found may have changed.
            token.meta = {k: v for k, v in token.meta.items() if k not in ("article", "fragment", "unresolved")}
            href = str(token.attrGet("href") or "")
            target = content_target(href)
            if target is None:
                continue
            found, candidates = resolve(index, article, target[0])
            if found is not None:
                token.meta = {**token.meta, "article": found.key, "fragment": target[1]}
            elif candidates:
                names = ", ".join(c.key for c in candidates)
                diagnostics.error(article.path, line, f"ambiguous link {target[0]}: it could be {names}")
            else:
                token.meta = {**token.meta, "unresolved": target[0]}
                diagnostics.warning(article.path, line, f"unresolved link {target[0]}")
        elif token.type == "link_close" and opened:
            opening = opened.pop()
            token.meta = {k: v for k, v in token.meta.items() if k != "unresolved"}
            if "unresolved" in opening.meta:
                token.meta = {**token.meta, "unresolved": opening.meta["unresolved"]}

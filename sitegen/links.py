"""Links between articles: a Markdown link to a content file becomes a link to its page.

So do the template tags of migrated posts (``{% post_link %}``, ``{{< ref >}}``..., read as link
tokens by template_tags.py) and links to the old site's own absolute URLs; ``{% asset_img %}``
images are found next to their article and copied beside its page.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from markdown_it.token import Token

from .content import EXTENSIONS, Article
from .diagnostics import Diagnostic, Diagnostics

_LEADING_ID = re.compile(r"^(\d+)(?=[_.\-]|$)")


@dataclass(frozen=True)
class OldSite:
    """How the site's own links were written before migration."""

    urls: tuple[str, ...] = ()  # old base URLs, e.g. "https://old-domain.example/blog/"
    paths: dict[str, str] = field(default_factory=dict)  # old or current site path -> article key


@dataclass(frozen=True)
class LinkIndex:
    by_key: dict[str, Article]
    by_name: dict[str, list[Article]]
    by_id: dict[str, list[Article]]
    by_stem: dict[str, list[Article]] = field(default_factory=dict)
    old: OldSite = field(default_factory=OldSite)
    # link_target()'s answers, which the index decides alone: a build asks twice for every link
    # (is the cached body still right, and what does the page link to).
    targets: dict[tuple[str, str, tuple[str, str] | None], tuple[str | None, tuple[str, ...]]] = field(
        default_factory=dict, compare=False, repr=False)


def build_index(articles: list[Article], old: OldSite | None = None) -> LinkIndex:
    by_name: dict[str, list[Article]] = defaultdict(list)
    by_id: dict[str, list[Article]] = defaultdict(list)
    by_stem: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        by_name[article.path.name.lower()].append(article)
        # Hexo's post_link names a post by its slug, Jekyll's post_url by its file name without
        # extension, Hugo's ref by its path with or without extension.
        names = {article.stem.lower(), article.slug.lower(), article.key.rsplit(".", 1)[0].lower()}
        for name in names:
            by_stem[name].append(article)
        match = _LEADING_ID.match(article.path.name)
        if match:
            by_id[match.group(1)].append(article)
    return LinkIndex({a.key: a for a in articles}, dict(by_name), dict(by_id), dict(by_stem), old or OldSite())


def old_site(articles: list[Article], paths: dict[str, str], pattern_paths: dict[str, str],
             prefixes: list[str], urls: tuple[str, ...]) -> OldSite:
    """Every path an article was or is reachable at, for recognising old absolute links."""
    known: dict[str, str] = {}
    for article in articles:
        if article.key not in paths:
            continue
        candidates = [paths[article.key], *article.aliases, pattern_paths.get(article.key, "")]
        candidates += [f"{prefix}/{paths[article.key]}" for prefix in prefixes]
        for path in candidates:
            if path:
                known.setdefault(_path_key(path), article.key)
    return OldSite(urls, known)


def _path_key(path: str) -> str:
    path = unquote(path).strip("/")
    return path.removesuffix("/index.html").removesuffix("index.html").strip("/")


def old_url_target(old: OldSite, href: str) -> tuple[str | None, str, bool]:
    """(article key or None, fragment, whether ``href`` is the old site's) for a link."""
    if not old.urls and not old.paths:
        return None, "", False  # most sites: every link of every article asks
    parts = urlsplit(href)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        for base in old.urls:
            base_parts = urlsplit(base)
            prefix = base_parts.path.rstrip("/") + "/"
            if parts.netloc.lower() == base_parts.netloc.lower() and (parts.path + "/").startswith(prefix):
                rest = parts.path[len(prefix) - 1:]
                return old.paths.get(_path_key(rest)), parts.fragment, True
        return None, "", False
    if not parts.scheme and not parts.netloc and parts.path.startswith("/"):
        prefixes = ["/"] + [urlsplit(b).path.rstrip("/") + "/" for b in old.urls]
        for prefix in prefixes:
            if parts.path.startswith(prefix) and _path_key(parts.path[len(prefix):]) in old.paths:
                return old.paths[_path_key(parts.path[len(prefix):])], parts.fragment, False
    return None, "", False


def resolve_ref(index: LinkIndex, source: Article, ref: tuple[str, str]) -> tuple[Article | None, list[Article]]:
    """The article a template tag names (``ref`` is (kind, target) from template_tags.py)."""
    kind, target = ref
    target = target.strip().split("#")[0]
    if kind == "path" and target.lower().endswith(EXTENSIONS):
        found, candidates = resolve(index, source, target.lstrip("/"))
        if found is not None or candidates:
            return found, candidates
    name = target.strip("/").rsplit(".", 1)[0] if target.lower().endswith(EXTENSIONS) else target.strip("/")
    for key in (name.lower(), name.rsplit("/", 1)[-1].lower()):
        candidates = index.by_stem.get(key, [])
        unique = list({a.key: a for a in candidates}.values())
        if len(unique) == 1:
            return unique[0], []
        if len(unique) > 1:
            return None, sorted(unique, key=lambda a: a.key)
    return None, []


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
    # Strings, not PurePosixPath: every link of every article is resolved on every build.
    here = source.key.rsplit("/", 1)[0] if "/" in source.key else ""
    for key in (_normalize(f"{here}/{target}"), _normalize(target)):
        if key is not None and key in index.by_key:
            return index.by_key[key], []
    name = target.rstrip("/").rsplit("/", 1)[-1].lower()
    for candidates in (index.by_name.get(name, []), _by_id(index, name)):
        if len(candidates) == 1:
            return candidates[0], []
        if len(candidates) > 1:
            return None, sorted(candidates, key=lambda a: a.key)
    return None, []


def _by_id(index: LinkIndex, name: str) -> list[Article]:
    match = _LEADING_ID.match(name)
    return index.by_id.get(match.group(1), []) if match else []


def _normalize(path: str) -> str | None:
    """A relative path with ``.`` and ``..`` applied (None when it climbs out), as a content key."""
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts)


@dataclass
class LinkCache:
    """Resolutions kept between builds (``sitegen serve``): an article's links resolve the same way
    while it is the same parsed article and the articles and old paths it could link to stay the same."""

    keys: frozenset[str] = frozenset()
    old: OldSite | None = None
    done: dict[str, tuple[Article, dict[str, Path], list[Diagnostic]]] = field(default_factory=dict)


def resolve_links(articles: list[Article], diagnostics: Diagnostics, old: OldSite | None = None,
                  cache: LinkCache | None = None, index: LinkIndex | None = None) -> dict[str, dict[str, Path]]:
    """Annotate every link and tag token with the article it names; return each article's assets.

    ``meta["article"]`` holds the target's key; an unresolved link's open and close tokens get
    ``meta["unresolved"]`` so that the renderer writes a marked span instead of a dead href.
    The assets are ``{% asset_img %}`` files by the name the page refers to them.
    """
    # ``index``: the whole site's, when articles are resolved a few at a time (in worker processes).
    index = index or build_index(articles, old)
    if cache is not None and (cache.keys != index.by_key.keys() or cache.old != old):
        cache.keys, cache.old = frozenset(index.by_key), old
        cache.done.clear()
    assets: dict[str, dict[str, Path]] = {}
    for article in articles:
        known = cache.done.get(article.key) if cache is not None else None
        if known is not None and known[0] is article:
            assets[article.key] = known[1]
            diagnostics.items.extend(known[2])
            continue
        reported = len(diagnostics.items)
        found: dict[str, Path] = {}
        tags: dict[str, list[int]] = {}
        for block in article.tokens:
            if block.type != "inline" or not block.children:
                continue
            line = article.body_line + (block.map[0] if block.map else 0)
            _resolve_inline(index, article, block.children, line, diagnostics, found, tags)
        for name, lines in tags.items():
            if name.startswith("end") and name[3:] in tags:
                continue  # {% endhighlight %} goes with the {% highlight %} already reported
            more = f" ({len(lines) - 1} more in this file)" if len(lines) > 1 else ""
            diagnostics.warning(article.path, lines[0], f"unsupported tag {name!r}: left in the text as "
                                f"written{more}")
        assets[article.key] = found
        if cache is not None:
            cache.done[article.key] = (article, found, diagnostics.items[reported:])
    return assets


def _asset(article: Article, name: str) -> Path | None:
    """Hexo's post asset folder (``my-post/img.png`` beside ``my-post.md``), else beside the file."""
    relative = PurePosixPath(unquote(name))
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        return None
    for folder in (article.path.parent / article.path.stem, article.path.parent):
        candidate = folder.joinpath(*relative.parts)
        if candidate.is_file():
            return candidate
    return None


def _resolve_inline(index: LinkIndex, article: Article, children: list[Token], line: int,
                    diagnostics: Diagnostics, assets: dict[str, Path], tags: dict[str, list[int]]) -> None:
    opened: list[Token] = []
    for token in children:
        if token.type in ("softbreak", "hardbreak"):
            line += 1
        elif token.type == "template_tag":
            tags.setdefault(token.meta["unsupported_tag"], []).append(line)
        elif token.type == "image" and "asset" in token.meta:
            path = _asset(article, token.meta["asset"])
            if path is None:
                diagnostics.warning(article.path, line, f"unresolved image {token.meta['asset']} (looked in "
                                    f"{article.path.stem}/ beside the article)")
            else:
                assets[token.meta["asset"]] = path
        elif token.type == "link_open":
            opened.append(token)
            # A rebuild resolves again: what an earlier pass found may have changed.
            token.meta = {k: v for k, v in token.meta.items() if k not in ("article", "fragment", "unresolved")}
            href = str(token.attrGet("href") or "")
            if "ref" in token.meta:
                target = token.meta["ref"][1]
                found, candidates = resolve_ref(index, article, token.meta["ref"])
                fragment = target.partition("#")[2]
            else:
                old_key, fragment, from_old_site = old_url_target(index.old, href)
                if old_key is not None:
                    token.meta = {**token.meta, "article": old_key, "fragment": fragment}
                    continue
                if from_old_site:
                    diagnostics.warning(article.path, line, f"link {href} is to the old site but matches no "
                                        "article; it is left pointing there")
                    continue
                content = content_target(href)
                if content is None:
                    continue
                target, fragment = content
                found, candidates = resolve(index, article, target)
            if found is not None:
                token.meta = {**token.meta, "article": found.key, "fragment": fragment}
            elif candidates:
                names = ", ".join(c.key for c in candidates)
                diagnostics.error(article.path, line, f"ambiguous link {target}: it could be {names}")
            else:
                token.meta = {**token.meta, "unresolved": target}
                diagnostics.warning(article.path, line, f"unresolved link {target}")
        elif token.type == "link_close" and opened:
            opening = opened.pop()
            token.meta = {k: v for k, v in token.meta.items() if k != "unresolved"}
            if "unresolved" in opening.meta:
                token.meta = {**token.meta, "unresolved": opening.meta["unresolved"]}


def link_targets(article: Article) -> tuple[str, ...]:
    """What the article's links resolved to: keys, and "?target" for unresolved ones.

    A page showing the body depends on these: when a target changes its URL, or an unresolved
    target appears, the page is rendered again (see pipeline.BuildState).
    """
    targets: list[str] = []
    for block in article.tokens:
        for token in block.children or ():
            if token.type != "link_open" or not token.meta:
                continue
            if "article" in token.meta:
                targets.append(token.meta["article"])
            elif "unresolved" in token.meta:
                targets.append("?" + token.meta["unresolved"])
    return tuple(targets)


# -- what a rendered body depends on, for the build cache ---------------------------------------

def link_specs(article: Article) -> tuple[tuple[str, tuple[str, str] | None], ...]:
    """Every link of a body as written: (href, template-tag reference)."""
    return tuple((str(token.attrGet("href") or ""), token.meta.get("ref"))
                 for block in article.tokens if block.type == "inline"
                 for token in block.children or () if token.type == "link_open")


def link_target(index: LinkIndex, article: Article, href: str,
                ref: tuple[str, str] | None) -> tuple[str | None, tuple[str, ...]]:
    """(key, ambiguous candidates) a link resolves to, by the same rules as _resolve_inline."""
    asked = (article.key, href, ref)
    found = index.targets.get(asked)
    if found is None:
        found = index.targets[asked] = _link_target(index, article, href, ref)
    return found


def _link_target(index: LinkIndex, article: Article, href: str,
                 ref: tuple[str, str] | None) -> tuple[str | None, tuple[str, ...]]:
    if ref is not None:
        found, candidates = resolve_ref(index, article, ref)
    else:
        old_key, _, from_old_site = old_url_target(index.old, href)
        if old_key is not None or from_old_site:
            return old_key, ()
        content = content_target(href)
        if content is None:
            return None, ()
        found, candidates = resolve(index, article, content[0])
    return (found.key if found is not None else None), tuple(c.key for c in candidates)


def link_state(index: LinkIndex, article: Article, specs: tuple[tuple[str, tuple[str, str] | None], ...],
               assets: tuple[str, ...], paths: dict[str, str], images: tuple[tuple[str, object], ...]) -> str:
    """A digest of everything outside an article that its rendered body shows.

    That is where each link leads and the title it may show (a tag link without text shows the
    linked article's title), which asset files exist, and the sizes of its images (``images``:
    (src, size) pairs): a body rendered earlier is still right exactly while this digest is the same.
    """
    state: list[object] = []
    for href, ref in specs:
        key, candidates = link_target(index, article, href, ref)
        target = index.by_key.get(key) if key else None
        state.append((key, candidates, paths.get(key) if key else None,
                      (target.title, target.lang, target.glossary) if target is not None else None))
    state.extend((name, str(_asset(article, name))) for name in assets)
    state.append(images)
    return hashlib.blake2b(repr(state).encode(), digest_size=16).hexdigest()


def image_sources(article: Article) -> tuple[str, ...]:
    """Every image URL of a body as written: the body shows their sizes (images.LocalImages)."""
    found: list[str] = []

    def walk(tokens: list[Token]) -> None:
        for token in tokens:
            if token.type == "image":
                found.append(str(token.attrGet("src") or ""))
            if token.children:
                walk(token.children)

    walk(article.tokens)
    return tuple(found)


def asset_names(article: Article) -> tuple[str, ...]:
    return tuple(token.meta["asset"] for block in article.tokens if block.type == "inline"
                 for token in block.children or () if token.type == "image" and "asset" in token.meta)

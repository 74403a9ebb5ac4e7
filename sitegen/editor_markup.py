"""The MediaWiki conversion markup editors already know, in articles and front-matter.

``-{text}-`` keeps ``text`` exactly as written in every edition; ``-{zh-hans:A;zh-hant:B}-``
gives each edition its own text. In Markdown it is an inline token, so conversion treats it
as a hard boundary and the markup never reaches the output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

OPEN, CLOSE = "-{", "}-"
_VARIANT = re.compile(r"^\s*(zh(?:-[A-Za-z]+){1,2})\s*:(.*)$", re.DOTALL)
# Which markup variant names serve an edition, best first (MediaWiki's names included).
_ALIASES = {
    "zh-hans": ("zh-hans", "zh-cn", "zh-sg"),
    "zh-hant": ("zh-hant", "zh-tw"),
    "zh-hant-hk": ("zh-hant-hk", "zh-hk", "zh-hant", "zh-tw"),
}


@dataclass(frozen=True)
class Pinned:
    """Text an editor fixed: either protected as written, or given per edition."""

    raw: str
    protected: str | None = None
    variants: dict[str, str] = field(default_factory=dict)

    def text_for(self, lang: str) -> str:
        if self.protected is not None:
            return self.protected
        for name in _ALIASES.get(lang.lower(), (lang.lower(),)):
            if name in self.variants:
                return self.variants[name]
        return next(iter(self.variants.values()), "")


def parse_pinned(inner: str) -> Pinned:
    parts = inner.split(";")
    variants: dict[str, str] = {}
    for part in parts:
        if not part.strip():
            continue
        match = _VARIANT.match(part)
        if not match:
            return Pinned(inner, protected=inner)
        variants[match.group(1).lower()] = match.group(2).strip()
    if not variants:
        return Pinned(inner, protected=inner)
    return Pinned(inner, variants=variants)


def split_markup(text: str) -> list[str | Pinned]:
    """Split a plain string (a title, a tag) into free text and pinned pieces."""
    out: list[str | Pinned] = []
    pos = 0
    while True:
        start = text.find(OPEN, pos)
        end = text.find(CLOSE, start + 2) if start >= 0 else -1
        if start < 0 or end < 0:
            break
        if start > pos:
            out.append(text[pos:start])
        out.append(parse_pinned(text[start + 2 : end]))
        pos = end + 2
    if pos < len(text):
        out.append(text[pos:])
    return out


def strip_markup(text: str, lang: str) -> str:
    """The text one edition shows, with no conversion applied to its free parts."""
    return "".join(p if isinstance(p, str) else p.text_for(lang) for p in split_markup(text))


def _markup_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if not src.startswith(OPEN, pos):
        return False
    end = src.find(CLOSE, pos + 2)
    if end < 0:
        return False
    if not silent:
        pinned = parse_pinned(src[pos + 2 : end])
        token = state.push("editor_markup", "", 0)
        token.content = pinned.raw
        token.meta = {"pinned": pinned, "protected": pinned.protected}
    state.pos = end + 2
    return True


def editor_markup_plugin(md: MarkdownIt) -> None:
    # Before "text" so that the "-" and "{" are not eaten as plain text.
    md.inline.ruler.before("text", "editor_markup", _markup_rule)
    md.add_render_rule("editor_markup", _render_default)


def _render_default(self, tokens, idx, options, env) -> str:  # type: ignore[no-untyped-def]
    from markdown_it.common.utils import escapeHtml

    lang = env.get("lang", "") if isinstance(env, dict) else ""
    return escapeHtml(tokens[idx].meta["pinned"].text_for(lang))

"""Markdown parsing: CommonMark plus tables, footnotes and strikethrough, tuned for Chinese.

Each article is parsed once into a token stream here. Everything later (link resolution,
script conversion, rendering per edition) works on those tokens, never on rendered HTML.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink
from markdown_it.common.utils import mdTrim
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from .editor_markup import editor_markup_plugin
from .template_tags import template_tags_plugin

CJK = re.compile(r"[\u2e80-\u2fff\u3000-\u303f\u3040-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
SENTENCE_END = "。！？!?；;：:，,、…"
# A stand-alone line longer than this is a paragraph, not a sub-heading.
HEADING_MAX_CHARS = 24
# markdown-it stops parsing (and drops the rest of the text) past maxNesting, and its block parser
# recurses once per level; past DEEPEST levels each line becomes a plain paragraph instead, which
# keeps every word well inside Python's recursion limit.
DEEPEST = 420
_BAD_SCHEME = re.compile(r"^(javascript|vbscript|file|data):")
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")
# URLs that markdown-it's normalizeLink gives back as they are: no percent sign, user, port or
# non-ASCII character, any host in lower case. Most links of a news site are such ("018.md",
# "https://36kr.com/p/1"); normalizing one in Python parses and formats it (2-9 us each).
_NORMAL_URL = re.compile(r"(?:https?://[a-z0-9.\-]+(?=/|$))?[A-Za-z0-9\-._~/?#!$&'()*+,;=]*")


def _is_cjk(char: str) -> bool:
    return bool(CJK.match(char))


def cjk_softbreak(state: StateCore) -> None:
    """A line break between two Chinese characters is not a word space.

    CommonMark turns a soft break into a newline, which browsers show as a space; Chinese has
    no spaces between words, so the break is dropped when both neighbours are CJK.
    """
    for block in state.tokens:
        children = block.children or []
        for i, child in enumerate(children):
            if child.type != "softbreak" or i == 0 or i + 1 >= len(children):
                continue
            before, after = children[i - 1], children[i + 1]
            if (
                before.type == "text" and after.type == "text" and before.content and after.content
                and _is_cjk(before.content[-1]) and _is_cjk(after.content[0])
            ):
                child.type, child.content = "text", ""


def line_paragraph(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Plain-text articles: each non-empty line is a paragraph of its own."""
    content = state.getLines(start_line, start_line + 1, state.blkIndent, False).strip()
    state.line = start_line + 1
    token = state.push("paragraph_open", "p", 1)
    token.map = [start_line, state.line]
    token = state.push("inline", "", 0)
    token.content = content
    token.map = [start_line, state.line]
    token.children = []
    state.push("paragraph_close", "p", -1)
    return True


def line_ends_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Plain-text articles: a line that is not a table row ends a table (or a quote).

    Used only as a terminator (markdown-it asks terminators in silent mode); it never makes tokens.
    """
    if not silent:
        return False
    line = state.src[state.bMarks[start_line] + state.tShift[start_line]:state.eMarks[start_line]]
    return not line.startswith("|")


def too_deep(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Past DEEPEST nested blocks, a line is a paragraph of its own text (and the env says where)."""
    if state.level < DEEPEST or silent:
        return False
    state.env.setdefault("too_deep_line", start_line)
    return line_paragraph(state, start_line, end_line, silent)


def lone_paragraph(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """markdown-it's paragraph rule, first in line for the paragraph most news articles are made of:
    one line, then a blank line (or the end).

    Every block construct starts with ASCII punctuation, a digit or indentation, so a line that
    starts with a letter or any non-ASCII character (a Chinese sentence, a quotation mark) can only
    begin a paragraph, and the blank line after it ends that paragraph: the tokens are the ones
    the paragraph rule makes, without asking each of the ten rules before it first (each of them
    asked again for the next line; a fifth of the parse of a typical article).
    """
    if silent:
        return False
    next_line = start_line + 1
    if next_line < state.lineMax and not state.isEmpty(next_line):
        return False  # more lines: the paragraph rule decides where it ends
    if state.is_code_block(start_line):
        return False
    first = state.src[state.bMarks[start_line] + state.tShift[start_line]]
    if first.isascii() and not first.isalpha():
        return False
    state.line = next_line
    token = state.push("paragraph_open", "p", 1)
    token.map = [start_line, next_line]
    token = state.push("inline", "", 0)
    token.content = mdTrim(state.getLines(start_line, next_line, state.blkIndent, False))
    token.map = [start_line, next_line]
    token.children = []
    state.push("paragraph_close", "p", -1)
    return True


# Where each inline rule of the parser can match, by the text it starts with. markdown-it's text
# rule stops at every terminator character (":", "%", "+"... too); where no rule matches, the
# character joins the text. So content where none of these can start comes out of the inline parser
# as one text token. A rule not named here (a plugin added later) makes every terminator count.
_INLINE_STARTS = {
    "text": "", "newline": "\n", "escape": "\\", "backticks": "`", "strikethrough": "~", "emphasis": "*_",
    "link": "[", "image": "![", "footnote_inline": "^[", "footnote_ref": "[^", "autolink": "<",
    "html_inline": "<", "entity": "&", "editor_markup": "-{", "template_tag": "{", "tag_link": "[",
}
_TWO_CHARS = frozenset({"image", "footnote_inline", "footnote_ref", "editor_markup"})


def _has_inline_start(md: MarkdownIt) -> Callable[[str], bool]:
    """Whether an enabled inline rule of ``md`` may match somewhere in a text (see _INLINE_STARTS)."""
    names = tuple(rule.name for rule in md.inline.ruler.__rules__ if rule.enabled)
    return _start_test(names, md.inline.terminator_re)


@functools.cache  # per set of rules: a parser's rules change only when a plugin is added
def _start_test(names: tuple[str, ...], terminators: re.Pattern[str]) -> Callable[[str], bool]:
    if not all(name in _INLINE_STARTS for name in names):
        return lambda text: terminators.search(text) is not None
    # One character class, searched in C; a character that starts only two-character openings
    # ("-{", "![") counts when the right one follows.
    single = {c for n in names if n not in _TWO_CHARS for c in _INLINE_STARTS[n]}
    second: dict[str, set[str]] = {}
    for name in _TWO_CHARS & set(names):
        first, after = _INLINE_STARTS[name]
        if first not in single:
            second.setdefault(first, set()).add(after)
    chars = single | second.keys()
    search = re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]").search if chars else None

    def has_start(text: str) -> bool:
        at = search(text) if search is not None else None
        while at is not None:
            char, end = at.group(), at.end()
            if char not in second or text[end:end + 1] in second[char]:
                return True
            at = search(text, end)
        return False

    return has_start


def inline_or_text(state: StateCore) -> None:
    """markdown-it's "inline" core rule, with a shortcut for inline content with nothing to parse.

    Most paragraphs of a news article are plain sentences. Content where no inline rule can start
    (see _INLINE_STARTS) comes out of the inline parser as one text token: it is made here directly,
    without the parser's state and rule loop (for two paragraphs in three of a typical article).
    """
    md = state.md
    has_start = _has_inline_start(md)
    for token in state.tokens:
        if token.type != "inline":
            continue
        if token.children is None:
            token.children = []
        content = token.content
        if content and not has_start(content):
            text = Token("text", "", 0)
            text.content = content
            token.children.append(text)
        else:
            md.inline.parse(content, md, state.env, token.children)


def normalize_link(url: str) -> str:
    """markdown-it's normalizeLink (percent-encoding, punycode), skipped where it changes nothing."""
    return url if _NORMAL_URL.fullmatch(url) else normalizeLink(url)


def validate_link(url: str) -> bool:
    """No script or data URL is ever written as a link or image source, however it is spelled."""
    return not _BAD_SCHEME.match(_IGNORED_IN_SCHEME.sub("", url).lower())


def standalone_headings(state: StateCore) -> None:
    """Plain-text articles: a short line with no sentence punctuation reads as a sub-heading."""
    tokens = state.tokens
    for i in range(len(tokens) - 2):
        opening, inline = tokens[i], tokens[i + 1]
        if opening.type != "paragraph_open" or opening.level != 0:
            continue
        text = inline.content
        if not text or len(text) > HEADING_MAX_CHARS or any(c in SENTENCE_END for c in text):
            continue
        if not any(_is_cjk(c) for c in text) or text.startswith(("|", "!", "[")):
            continue
        closing = tokens[i + 2]
        opening.type, opening.tag = "heading_open", "h2"
        closing.type, closing.tag = "heading_close", "h2"
        opening.meta = {**(opening.meta or {}), "from_plain_line": True}


def make_parser(*, plain_text: bool = False, html: bool = True,
                renderer_cls: type[RendererHTML] = RendererHTML) -> MarkdownIt:
    """The parser; with ``renderer_cls``, also the renderer, holding every plugin's render rules."""
    md = (
        MarkdownIt("commonmark", {"html": html}, renderer_cls=renderer_cls)
        .enable(["table", "strikethrough"])
        .use(footnote_plugin)
        .use(editor_markup_plugin)
        .use(template_tags_plugin)
    )
    md.options["maxNesting"] = DEEPEST + 20
    md.validateLink = validate_link  # type: ignore[method-assign]
    md.normalizeLink = normalize_link  # type: ignore[method-assign]
    md.block.ruler.before("table", "too_deep", too_deep)
    md.core.ruler.at("inline", inline_or_text)
    if plain_text:
        md.block.ruler.at("paragraph", line_paragraph)
        md.block.ruler.before("table", "line_ends_block", line_ends_block, {"alt": ["blockquote"]})
        md.core.ruler.push("standalone_headings", standalone_headings)
    else:
        md.block.ruler.before("table", "lone_paragraph", lone_paragraph)
    md.core.ruler.push("cjk_softbreak", cjk_softbreak)
    return md


def plain_text(tokens: list[Token]) -> str:
    """The visible text of inline tokens, without markup."""
    out: list[str] = []
    for token in tokens:
        if token.type in ("text", "code_inline", "template_tag"):
            out.append(token.content)
        elif token.type == "editor_markup":
            # Kept as markup, so that whatever converts this text later still honours it.
            out.append("-{" + token.content + "}-")
        elif token.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif token.children:
            out.append(plain_text(token.children))
    return "".join(out)

"""The template tags migrated posts contain, read as Markdown links and images.

Hexo's ``{% post_link slug [text] %}`` and ``{% asset_img name [title] %}``, Jekyll's
``{% post_url name %}`` and ``{% link path %}`` and Hugo's ``{{< ref "x.md" >}}``/``relref``
become ordinary ``link_open``/``image`` tokens whose ``meta["ref"]`` names a content file;
links.py resolves them exactly like a Markdown link to a content file. A tag used as a link
destination (``[text]({% post_url name %})``) is read the same way. Every other tag becomes a
text token that shows the tag as written and carries ``meta["unsupported_tag"]`` so that it is
reported, never silently dropped.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

# (how a reference is looked up, the tag's argument holding it)
LINK_TAGS = {"post_link": "slug", "post_url": "stem", "link": "path", "ref": "path", "relref": "path"}
IMAGE_TAGS = {"asset_img", "asset_image"}
_LIQUID = re.compile(r"\{%-?\s*(.*?)\s*-?%\}", re.DOTALL)
_SHORTCODE = re.compile(r"\{\{([<%])\s*(.*?)\s*([>%])\}\}", re.DOTALL)


@dataclass(frozen=True)
class Tag:
    name: str
    args: list[str]
    raw: str
    end: int  # position after the tag in the source


def parse_tag(src: str, pos: int, limit: int) -> Tag | None:
    """The template tag starting at ``pos``, or None."""
    if src.startswith("{%", pos):
        match = _LIQUID.match(src, pos, limit)
    elif src.startswith("{{<", pos) or src.startswith("{{%", pos):
        match = _SHORTCODE.match(src, pos, limit)
        if match and {"<": ">", "%": "%"}[match.group(1)] != match.group(3):
            match = None
    else:
        return None
    if match is None:
        return None
    inner = match.group(match.lastindex - 1 if match.lastindex == 3 else 1).strip()
    if not inner:
        return None
    try:
        words = shlex.split(inner)
    except ValueError:
        words = inner.split()
    if not words:
        return None
    name = words[0].lower()
    args = []
    for word in words[1:]:
        # Hugo's named form: {{< ref path="x.md" lang="zh" >}}.
        key, sep, value = word.partition("=")
        if sep and key in ("path", "page"):
            args.insert(0, value)
        elif not sep or key not in ("lang", "outputFormat"):
            args.append(word)
    return Tag(name, args, match.group(0), match.end())


def _push_unsupported(state: StateInline, tag: Tag) -> None:
    # A token of its own (text tokens are merged by markdown-it), shown exactly as written.
    token = state.push("template_tag", "", 0)
    token.content = tag.raw
    token.meta = {"unsupported_tag": tag.name}


def _tag_rule(state: StateInline, silent: bool) -> bool:
    tag = parse_tag(state.src, state.pos, state.posMax)
    if tag is None:
        return False
    if not silent:
        if tag.name in LINK_TAGS and tag.args:
            opening = state.push("link_open", "a", 1)
            opening.attrs = {"href": ""}
            opening.meta = {"ref": (LINK_TAGS[tag.name], tag.args[0]), "tag": tag.name}
            if tag.name == "post_link" and len(tag.args) > 1 and tag.args[1].lower() not in ("true", "false"):
                state.push("text", "", 0).content = tag.args[1]
            else:
                # Shows the linked article's title, as each edition writes it.
                state.push("link_title", "", 0)
            state.push("link_close", "a", -1)
        elif tag.name in IMAGE_TAGS and tag.args:
            _push_asset_image(state, tag)
        else:
            _push_unsupported(state, tag)
    state.pos = tag.end
    return True


def _push_asset_image(state: StateInline, tag: Tag) -> None:
    # {% asset_img [class names] name [width] [height] [title text [alt text]] %}
    args = list(tag.args)
    index = next((i for i, a in enumerate(args) if "." in a or "/" in a), 0)
    name = args[index]
    rest = [a for a in args[index + 1:] if not re.fullmatch(r"\d+(px|%)?", a)]
    title = rest[0] if rest else ""
    alt = rest[1] if len(rest) > 1 else title
    image = state.push("image", "img", 0)
    image.attrs = {"src": name, "alt": ""}
    if title:
        image.attrs["title"] = title
    image.meta = {"asset": name, "tag": tag.name}
    image.content = alt
    child = Token("text", "", 0)
    child.content = alt
    image.children = [child]


def _tag_link_rule(state: StateInline, silent: bool) -> bool:
    """``[text]({% post_url name %})``: a Markdown link whose destination is a tag."""
    if state.src[state.pos] != "[":
        return False
    label_end = state.md.helpers.parseLinkLabel(state, state.pos, True)
    if label_end < 0 or label_end + 1 >= state.posMax or state.src[label_end + 1] != "(":
        return False
    pos = label_end + 2
    while pos < state.posMax and state.src[pos] in " \t":
        pos += 1
    tag = parse_tag(state.src, pos, state.posMax)
    if tag is None or tag.name not in LINK_TAGS or not tag.args:
        return False
    close = tag.end
    while close < state.posMax and state.src[close] in " \t":
        close += 1
    if close >= state.posMax or state.src[close] != ")":
        return False
    if not silent:
        old_max = state.posMax
        opening = state.push("link_open", "a", 1)
        opening.attrs = {"href": ""}
        opening.meta = {"ref": (LINK_TAGS[tag.name], tag.args[0]), "tag": tag.name}
        state.pos, state.posMax = state.pos + 1, label_end
        state.linkLevel += 1
        state.md.inline.tokenize(state)
        state.linkLevel -= 1
        state.posMax = old_max
        state.push("link_close", "a", -1)
    state.pos = close + 1
    return True


def template_tags_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "tag_link", _tag_link_rule)
    # Before "text", which would otherwise swallow the "{".
    md.inline.ruler.before("text", "template_tag", _tag_rule)
    # Defaults for a plain renderer; the site's BodyRenderer has its own (per-edition) versions.
    if "template_tag" not in md.renderer.rules:
        md.add_render_rule("template_tag", _render_as_text)
    if "link_title" not in md.renderer.rules:
        md.add_render_rule("link_title", lambda self, tokens, idx, options, env: "")


def _render_as_text(self, tokens, idx, options, env) -> str:  # type: ignore[no-untyped-def]
    return escapeHtml(tokens[idx].content)

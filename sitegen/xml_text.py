"""XML written as text, byte for byte as ElementTree writes it after ET.indent(): its escaping,
"<tag />" for an element without text, two spaces a level.

Feeds and the sitemap hold thousands of elements; building a tree and serializing it cost more
than everything else they do.
"""

from __future__ import annotations


def escape_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def escape_attribute(value: str) -> str:
    value = escape_text(value)
    for mark, entity in (('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;")):
        if mark in value:
            value = value.replace(mark, entity)
    return value


def leaf(depth: int, tag: str, text: str | None = None, **attrs: str) -> str:
    """An element without children, indented ``depth`` levels."""
    opened = "  " * depth + "<" + tag + "".join(f' {k}="{escape_attribute(v)}"' for k, v in attrs.items())
    return f"{opened}>{escape_text(text)}</{tag}>" if text else f"{opened} />"

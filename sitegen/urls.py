"""Every URL the site writes comes from here, so that a base path is never forgotten."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import quote, urlsplit


@dataclass(frozen=True)
class Urls:
    base_url: str  # e.g. https://user.github.io/repo/
    # Site path -> href: a page links to the same few hundred places as every other (its edition's
    # sections, the articles listed beside it), a million hrefs at 10,000 articles.
    _hrefs: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    @cached_property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @cached_property
    def base_path(self) -> str:
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    def href(self, site_path: str) -> str:
        """A root-relative URL for a path inside the site ("zh-hans/tags/" -> "/repo/zh-hans/tags/")."""
        found = self._hrefs.get(site_path)
        if found is None:
            found = self._hrefs[site_path] = self.base_path + quote(site_path.lstrip("/"),
                                                                    safe="/-_.~!$&'()*+,;=:@%")
        return found

    def absolute(self, site_path: str) -> str:
        return self.origin + self.href(site_path)


def file_for(site_path: str) -> str:
    """The file a site path is written to: pretty URLs end in / and are folders."""
    return site_path + "index.html" if site_path == "" or site_path.endswith("/") else site_path


# One path segment: spaces, parentheses and Chinese are fine; separators, control characters and
# what shells or URLs treat specially are not.
_SEGMENT = re.compile(r"^[^\s/\\?#%\"<>|*:\x00-\x1f]"
                      r"(?:[^/\\?#%\"<>|*:\x00-\x1f\u2028\u2029]*[^\s/\\?#%\"<>|*:\x00-\x1f])?$")


def safe_segment(segment: str) -> bool:
    return segment not in (".", "..") and not segment.startswith(".") and bool(_SEGMENT.match(segment))


def safe_path(path: str) -> str | None:
    """``path`` as a site path without a leading slash, or None if it could leave the output folder."""
    segments = [s for s in path.split("/") if s]
    if not segments or not all(safe_segment(s) for s in segments):
        return None
    return "/".join(segments) + ("/" if path.endswith("/") else "")

"""Pixel sizes of the site's own images and of images copied beside an article, read from their
headers, so pages reserve their space.

An <img> with width and height lets the browser lay the page out before the image arrives (no
layout shift). Only the first bytes of a file are read; PNG, GIF, JPEG and WebP are understood,
anything else (or a broken file) simply gets no size.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the start of an image file, or None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        chunk = data[12:16]
        if chunk == b"VP8 " and len(data) >= 30:
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
        if chunk == b"VP8L" and len(data) >= 25:
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if chunk == b"VP8X" and len(data) >= 30:
            return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
        return None
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        # Start-of-frame markers carry the size; C4, C8 and CC are not frames.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length
    return None


@dataclass
class LocalImages:
    """Finds the file behind an image URL written in an article and remembers its size for the build."""

    folders: tuple[Path, ...]  # the site's static/ first, then the theme's
    base_path: str  # the site's base path, e.g. "/repo/"
    _sizes: dict[str, tuple[int, int] | None] = field(default_factory=dict)  # by URL
    _files: dict[Path, tuple[int, int] | None] = field(default_factory=dict)  # by file

    def size(self, src: str) -> tuple[int, int] | None:
        if src not in self._sizes:
            self._sizes[src] = self._read(src)
        return self._sizes[src]

    def file_size(self, file: Path) -> tuple[int, int] | None:
        """The size of a file found some other way: an image copied beside an article."""
        if file not in self._files:
            self._files[file] = _header_size(file)
        return self._files[file]

    def _read(self, src: str) -> tuple[int, int] | None:
        if "://" in src or src.startswith("//") or src.startswith("data:"):
            return None
        path = src.split("?", 1)[0].split("#", 1)[0]
        if path.startswith(self.base_path):
            path = path[len(self.base_path):]
        path = path.lstrip("/")
        if not path.startswith("static/") or ".." in path.split("/"):
            return None
        rel = path[len("static/"):]
        for folder in self.folders:
            file = folder / rel
            if file.is_file():
                return _header_size(file)
        return None


def _header_size(file: Path) -> tuple[int, int] | None:
    try:
        with file.open("rb") as handle:
            # 64 KiB covers JPEG files whose EXIF block comes before the frame header.
            return image_size(handle.read(65536))
    except OSError:
        return None

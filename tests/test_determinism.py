"""Two builds of the same input are byte-identical, whatever the file order, time zone or hash seed."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def copy_in_order(source: Path, target: Path, reverse: bool) -> None:
    """Copy a site creating its files in the given order, so directory listings differ."""
    files = sorted((p for p in source.rglob("*") if p.is_file()), reverse=reverse)
    for path in files:
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)


def build(root: Path, seed: str, tz: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": tz}
    proc = subprocess.run([sys.executable, "-m", "sitegen.cli", "build", "--source", str(root), "-q"],
                          cwd=root, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = root / "build"
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("blog", ["hexo-blog", "hugo-blog", "jekyll-blog"])
def test_two_builds_are_byte_identical(tmp_path: Path, blog: str) -> None:
    first, second = tmp_path / "one" / "site", tmp_path / "two" / "site"
    copy_in_order(FIXTURES / blog, first, reverse=False)
    copy_in_order(FIXTURES / blog, second, reverse=True)
    # More articles than the fixture has, with shared tags, so that ordering and grouping matter.
    for root in (first, second):
        names = [f"extra-{n:02d}.md" for n in range(24)]
        for n, name in sorted(enumerate(names), reverse=root is second):
            (root / "content" / name).write_text(
                f"---\ntitle: 第{n}篇\ndate: 2023-0{n % 9 + 1}-1{n % 10} 12:00:00\n"
                f"tags: [标签{n % 5}, 標籤{n % 3}, Tag{n % 4}]\ncategories: [分类{n % 3}]\n---\n正文{n}。\n",
                encoding="utf-8")
    one = build(first, "1", "UTC")
    two = build(second, "4242", "America/Los_Angeles")
    assert len(one) > 30
    assert one == two

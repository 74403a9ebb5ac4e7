"""Bad input: a clear file:line message, exit 2, no traceback, and the previous build kept."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from conftest import Site, make_site

GOOD = "---\ntitle: 好文章\ndate: 2026-01-01\n---\n正文。\n"


def _snapshot(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture
def built(tmp_path: Path) -> Site:
    site = make_site(tmp_path / "s", files={"good.md": GOOD})
    assert site.build().exit_code == 0
    return site


def _fails_cleanly(site: Site, expected: str) -> None:
    before = _snapshot(site.out)
    run = site.build_process()
    assert run.exit_code == 2, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert expected in run.stderr, run.stderr
    assert _snapshot(site.out) == before
    assert not [p for p in site.root.iterdir() if p.name.startswith(".build.")]


def test_malformed_yaml(built: Site) -> None:
    built.write("bad.md", "---\ntitle: 好\ntags: [a, b\ndate: 2026-01-01\n---\n正文\n")
    _fails_cleanly(built, "content/bad.md:4: invalid YAML front-matter")


def test_front_matter_that_is_not_a_mapping(built: Site) -> None:
    built.write("list.md", "---\n- a\n- b\n---\n正文\n")
    _fails_cleanly(built, "content/list.md:2: front-matter must be a mapping")


def test_unreadable_file(built: Site) -> None:
    os.symlink(built.root / "nowhere.md", built.root / "content" / "broken.md")
    _fails_cleanly(built, "content/broken.md:1: cannot read file")


def test_not_utf8(built: Site) -> None:
    built.write("gbk.md", "---\ntitle: 旧文\n---\n正文\n".encode("gbk"))
    _fails_cleanly(built, "content/gbk.md:2: file is not UTF-8 text")


def test_two_articles_with_the_same_slug(built: Site) -> None:
    built.write("a.md", GOOD.replace("title:", "slug: same\ntitle:"))
    built.write("b.md", GOOD.replace("title:", "slug: same\ntitle:"))
    _fails_cleanly(built, "2 articles would be written to 'same/': a.md, b.md")


@pytest.mark.parametrize("slug", ["../../escape", "/etc/passwd", "..", "a/../../b"])
def test_slug_that_would_leave_the_output_folder(built: Site, slug: str) -> None:
    built.write("evil.md", GOOD.replace("title:", f"slug: '{slug}'\ntitle:"))
    _fails_cleanly(built, "content/evil.md:2: slug")
    assert not (built.root / "escape").exists()


def test_slug_reserved_for_site_pages(built: Site) -> None:
    built.write("tags.md", GOOD.replace("title:", "slug: tags\ntitle:"))
    _fails_cleanly(built, "slug 'tags' is reserved")


def test_bad_date(built: Site) -> None:
    built.write("when.md", "---\ntitle: 何时\ndate: 明天\n---\n正文\n")
    _fails_cleanly(built, "content/when.md:3: cannot read date")


def test_every_problem_is_reported_in_one_run(built: Site) -> None:
    built.write("one.md", "---\ntitle: [\n---\n")
    built.write("two.md", "---\ntitle: 好\ndate: 坏\n---\n")
    run = built.build_process()
    assert run.exit_code == 2
    assert "content/one.md:" in run.stderr and "content/two.md:3:" in run.stderr


def test_unknown_setting_names_the_key(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", 'title = "新闻"\ntitel = "x"\n', {"a.md": GOOD})
    run = site.build_process()
    assert run.exit_code == 2
    assert "pyproject.toml:3: unknown setting 'tool.sitegen.titel'" in run.stderr
    assert "Traceback" not in run.stderr


def test_wrong_setting_type_names_the_key(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", 'page_size = "ten"\n', {"a.md": GOOD})
    run = site.build_process()
    assert run.exit_code == 2
    assert "pyproject.toml:2: setting 'tool.sitegen.page_size' must be an integer" in run.stderr


def test_invalid_base_url(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", "", {"a.md": GOOD})
    run = site.build_process("--base-url", "not a url")
    assert run.exit_code == 2
    assert "base_url" in run.stderr and "Traceback" not in run.stderr

"""`sitegen new`: a new article file a writer can start from, built like any other."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from click.testing import CliRunner
from conftest import Site, make_site, text_of

from sitegen.cli import main


def new(site: Site, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["new", "--source", str(site.root), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, text
    return yaml.safe_load(match.group(1))


def test_new_article_has_its_front_matter_filled_in(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", 'author = "王小明"\ntimezone = "Asia/Taipei"\n')
    before = datetime.now().astimezone()
    code, out, _ = new(site, "人工智能新突破：OpenAI 发布 GPT-5")
    assert code == 0
    path = Path(out.strip())
    assert path.parent == site.root / "content"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-openai-gpt-5-[0-9a-f]{6}\.md", path.name)
    meta = front_matter(path)
    assert meta["title"] == "人工智能新突破：OpenAI 发布 GPT-5"
    assert meta["lang"] == "zh-Hans"
    assert meta["tags"] == [] and meta["categories"] == []
    assert meta["author"] == "王小明"
    assert meta["source_url"] == ""
    # "now", with the site's zone (Taipei is UTC+8), not a naive time.
    when = meta["date"]
    assert isinstance(when, datetime) and when.utcoffset() == timedelta(hours=8)
    assert abs(when - before) < timedelta(minutes=5)
    assert path.name.startswith(f"{when:%Y-%m-%d}-")


def test_lang_is_detected_from_a_traditional_title_and_can_be_given(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s")
    code, out, _ = new(site, "臺灣半導體產業的發展與挑戰")
    assert code == 0
    assert front_matter(Path(out.strip()))["lang"] == "zh-Hant"
    code, out, _ = new(site, "Chip outlook", "--slug", "chips", "--lang", "zh-hant")
    assert code == 0
    path = Path(out.strip())
    assert path.name.endswith("-chips.md")
    assert front_matter(path)["lang"] == "zh-Hant"
    assert front_matter(path)["slug"] == "chips"


def test_refuses_to_overwrite_and_to_write_unsafe_slugs(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s")
    code, out, _ = new(site, "第一篇", "--slug", "first")
    assert code == 0
    path = Path(out.strip())
    path.write_text(path.read_text(encoding="utf-8") + "写了一半的正文。\n", encoding="utf-8")
    code, _, err = new(site, "第一篇", "--slug", "first")
    assert code == 2
    assert "already exists" in err and "Traceback" not in err
    assert "写了一半的正文" in path.read_text(encoding="utf-8")
    for slug in ("../evil", "a/b", ".hidden"):
        code, _, err = new(site, "坏的", "--slug", slug)
        assert code == 2 and "slug" in err
    code, _, err = new(site, "坏的", "--lang", "en")
    assert code == 2 and "zh-Hans" in err
    assert sorted(p.name for p in (site.root / "content").iterdir()) == [path.name]


def test_the_same_chinese_title_gets_the_same_slug_and_different_titles_different_ones(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s")
    first = Path(new(site, "央行宣布降息")[1].strip())
    second = Path(new(site, "央行宣布加息")[1].strip())
    assert first.name != second.name
    assert new(site, "央行宣布降息")[0] == 2  # same title, same day: the same file


def test_a_new_article_builds_and_prints_its_path_as_given(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s")
    proc = subprocess.run([sys.executable, "-m", "sitegen.cli", "new", "芯片出口的新规定", "--slug", "chip-rules"],
                          capture_output=True, text=True, cwd=site.root, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"content/\d{4}-\d{2}-\d{2}-chip-rules\.md\n", proc.stdout)
    path = site.root / proc.stdout.strip()
    path.write_text(path.read_text(encoding="utf-8") + "新的出口规定今天公布。\n", encoding="utf-8")
    run = site.build()
    assert run.exit_code == 0, run.stderr
    assert text_of(site.html("zh-hans/chip-rules/"), "article h1") == "芯片出口的新规定"
    assert text_of(site.html("zh-hant/chip-rules/"), "article h1") == "晶片出口的新規定"

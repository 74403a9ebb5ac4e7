"""Content rules for articles as editors really write them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import make_site, text_of


def test_date_falls_back_to_the_first_commit_date(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={"a.txt": "一篇没有日期的文章。\n"})
    env = {**os.environ, "GIT_AUTHOR_DATE": "2025-03-04T05:06:07+00:00",
           "GIT_COMMITTER_DATE": "2025-03-04T05:06:07+00:00", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "add"]):
        subprocess.run(["git", *args], cwd=site.root, env=env, check=True)
    run = site.build()
    assert run.exit_code == 0
    assert "no date: using the file's first commit date (2025-03-04 13:06)" in run.stderr
    time = site.html("zh-hans/a/").css_first("article time")
    assert time.attributes["datetime"] == "2025-03-04T13:06:07+08:00"


def test_date_falls_back_to_the_modification_time_outside_git(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={"a.txt": "一篇没有日期的文章。\n"})
    os.utime(site.root / "content" / "a.txt", (1767225600, 1767225600))  # 2026-01-01 00:00 UTC
    run = site.build()
    assert "no date: using the file's modification time (2026-01-01 08:00)" in run.stderr
    assert site.html("zh-hans/a/").css_first("article time").text() == "2026年1月1日"


def test_footnotes_and_strikethrough(tmp_path: Path) -> None:
    text = "---\ntitle: 注释\ndate: 2026-01-01\n---\n正文有注释[^1]，还有~~删除的软件~~。\n\n[^1]: 注释里的软件。\n"
    site = make_site(tmp_path / "s", files={"a.md": text})
    assert site.build().exit_code == 0
    body = site.html("zh-hant/a/").css_first(".body")
    assert body.css_first("s").text() == "刪除的軟體"
    assert body.css_first("sup a") is not None
    assert "裡的軟體" in body.css_first(".footnotes").text()
    assert body.css_first("sup a").attributes["href"] == "#fn1"


def test_title_from_a_long_opening_sentence_never_cuts_a_latin_word(tmp_path: Path) -> None:
    opening = "這家公司今天在舊金山舉行的年度開發者大會上正式發表了全新的 Supercalifragilistic 模型與相關產品線。\n"
    site = make_site(tmp_path / "s", files={"a.txt": opening})
    assert site.build().exit_code == 0
    title = text_of(site.html("zh-hant/a/"), "article h1")
    assert title.endswith("…")
    assert "Supercal" not in title or "Supercalifragilistic" in title
    assert len(title) <= 41


def test_title_from_a_clause_when_the_sentence_is_long(tmp_path: Path) -> None:
    opening = "Anthropic 在 12 日宣布完成 300 億美元的 G 輪融資,估值來到 3,800 億美元。\n第二段。\n"
    site = make_site(tmp_path / "s", files={"a.txt": opening})
    assert site.build().exit_code == 0
    assert text_of(site.html("zh-hant/a/"), "article h1") == "Anthropic 在 12 日宣布完成 300 億美元的 G 輪融資"


def test_title_from_the_first_heading_without_front_matter(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={"a.md": "# 标题在这里\n\n正文第一段。\n"})
    assert site.build().exit_code == 0
    page = site.html("zh-hans/a/")
    assert text_of(page, "article h1") == "标题在这里"
    assert len(page.css("h1")) == 1
    assert text_of(page, ".body p") == "正文第一段。"


def test_plain_text_headings_need_a_short_line_without_punctuation(tmp_path: Path) -> None:
    text = "第一段的內容很長，而且有標點。\n小標題\n但紅杉不這麼想。\n表 1:說明\n"
    site = make_site(tmp_path / "s", files={"a.txt": text})
    assert site.build().exit_code == 0
    body = site.html("zh-hant/a/").css_first(".body")
    assert [h.text() for h in body.css("h2")] == ["小標題"]
    assert [p.text() for p in body.css("p")] == ["第一段的內容很長，而且有標點。", "但紅杉不這麼想。", "表 1:說明"]

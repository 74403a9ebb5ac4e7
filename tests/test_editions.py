"""What is converted between editions, and what never is."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from conftest import make_site, text_of

CODE_ARTICLE = """---
title: 软件新闻
date: 2026-03-01 10:00:00
tags: [软件, 人工智能]
---
我们的软件和`软件`都在[链接](https://example.com/软件?q=软件)里。

![软件截图](https://example.com/img/软件.png "软件")

```python
print("软件")
```

<span title="软件">原样</span>

| 名称 | 说明 |
|---|---|
| 软件 | `代码` |
"""


def test_code_urls_and_attributes_stay_while_text_converts(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={"a.md": CODE_ARTICLE})
    assert site.build().exit_code == 0
    page = site.html("zh-hant/a/")
    body = page.css_first(".body")
    first = body.css_first("p")
    assert first.text().startswith("我們的軟體和软件都在連結裡")
    assert first.css_first("code").text() == "软件"
    # markdown-it percent-encodes URLs; what matters is that conversion never touched them.
    assert unquote(first.css_first("a").attributes["href"]) == "https://example.com/软件?q=软件"
    image = body.css_first("img")
    assert unquote(image.attributes["src"]) == "https://example.com/img/软件.png"
    assert image.attributes["alt"] == "軟體截圖"
    assert image.attributes["title"] == "軟體"  # a Markdown title is text a reader sees (a tooltip)
    assert body.css_first("pre code").text() == 'print("软件")\n'
    assert body.css_first("span").attributes["title"] == "软件"  # raw HTML is left as written
    cells = [td.text() for td in body.css("table td")]
    assert cells == ["軟體", "代码"]
    assert [th.text() for th in body.css("table th")] == ["名稱", "說明"]
    assert text_of(page, "article h1") == "軟體新聞"
    assert {a.text() for a in page.css("ul.tags a")} == {"軟體", "人工智慧"}


def test_source_edition_is_untouched(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={"a.md": CODE_ARTICLE})
    assert site.build().exit_code == 0
    first = site.html("zh-hans/a/").css_first(".body p")
    assert first.text().startswith("我们的软件和软件都在链接里")


def test_soft_break_between_chinese_characters_is_not_a_space(tmp_path: Path) -> None:
    text = "---\ntitle: 断行\ndate: 2026-03-01\n---\n第一行文字\n第二行文字\nEnglish words\nwrap here\n"
    site = make_site(tmp_path / "s", files={"a.md": text})
    assert site.build().exit_code == 0
    paragraph = site.html("zh-hans/a/").css_first(".body p").text()
    assert "第一行文字第二行文字" in paragraph
    assert "words\nwrap" in paragraph


def test_front_matter_lang_forces_the_source_script(tmp_path: Path) -> None:
    # Text that detection would call Simplified; the editor says it is the Traditional edition's.
    text = "---\ntitle: 软件\ndate: 2026-03-01\nlang: zh-Hant\n---\n软件\n"
    site = make_site(tmp_path / "s", files={"a.md": text})
    assert site.build().exit_code == 0
    assert site.html("zh-hant/a/").css_first(".body p").text() == "软件"
    detected = make_site(tmp_path / "d", files={"a.md": text.replace("lang: zh-Hant\n", "")})
    assert detected.build().exit_code == 0
    assert detected.html("zh-hant/a/").css_first(".body p").text() == "軟體"


def test_traditional_source_is_detected_and_converted(tmp_path: Path) -> None:
    text = "---\ntitle: 軟體產業\ndate: 2026-03-01\n---\n這是軟體產業的資訊。\n"
    site = make_site(tmp_path / "s", files={"a.md": text})
    assert site.build().exit_code == 0
    assert site.html("zh-hant/a/").css_first(".body p").text() == "這是軟體產業的資訊。"
    assert site.html("zh-hans/a/").css_first(".body p").text() == "这是软件产业的信息。"
    assert text_of(site.html("zh-hans/a/"), "article h1") == "软件产业"


def test_same_url_paths_in_both_editions(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={"a.md": CODE_ARTICLE})
    assert site.build().exit_code == 0
    hans = {p.relative_to(site.out / "zh-hans").as_posix() for p in (site.out / "zh-hans").rglob("*.html")}
    hant = {p.relative_to(site.out / "zh-hant").as_posix() for p in (site.out / "zh-hant").rglob("*.html")}
    assert hans == hant
    assert "tags/软件/index.html" in hans

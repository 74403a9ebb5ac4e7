"""Conversion as readers see it: built pages of small sites, parsed."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import Site, make_site, text_of

from sitegen.diagnostics import Diagnostics
from sitegen.pipeline import BuildState, build
from sitegen.settings import load
from sitegen.taxonomy import slugify

QUOTES = """---
title: 他说“不会让步”
date: 2026-02-01 10:00:00
tags: [芯片]
---

发言人表示：“总统说‘绝不妥协’，这是底线。”穆迪（Moody’s）维持评级。

行内代码 `print("“原样”")` 不转换。

[“链接”文字](https://example.com/“路径”/ "标题“属性”")

![图片“说明”](https://example.com/a.png "图片“标题”")

```
代码块里的“引号”不变
```
"""


def built(root: Path, settings: str = "", files: dict[str, str] | None = None) -> Site:
    site = make_site(root, settings, files)
    run = site.build()
    assert run.exit_code == 0, run.stderr
    return site


# -- punctuation ---------------------------------------------------------------------------------------

def test_quotes_follow_the_edition_and_keep_their_nesting(tmp_path: Path) -> None:
    site = built(tmp_path / "s", files={"q.md": QUOTES})
    page = site.html("zh-hant/q/")
    body = text_of(page, ".body")
    assert "發言人表示：「總統說『絕不妥協』，這是底線。」" in body
    assert "穆迪（Moody’s）" in body  # an apostrophe is not a quotation mark
    assert text_of(page, "article h1") == "他說「不會讓步」"
    assert page.css_first("title").text().startswith("他說「不會讓步」")
    # The author's own edition is left exactly as written.
    assert "发言人表示：“总统说‘绝不妥协’，这是底线。”" in text_of(site.html("zh-hans/q/"), ".body")


def test_quotes_never_change_inside_code_urls_or_attributes(tmp_path: Path) -> None:
    site = built(tmp_path / "s", files={"q.md": QUOTES})
    page = site.html("zh-hant/q/")
    assert page.css_first(".body p code").text() == 'print("“原样”")'
    assert "代码块里的“引号”不变" in page.css_first(".body pre code").text()
    link = page.css_first('.body a[href^="https://example.com/"]')
    assert link.text() == "「連結」文字"
    assert "%E2%80%9C" in link.attributes["href"] or "“" in link.attributes["href"]
    image = page.css_first(".body img")
    assert image.attributes["alt"] == "圖片「說明」"
    # Titles are text a reader sees (a tooltip): converted like alt text, quotes included.
    assert link.attributes["title"] == "標題「屬性」"
    assert image.attributes["title"] == "圖片「標題」"


def test_quote_conversion_can_be_switched_off(tmp_path: Path) -> None:
    site = built(tmp_path / "s", "quotes = false\n", {"q.md": QUOTES})
    body = text_of(site.html("zh-hant/q/"), ".body")
    assert "發言人表示：“總統說‘絕不妥協’，這是底線。”" in body
    assert "「" not in body


def test_traditional_quotes_become_simplified_ones(tmp_path: Path) -> None:
    site = built(tmp_path / "s", files={"t.md": "---\ntitle: 部長表示\ndate: 2026-02-01\n---\n\n"
                                              "部長表示：「總統說『絕不退讓』。」\n"})
    assert "部长表示：“总统说‘绝不退让’。”" in text_of(site.html("zh-hans/t/"), ".body")


# -- editor markup -------------------------------------------------------------------------------------

MARKUP = """---
title: -{zh-hans:特朗普;zh-hant:川普}-会见-{张三丰}-
date: 2026-02-02 10:00:00
summary: 据-{《人民日报》}-报道，双方签署协议。
tags: ["-{字节跳动}-", 芯片]
---

据-{《人民日报》}-报道，-{zh-hans:首席执行官;zh-hant:總裁}-发布了新的软件。

![-{后}-面的软件](https://example.com/a.png)
"""


def test_markup_protects_text_and_gives_each_edition_its_own(tmp_path: Path) -> None:
    site = built(tmp_path / "s", 'description = "新闻"\n', {"m.md": MARKUP})
    hant = site.html("zh-hant/m/")
    assert text_of(hant, "article h1") == "川普會見张三丰"
    assert "據《人民日报》報導，總裁發布了新的軟體。" in text_of(hant, ".body")
    assert hant.css_first(".body img").attributes["alt"] == "后面的軟體"
    assert hant.css_first('meta[name="description"]').attributes["content"] == "據《人民日报》報導，雙方簽署協議。"
    assert [a.text() for a in hant.css(".tags a")] == ["字节跳动", "晶片"]
    hans = site.html("zh-hans/m/")
    assert text_of(hans, "article h1") == "特朗普会见张三丰"
    assert "据《人民日报》报道，首席执行官发布了新的软件。" in text_of(hans, ".body")
    assert hans.css_first('meta[name="description"]').attributes["content"] == "据《人民日报》报道，双方签署协议。"


def test_markup_never_leaks_into_any_page(tmp_path: Path) -> None:
    site = built(tmp_path / "s", 'description = "新闻"\n', {"m.md": MARKUP})
    for rel in site.files():
        if rel.endswith((".html", ".xml", ".json", ".txt")):
            text = (site.out / rel).read_text(encoding="utf-8")
            assert "-{" not in text and "}-" not in text, rel
    index = site.html("zh-hant/")
    assert [a.text() for a in index.css("main h2 a")] == ["川普會見张三丰"]
    assert "據《人民日报》報導，雙方簽署協議。" in text_of(index, "main")
    assert [a.text() for a in site.html("zh-hant/tags/").css("main a")].count("字节跳动") == 1


def test_markup_in_a_plain_text_article_and_its_derived_title(tmp_path: Path) -> None:
    site = built(tmp_path / "s", files={"p.txt": "-{zh-hans:特朗普;zh-hant:川普}-宣布新关税。\n第二段文字。\n"})
    assert text_of(site.html("zh-hant/p/"), "article h1") == "川普宣布新關稅"
    assert text_of(site.html("zh-hans/p/"), "article h1") == "特朗普宣布新关税"


# -- glossaries of the site and of an article ----------------------------------------------------------

ARTICLE = "---\ntitle: 英伟达的芯片\ndate: 2026-02-03\n---\n\n英伟达的芯片供不应求。\n"


def test_the_site_glossary_in_content_wins_over_the_shipped_one(tmp_path: Path) -> None:
    glossary = '[[group]]\nname = "ours"\nentries = [{ zh-Hans = "英伟达", zh-Hant = "NVIDIA" }]\n'
    site = built(tmp_path / "s", files={"a.md": ARTICLE, "glossary.toml": glossary})
    assert "NVIDIA的晶片供不應求。" in text_of(site.html("zh-hant/a/"), ".body")


def test_a_configured_site_glossary_file(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", 'glossary = "terms.toml"\n', {"a.md": ARTICLE})
    (site.root / "terms.toml").write_text(
        '[[group]]\nname = "ours"\nentries = [{ zh-Hans = "芯片", zh-Hant = "芯片" }]\n', encoding="utf-8")
    assert site.build().exit_code == 0
    assert "輝達的芯片供不應求。" in text_of(site.html("zh-hant/a/"), ".body")


def test_a_missing_or_broken_site_glossary_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", 'glossary = "terms.toml"\n', {"a.md": ARTICLE})
    run = site.build_process()
    assert run.exit_code == 2 and "terms.toml:1: glossary file not found" in run.stderr
    (site.root / "terms.toml").write_text('[[group]]\nname = "x"\n\nentries = [{ zh-Hans = "芯片" }]\n',
                                          encoding="utf-8")
    run = site.build_process()
    assert run.exit_code == 2 and "terms.toml:4:" in run.stderr and "Traceback" not in run.stderr


def test_a_front_matter_glossary_applies_to_its_article_only(tmp_path: Path) -> None:
    own = ("---\ntitle: 英伟达的芯片\ndate: 2026-02-04\nsummary: 芯片来自英伟达。\nglossary:\n  芯片: 芯片\n"
           "  英伟达: 英偉達\n---\n\n英伟达的芯片。\n")
    site = built(tmp_path / "s", files={"a.md": ARTICLE, "b.md": own})
    page = site.html("zh-hant/b/")
    assert "英偉達的芯片。" in text_of(page, ".body")
    assert text_of(page, "article h1") == "英偉達的芯片"
    assert "芯片來自英偉達。" in page.css_first('meta[name="description"]').attributes["content"]
    assert "輝達的晶片供不應求。" in text_of(site.html("zh-hant/a/"), ".body")
    assert text_of(site.html("zh-hant/a/"), "article h1") == "輝達的晶片"


def test_a_front_matter_glossary_with_forms_per_edition(tmp_path: Path) -> None:
    own = ("---\ntitle: 芯片\ndate: 2026-02-04\nglossary:\n  - {zh-Hans: 芯片, zh-Hant: 半導體晶片}\n---\n\n"
           "新的芯片。\n")
    site = built(tmp_path / "s", 'description = "新闻"\n', {"b.md": own})
    assert "新的半導體晶片。" in text_of(site.html("zh-hant/b/"), ".body")


def test_a_site_glossary_can_suppress_a_shipped_mapping(tmp_path: Path) -> None:
    glossary = '[[suppress]]\nname = "ours"\ndirection = "zh-Hans>zh-Hant"\nphrases = ["视频"]\n'
    text = "---\ntitle: 视频\ndate: 2026-02-03\n---\n\n一段视频。\n"
    site = built(tmp_path / "s", files={"a.md": text, "glossary.toml": glossary})
    assert "一段視頻。" in text_of(site.html("zh-hant/a/"), ".body")


# -- phrases across inline markup ------------------------------------------------------------------------

def test_markup_does_not_break_phrases(tmp_path: Path) -> None:
    text = ("---\ntitle: 芯片\ndate: 2026-02-05\n---\n\n"
            "人工**智能**改变世界。\n\n[英伟达](https://example.com/英伟达)的芯片。\n\n*人工*智能与`人工智能`\n")
    site = built(tmp_path / "s", files={"a.md": text})
    page = site.html("zh-hant/a/")
    paragraphs = page.css(".body p")
    assert paragraphs[0].html == "<p>人工<strong>智慧</strong>改變世界。</p>"
    assert paragraphs[1].text() == "輝達的晶片。"
    assert paragraphs[1].css_first("a").attributes["href"] == "https://example.com/%E8%8B%B1%E4%BC%9F%E8%BE%BE"
    assert paragraphs[2].html == "<p><em>人工</em>智慧與<code>人工智能</code></p>"


TITLES = """---
title: 截图
date: 2026-02-05
---

![软件截图](https://example.com/软件/截图.png "软件截图")

![](https://example.com/b.png "-{软件}-截图")

[下载](https://example.com/软件 "软件下载")

{% asset_img chart.png 网络图表 %}
"""


@pytest.mark.parametrize("how", ["build", "serve"])
def test_image_and_link_titles_are_converted_like_text_and_urls_are_not(tmp_path: Path, how: str) -> None:
    site = make_site(tmp_path / "s", "", {"t.md": TITLES, "t/chart.png": b"not read for this test",
                                          "h.md": "---\ntitle: 繁體\ndate: 2026-02-04\n---\n\n"
                                                  '![軟體截圖](https://example.com/a.png "軟體截圖")\n\n'
                                                  '[下載](https://example.com/d "軟體下載")\n'})
    if how == "serve":  # the in-process incremental build of sitegen serve
        build(load(site.root), site.out, diagnostics=Diagnostics(site.root), state=BuildState())
    else:
        assert site.build().exit_code == 0
    hant, hans = site.html("zh-hant/t/"), site.html("zh-hans/t/")
    # 軟體 (not 軟件): the title converts as a phrase, as body text does.
    assert [(i.attributes["alt"], i.attributes.get("title")) for i in hant.css(".body img")] == [
        ("軟體截圖", "軟體截圖"), ("", "软件截圖"), ("網路圖表", "網路圖表")]
    assert hant.css_first(".body a").attributes["title"] == "軟體下載"
    # The author's own edition shows the titles as written, with the editor's markup resolved.
    assert [i.attributes.get("title") for i in hans.css(".body img")] == ["软件截图", "软件截图", "网络图表"]
    assert hans.css_first(".body a").attributes["title"] == "软件下载"
    # URLs are never converted.
    for page in (hant, hans):
        src = page.css_first(".body img").attributes["src"]
        assert src == f"https://example.com/{quote('软件')}/{quote('截图')}.png"
        assert page.css_first(".body a").attributes["href"] == f"https://example.com/{quote('软件')}"
        assert page.css(".body img")[2].attributes["src"] == "chart.png"
    # And from Traditional: Taiwan's 截圖 is 截屏 in Simplified, in the title as in the alt.
    image = site.html("zh-hans/h/").css_first(".body img")
    assert (image.attributes["alt"], image.attributes["title"]) == ("软件截屏", "软件截屏")
    # Each edition's link title is its own, whichever edition was rendered first.
    assert site.html("zh-hans/h/").css_first(".body a").attributes["title"] == "软件下载"
    assert site.html("zh-hant/h/").css_first(".body a").attributes["title"] == "軟體下載"


# -- tags and categories across scripts ------------------------------------------------------------------

def test_a_tag_is_one_across_scripts(tmp_path: Path) -> None:
    files = {
        "hans.md": "---\ntitle: 简体文章\ndate: 2026-02-06\ntags: [人工智能]\ncategories: [科技]\n---\n\n正文。\n",
        "hant.md": "---\ntitle: 繁體文章\ndate: 2026-02-07\ntags: [人工智慧]\ncategories: [科技]\n---\n\n內文。\n",
    }
    site = built(tmp_path / "s", files=files)
    assert slugify("人工智能") == "人工智能"
    for prefix, name, titles in (("zh-hans", "人工智能", ["繁体文章", "简体文章"]),
                                 ("zh-hant", "人工智慧", ["繁體文章", "簡體文章"])):
        tags = site.out / prefix / "tags"
        assert sorted(p.name for p in tags.iterdir() if p.is_dir()) == ["人工智能"]
        page = site.html(f"{prefix}/tags/人工智能/")
        assert name in page.css_first("h1").text()
        assert [a.text() for a in page.css(".article-list h2 a")] == titles
        categories = site.out / prefix / "categories"
        assert sorted(p.name for p in categories.iterdir() if p.is_dir()) == ["科技"]
    hans_links = {a.attributes["href"] for a in site.html("zh-hans/hant/").css(".tags a")}
    hant_links = {a.attributes["href"] for a in site.html("zh-hant/hans/").css(".tags a")}
    assert hans_links == {"/zh-hans/tags/%E4%BA%BA%E5%B7%A5%E6%99%BA%E8%83%BD/"}
    assert hant_links == {"/zh-hant/tags/%E4%BA%BA%E5%B7%A5%E6%99%BA%E8%83%BD/"}


def test_a_tag_written_in_the_other_script_is_the_same_tag(tmp_path: Path) -> None:
    # Newsrooms tag in either script, whatever the article's: a Simplified article tagged in
    # Traditional, and the other way round. Each edition names every tag in its own script, once.
    # (A name no character of which is one script's own, 估值, is the article's.)
    files = {
        "hans.md": ("---\ntitle: 简体文章\ndate: 2026-02-06\ntags: [融資, 風險投資, 估值, GPU]\n"
                    "categories: [科技]\nauthor: 陳小明\n---\n\n这是正文。\n"),
        "hant.md": ("---\ntitle: 繁體文章\ndate: 2026-02-07\ntags: [融资, 风险投资]\ncategories: [科技]\n---\n\n"
                    "這是內文。\n"),
    }
    site = built(tmp_path / "s", files=files)
    shown = {"zh-hans": ["GPU", "估值", "融资", "风险投资"], "zh-hant": ["GPU", "估值", "融資", "風險投資"]}
    for prefix, names in shown.items():
        index = site.html(f"{prefix}/tags/")
        assert sorted(a.text().strip() for a in index.css("main li a")) == names
        for page in (f"{prefix}/hans/", f"{prefix}/hant/"):
            html = site.html(page)
            listed = sorted(a.text() for a in html.css(".tags a"))
            assert listed == ([n for n in names if n != "GPU" and n != "估值"] if page.endswith("hant/") else names)
            keywords = sorted(json.loads(html.css_first('script[type="application/ld+json"]').text())["keywords"])
            assert keywords == listed
            assert sorted(m.attributes["content"] for m in html.css('meta[property="article:tag"]')) == listed
    assert sorted(p.name for p in (site.out / "zh-hans" / "tags").iterdir() if p.is_dir()) == [
        "gpu", "估值", "融资", "风险投资"]
    assert site.html("zh-hans/hans/").css_first('a[rel="author"]').text() == "陈小明"
    assert site.html("zh-hant/hans/").css_first('a[rel="author"]').text() == "陳小明"


def test_spellings_an_edition_shows_alike_are_one_tag(tmp_path: Path) -> None:
    # Taiwan's 矽谷 is Silicon Valley in a Simplified article too: the Traditional edition would show
    # it and 硅谷 alike, so they are one tag, named in each edition as its own writers most often
    # spell it (硅谷 twice, 矽谷 once).
    files = {
        f"{name}.md": f"---\ntitle: 文章{name}\ndate: 2026-02-0{day}\ntags: [{tag}]\n---\n\n这是正文。\n"
        for name, day, tag in (("a", 1, "硅谷"), ("b", 2, "硅谷"), ("c", 3, "矽谷"))
    }
    site = built(tmp_path / "s", files=files)
    for prefix, name in (("zh-hans", "硅谷"), ("zh-hant", "矽谷")):
        assert [a.text().strip() for a in site.html(f"{prefix}/tags/").css("main li a")] == [name]
        assert [p.name for p in (site.out / prefix / "tags").iterdir() if p.is_dir()] == ["硅谷"]
        assert len(site.html(f"{prefix}/tags/硅谷/").css(".article-list h2 a")) == 3
        assert {a.text() for page in "abc" for a in site.html(f"{prefix}/{page}/").css(".tags a")} == {name}


# -- the demo content ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = make_site(tmp_path_factory.mktemp("demo") / "site", demo=True)
    assert site.build().exit_code == 0
    return site


def test_demo_simplified_article_in_traditional_keeps_news_words(demo_site: Site) -> None:
    body = text_of(demo_site.html("zh-hant/000_9670ae2519f688e8/"), ".body")
    assert "刷新了 AI 產業的融資紀錄" in body
    assert "深度綁定" in body and "繫結" not in body and "重新整理" not in body
    assert "AI 的「覺醒之年」" in body and "“" not in body and "”" not in body


@pytest.mark.parametrize("slug", ["001_75a6d564d30899f2", "002_491b25b58f12faa0"])
def test_demo_traditional_articles_in_simplified_use_simplified_quotes(demo_site: Site, slug: str) -> None:
    page = demo_site.html(f"zh-hans/{slug}/")
    body = text_of(page, ".body")
    assert "“" in body and "”" in body
    assert "「" not in page.html and "」" not in page.html
    assert "人工智慧" not in page.html


def test_demo_traditional_article_says_rengong_zhineng(demo_site: Site) -> None:
    body = text_of(demo_site.html("zh-hans/001_75a6d564d30899f2/"), ".body")
    assert "Anthropic 的“宪法人工智能(Constitutional AI)”方法" in body
    assert "人工智能" in body


def test_script_is_told_by_chinese_characters_not_latin_letters(tmp_path: Path) -> None:
    # The detector marks each character it knows "s" (Simplified), "t" (Traditional) or nothing,
    # and learns characters as articles bring them. The second article brings only the Latin
    # letter s, many times, with a Traditional sentence: it is still Traditional.
    head = "---\ntitle: 軟體{n}\ndate: 2026-02-0{n} 10:00:00\n---\n\n"
    site = built(tmp_path / "s", files={"a.md": head.format(n=1) + "這是 軟體。\n",
                                         "b.md": head.format(n=2) + "ss " * 12 + "這是軟體。\n"})
    for slug in ("a", "b"):
        assert "这是" in text_of(site.html(f"zh-hans/{slug}/"), ".body")
        assert "這是" in text_of(site.html(f"zh-hant/{slug}/"), ".body")

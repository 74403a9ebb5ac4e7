"""The demo site (the three real seed articles) in both editions, as a reader sees it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from conftest import SEEDS, SIMPLIFIED_SEED, TRADITIONAL_SEEDS, Site, text_of

SIMPLIFIED = Path(SIMPLIFIED_SEED).stem
TRAD_A, TRAD_B = (Path(s).stem for s in TRADITIONAL_SEEDS)


def test_every_article_exists_in_both_editions(built_demo: Site) -> None:
    for slug in (SIMPLIFIED, TRAD_A, TRAD_B):
        for prefix in ("zh-hans", "zh-hant"):
            assert (built_demo.out / prefix / slug / "index.html").is_file()


def test_html_lang_follows_the_edition(built_demo: Site) -> None:
    assert built_demo.html(f"zh-hans/{SIMPLIFIED}/").css_first("html").attributes["lang"] == "zh-Hans"
    assert built_demo.html(f"zh-hant/{SIMPLIFIED}/").css_first("html").attributes["lang"] == "zh-Hant"


def test_the_authors_own_edition_keeps_the_text_exactly(built_demo: Site) -> None:
    page = built_demo.html(f"zh-hans/{SIMPLIFIED}/")
    assert text_of(page, "article h1") == "疯狂的军备竞赛：Anthropic 拟融资 200 亿美元，估值直冲 3500 亿"
    body = text_of(page, ".body")
    assert "如果说 2023 年是 AI 的“觉醒之年”" in body
    assert "对英伟达（NVIDIA）顶级芯片的需求" in body


def test_simplified_article_reads_as_traditional(built_demo: Site) -> None:
    page = built_demo.html(f"zh-hant/{SIMPLIFIED}/")
    assert text_of(page, "article h1") == "瘋狂的軍備競賽：Anthropic 擬融資 200 億美元，估值直衝 3500 億"
    body = text_of(page, ".body")
    assert "為什麼是現在？" in body
    assert "晶片" in body and "芯片" not in body
    assert "疯狂" not in page.html


def test_traditional_articles_read_as_simplified(built_demo: Site) -> None:
    page = built_demo.html(f"zh-hans/{TRAD_B}/")
    assert text_of(page, "article h1") == "Anthropic 在 12 日宣布完成 300 亿美元的 G 轮融资"
    headings = [h.text() for h in page.css(".body h2")]
    assert headings == ["一条不成文的规矩", "烧钱的速度", "害怕错过的逻辑", "出走者的公司", "禁忌消失之后"]
    assert "在硅谷的风险投资界" in text_of(page, ".body")


def test_title_of_a_file_without_front_matter_is_its_opening_sentence(built_demo: Site) -> None:
    page = built_demo.html(f"zh-hant/{TRAD_A}/")
    assert text_of(page, "article h1") == "這是科技產業的決定性時刻,Anthropic 正式完成了 G 輪融資"


def test_plain_text_lines_become_paragraphs_and_headings(built_demo: Site) -> None:
    source = (SEEDS / TRADITIONAL_SEEDS[1]).read_text(encoding="utf-8")
    lines = [line for line in source.splitlines() if line.strip()]
    page = built_demo.html(f"zh-hant/{TRAD_B}/")
    assert len(page.css(".body h2")) == 5
    assert len(page.css(".body > p")) == len(lines) - 5
    assert text_of(page, ".body h2") == "一條不成文的規矩"


def test_plain_text_table_renders_as_a_table(built_demo: Site) -> None:
    page = built_demo.html(f"zh-hans/{TRAD_A}/")
    table = page.css_first(".body table")
    assert table is not None
    assert [th.text() for th in table.css("thead th")] == ["公司名称", "主要关注领域", "估计估值", "关键差异化因素"]
    rows = table.css("tbody tr")
    assert [r.css_first("td").text() for r in rows] == ["Anthropic", "OpenAI", "Google DeepMind", "Meta AI", "xAI"]


def test_duplicate_leading_heading_is_not_repeated(built_demo: Site) -> None:
    page = built_demo.html(f"zh-hans/{SIMPLIFIED}/")
    assert len(page.css("h1")) == 1


def test_unresolved_links_are_marked_text_not_dead_links(built_demo: Site) -> None:
    for prefix in ("zh-hans", "zh-hant"):
        page = built_demo.html(f"{prefix}/{SIMPLIFIED}/")
        marks = page.css(".body .unresolved-link")
        assert [m.text() for m in marks] == ["018.md", "014.md"]
        assert "018.md" in marks[0].attributes["title"]
        assert not [a for a in page.css("a") if (a.attributes.get("href") or "").endswith(".md")]


def test_article_meta_chinese_date_count_and_reading_time(built_demo: Site) -> None:
    page = built_demo.html(f"zh-hans/{SIMPLIFIED}/")
    time = page.css_first("article header time")
    assert time.text() == "2026年2月10日"
    assert time.attributes["datetime"] == "2026-02-10T09:00:00+08:00"
    assert int(text_of(page, ".char-count")) > 1000
    assert int(text_of(page, ".reading-time")) >= 2
    author = page.css_first('a[rel="author"]')
    assert author.text() == "墨影 (Mò Yǐng)"


def test_each_page_has_canonical_hreflang_twins_and_a_switch(built_demo: Site) -> None:
    for prefix, other in (("zh-hans", "zh-hant"), ("zh-hant", "zh-hans")):
        for html_file in sorted((built_demo.out / prefix).rglob("*.html")):
            rel = html_file.relative_to(built_demo.out / prefix).as_posix()
            page = built_demo.html(f"{prefix}/{rel}")
            canonical = page.css_first('link[rel="canonical"]').attributes["href"]
            assert canonical.startswith("http://localhost:8000/" + prefix + "/"), rel
            alternates = page.css('link[rel="alternate"][hreflang]')
            langs = {n.attributes["hreflang"]: n.attributes["href"] for n in alternates}
            assert set(langs) == {"zh-Hans", "zh-Hant", "x-default"}, rel
            switch = page.css_first(f'.edition-switch a[data-edition="{other}"]')
            target = unquote(urlsplit(switch.attributes["href"]).path).lstrip("/")
            expected = f"{other}/{rel}".removesuffix("index.html")
            assert target == expected, rel
            file = built_demo.out / target
            assert (file / "index.html" if target.endswith("/") else file).is_file(), target


def test_index_pages_exist_in_both_editions(built_demo: Site) -> None:
    for prefix in ("zh-hans", "zh-hant"):
        for rel in ("", "tags/", "tags/anthropic/", "categories/", "categories/tech/", "sources/",
                    "sources/techcrunch-com/", "authors/", "archive/", "archive/2026/", "404.html"):
            path = built_demo.out / prefix / rel
            assert (path / "index.html" if rel.endswith("/") or not rel else path).is_file(), f"{prefix}/{rel}"
    home = built_demo.html("zh-hant/")
    titles = [a.text() for a in home.css("main h2 a")]
    assert len(titles) == 3
    assert "瘋狂的軍備競賽：Anthropic 擬融資 200 億美元，估值直衝 3500 億" in titles
    tags = built_demo.html("zh-hans/tags/")
    names = {a.text() for a in tags.css("ul.terms a")}
    assert names == {"AI", "Anthropic", "Fundraising", "Venture Capital", "Compute"}
    source = built_demo.html("zh-hant/sources/techcrunch-com/")
    assert [a.text() for a in source.css(".article-list h2 a")] == [
        "瘋狂的軍備競賽：Anthropic 擬融資 200 億美元，估值直衝 3500 億"]


def test_ui_strings_are_in_the_editions_script(built_demo: Site) -> None:
    hans = {a.text() for a in built_demo.html("zh-hans/").css("nav.sections a")}
    hant = {a.text() for a in built_demo.html("zh-hant/").css("nav.sections a")}
    assert {"首页", "标签", "分类", "来源", "作者", "归档"} == hans
    assert {"首頁", "標籤", "分類", "來源", "作者", "歸檔"} == hant


def test_root_page_sends_readers_to_an_edition(built_demo: Site) -> None:
    root = built_demo.html("")
    links = {a.attributes["hreflang"]: a.attributes["href"] for a in root.css("main a")}
    assert links == {"zh-Hans": "/zh-hans/", "zh-Hant": "/zh-hant/"}
    script = root.css_first("script").text()
    assert "navigator.languages" in script and "zh-tw" in script
    assert (built_demo.out / "404.html").is_file()
    assert (built_demo.out / ".nojekyll").is_file()
    assert (built_demo.out / "static" / "style.css").is_file()

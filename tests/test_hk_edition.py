"""A Hong Kong edition is one setting away: editions = ["zh-Hans", "zh-Hant", "zh-Hant-HK"]."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Site, make_site, text_of

SETTINGS = 'editions = ["zh-Hans", "zh-Hant", "zh-Hant-HK"]\n'
FILES = {
    "a.md": "---\ntitle: 扎克伯格谈人工智能\ndate: 2026-02-01\ntags: [人工智能]\n---\n\n"
            "扎克伯格说：“软件和芯片是未来。”特朗普在悉尼。\n",
    "b.md": "---\ntitle: 祖克柏談軟體\ndate: 2026-02-02\ntags: [人工智慧]\n---\n\n祖克柏說：「這是未來。」\n",
}
PREFIXES = ("zh-hans", "zh-hant", "zh-hant-hk")


@pytest.fixture(scope="module")
def hk(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = make_site(tmp_path_factory.mktemp("hk") / "site", SETTINGS, FILES)
    run = site.build()
    assert run.exit_code == 0, run.stderr
    assert "zh-Hant-HK" in run.stdout
    return site


def test_the_third_edition_has_every_page(hk: Site) -> None:
    # Pages, that is: search index files are named by their content's hash.
    pages = {p: sorted(f.removeprefix(p + "/") for f in hk.files() if f.startswith(p + "/") and f.endswith(".html"))
             for p in PREFIXES}
    assert pages["zh-hant-hk"] == pages["zh-hant"] == pages["zh-hans"]
    assert "index.html" in pages["zh-hant-hk"] and "tags/人工智能/index.html" in pages["zh-hant-hk"]
    assert hk.html("zh-hant-hk/a/").css_first("html").attributes["lang"] == "zh-Hant-HK"


def test_every_page_of_every_edition_names_all_three(hk: Site) -> None:
    for prefix in PREFIXES:
        for rel in ("", "a/", "tags/人工智能/"):
            page = hk.html(f"{prefix}/{rel}")
            langs = [link.attributes["hreflang"] for link in page.css('link[rel="alternate"][hreflang]')]
            assert langs == ["zh-Hans", "zh-Hant", "zh-Hant-HK", "x-default"]
            switch = page.css(".edition-switch a, .edition-switch span")
            assert [s.text() for s in switch] == ["简", "繁", "港"]
    link = hk.html("zh-hans/a/").css_first('link[hreflang="zh-Hant-HK"]')
    assert link.attributes["href"] == "http://localhost:8000/zh-hant-hk/a/"
    chooser = hk.html("")
    assert "/zh-hant-hk/" in {a.attributes.get("href") for a in chooser.css("a")}


def test_hong_kong_usage_in_the_hong_kong_edition(hk: Site) -> None:
    page = hk.html("zh-hant-hk/a/")
    assert text_of(page, "article h1") == "朱克伯格談人工智能"
    # OpenCC's HK configuration: HK character forms (説), no Taiwan vocabulary; names from the glossary.
    assert "朱克伯格説：「軟件和芯片是未來。」特朗普在悉尼。" in text_of(page, ".body")
    assert "祖克柏說：「軟體和晶片是未來。」川普在雪梨。" in text_of(hk.html("zh-hant/a/"), ".body")
    assert "朱克伯格説：「這是未來。」" in text_of(hk.html("zh-hant-hk/b/"), ".body")


def test_the_tag_is_one_in_all_three_editions(hk: Site) -> None:
    for prefix, name in zip(PREFIXES, ("人工智能", "人工智慧", "人工智能"), strict=True):
        page = hk.html(f"{prefix}/tags/人工智能/")
        assert text_of(page, "main h1") == name
        assert len(page.css(".article-list h2 a")) == 2


def test_two_editions_stay_the_default(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files=FILES)
    assert site.build().exit_code == 0
    assert sorted(p.name for p in site.out.iterdir() if p.is_dir()) == ["static", "zh-hans", "zh-hant"]


def test_the_third_edition_has_its_own_feeds(hk: Site) -> None:
    import feedparser

    feed = feedparser.parse((hk.out / "zh-hant-hk" / "feeds" / "atom.xml").read_bytes())
    assert feed.bozo == 0
    assert feed.feed.language == "zh-Hant-HK"
    assert [e.title for e in feed.entries] == ["朱克伯格談軟體", "朱克伯格談人工智能"]
    assert all(e.link.startswith("http://localhost:8000/zh-hant-hk/") for e in feed.entries)
    assert (hk.out / "zh-hant-hk" / "tags" / "人工智能" / "feed.json").is_file()
    page = hk.html("zh-hant-hk/")
    assert page.css_first('link[type="application/atom+xml"]').attributes["href"] == "/zh-hant-hk/feeds/atom.xml"

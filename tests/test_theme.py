"""The default theme as a reader and a crawler see it, read from built HTML."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from urllib.parse import quote

from conftest import Site, make_site, text_of

ARTICLE = "---\ntitle: {title}\ndate: {date}\ntags: [{tags}]\nsource: {source}\nsource_url: {url}\n---\n\n{body}\n"


def article(title: str, date: str, tags: str, body: str = "正文。", source: str = "路透社",
            url: str = "https://example.com/story") -> str:
    return ARTICLE.format(title=title, date=date, tags=tags, body=body, source=source, url=url)


def news_site(root: Path, settings: str = "") -> Site:
    site = make_site(root, settings, {
        "a.md": article("甲公司融资", "2026-01-01 09:00", "人工智能, 融资, 甲公司"),
        "b.md": article("乙公司推出模型", "2026-01-02 09:00", "人工智能, 乙公司"),
        "c.md": article("甲公司再融资", "2026-01-03 09:00", "融资, 甲公司"),
        "d.md": article("天气晴朗", "2026-01-04 09:00", "天气"),
    })
    run = site.build()
    assert run.exit_code in (0, 1), run.stderr
    return site


def titles(tree, selector: str) -> list[str]:
    return [n.text(strip=True) for n in tree.css(selector)]


def test_related_articles_share_tags_rarest_first(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s")
    page = site.html("zh-hans/a/")
    # c shares two tags (融资, 甲公司) with a, b only the common 人工智能; d shares nothing.
    assert titles(page, ".related h3 a") == ["甲公司再融资", "乙公司推出模型"]
    assert titles(site.html("zh-hant/a/"), ".related h3 a") == ["甲公司再融資", "乙公司推出模型"]
    assert site.html("zh-hans/d/").css_first(".related") is None


def test_previous_next_reading_time_and_source(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s")
    page = site.html("zh-hans/b/")
    assert page.css_first('.prev-next a[rel="prev"]').attributes["href"] == "/zh-hans/c/"
    assert page.css_first('.prev-next a[rel="next"]').attributes["href"] == "/zh-hans/a/"
    assert text_of(page, ".reading-time") == "1"
    source = page.css_first(".meta .source a")
    assert source.attributes["href"] == "https://example.com/story" and source.text() == "路透社"
    hant = site.html("zh-hant/b/")
    assert "閱讀時間" in text_of(hant, ".stats") and text_of(hant, ".meta .source a") == "路透社"


def test_home_has_a_lead_story_and_the_rest_in_a_list(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s")
    home = site.html("zh-hans/")
    assert titles(home, ".lead h2 a") == ["天气晴朗"]
    assert titles(home, ".latest h2 a") == ["甲公司再融资", "乙公司推出模型", "甲公司融资"]


def test_switch_links_to_the_same_page_on_every_page_type(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s", 'page_size = 1\nbase_url = "https://example.org/news/"\n')
    pages = ["", "a/", "tags/", "tags/融资/", "tags/融资/page/2/", "categories/", "sources/", "authors/",
             "archive/", "archive/2026/", "archive/2026/page/3/", "page/2/", "404.html", "search/"]
    for path in pages:
        for mine, other in (("zh-hans", "zh-hant"), ("zh-hant", "zh-hans")):
            tree = site.html(f"{mine}/{path}")
            links = tree.css(".edition-switch a[data-edition]")
            # A real link a crawler follows, to the same page in the other edition, under the base path.
            assert [a.attributes["href"] for a in links] == [quote(f"/news/{other}/{path}")], path
            assert tree.css_first(".edition-switch .current").attributes["lang"].lower() == mine


def test_page_weight_and_no_external_requests(built_demo: Site) -> None:
    out = built_demo.out
    for rel in ("zh-hans/000_9670ae2519f688e8/", "zh-hant/tags/", "zh-hant/search/"):
        tree = built_demo.html(rel)
        local = []
        for node in tree.css("link[rel=stylesheet], script[src], img[src]"):
            url = node.attributes.get("href") or node.attributes.get("src") or ""
            assert url.startswith("/") and not url.startswith("//"), url  # nothing from another host
            local.append(url)
        if "search" not in rel:
            # Every stylesheet and script an article page loads, before compression.
            weight = sum((out / u.lstrip("/")).stat().st_size for u in local)
            assert weight < 50 * 1024, weight


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_local_images_get_width_height_and_lazy_loading(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", 'base_url = "https://example.org/news/"\n', {
        "p.md": "---\ntitle: 图片\ndate: 2026-01-01\n---\n\n![图表](/news/static/chart.png)\n\n"
                "![远方](https://example.com/x.png)\n",
    })
    (site.root / "static").mkdir()
    (site.root / "static" / "chart.png").write_bytes(_png(37, 21))
    assert site.build().exit_code == 0
    imgs = site.html("zh-hant/p/").css(".body img")
    assert (imgs[0].attributes["width"], imgs[0].attributes["height"]) == ("37", "21")
    assert imgs[0].attributes["loading"] == "lazy" and imgs[0].attributes["alt"] == "圖表"
    assert "width" not in imgs[1].attributes  # a remote image's size is not fetched


def test_theme_css_keeps_cjk_rules() -> None:
    css = (Path(__file__).parent.parent / "sitegen/theme/static/style.css").read_text(encoding="utf-8")
    for rule in ("Noto Sans CJK SC", "Noto Sans CJK TC", "PingFang SC", "PingFang TC", "Microsoft JhengHei",
                 "line-break: strict", "prefers-color-scheme: dark", "@media print", "font-synthesis: weight"):
        assert rule in css

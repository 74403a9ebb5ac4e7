"""The default theme as a reader and a crawler see it, read from built HTML."""

from __future__ import annotations

import struct
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import Site, make_site, png, text_of
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from sitegen.diagnostics import Diagnostics
from sitegen.pipeline import BuildState, build
from sitegen.settings import load

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


def test_local_images_get_width_height_and_lazy_loading(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", 'base_url = "https://example.org/news/"\n', {
        "p.md": "---\ntitle: 图片\ndate: 2026-01-01\n---\n\n![图表](/news/static/chart.png)\n\n"
                "![远方](https://example.com/x.png)\n",
    })
    (site.root / "static").mkdir()
    (site.root / "static" / "chart.png").write_bytes(png(37, 21))
    assert site.build().exit_code == 0
    imgs = site.html("zh-hant/p/").css(".body img")
    assert (imgs[0].attributes["width"], imgs[0].attributes["height"]) == ("37", "21")
    assert imgs[0].attributes["loading"] == "lazy" and imgs[0].attributes["alt"] == "圖表"
    assert "width" not in imgs[1].attributes  # a remote image's size is not fetched


# Enough other articles that a two-job build hands bodies to worker processes (workers.CHUNK = 24).
FILLER = {f"filler-{i:02d}.md": f"---\ntitle: 填充{i}\ndate: 2025-01-01\n---\n\n正文。\n" for i in range(30)}
ASSET_POST = "---\ntitle: 附图\ndate: 2026-01-01\n---\n\n{% asset_img chart.png 软件截图 %}\n"


def _asset_imgs(out: Path, edition: str) -> list[dict[str, str | None]]:
    tree = HTMLParser((out / edition / "post" / "index.html").read_text(encoding="utf-8"))
    return [dict(img.attributes) for img in tree.css(".body img")]


@pytest.mark.parametrize("how", ["worker processes", "one process", "serve"])
def test_images_copied_beside_an_article_get_their_size(tmp_path: Path, how: str) -> None:
    site = make_site(tmp_path / "s", "", {**FILLER, "post.md": ASSET_POST, "post/chart.png": png(64, 48)})
    out = tmp_path / "out"

    def build_site() -> None:
        if how == "serve":  # the in-process incremental build sitegen serve runs, with its kept state
            build(load(site.root), out, diagnostics=Diagnostics(site.root), state=state)
        else:
            run = site.build("--out", str(out), "--jobs", "2" if how == "worker processes" else "1")
            assert run.exit_code == 0, run.stderr

    state = BuildState()
    build_site()
    for edition in ("zh-hans", "zh-hant"):
        chart = _asset_imgs(out, edition)[0]
        assert chart["src"] == "chart.png" and (out / edition / "post" / "chart.png").is_file()
        assert (chart["width"], chart["height"]) == ("64", "48")
        assert chart["loading"] == "lazy"
    if how == "serve":
        return
    # A replaced image of another size reaches the page through the build cache too.
    site.write("post/chart.png", png(30, 20))
    build_site()
    assert (_asset_imgs(out, "zh-hant")[0]["width"], _asset_imgs(out, "zh-hant")[0]["height"]) == ("30", "20")


def test_theme_css_keeps_cjk_rules() -> None:
    css = (Path(__file__).parent.parent / "sitegen/theme/static/style.css").read_text(encoding="utf-8")
    for rule in ("Noto Sans CJK SC", "Noto Sans CJK TC", "PingFang SC", "PingFang TC", "Microsoft JhengHei",
                 "line-break: strict", "prefers-color-scheme: dark", "@media print", "font-synthesis: weight"):
        assert rule in css


def test_image_headers_give_their_size() -> None:
    from sitegen.images import image_size

    gif = b"GIF89a" + struct.pack("<HH", 5, 7) + b"\x00" * 8
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x00" * 9
    jpeg = b"\xff\xd8" + app0 + b"\xff\xc0" + struct.pack(">HBHH", 17, 8, 300, 400) + b"\x00" * 12
    webp = b"RIFF" + b"\x00" * 4 + b"WEBPVP8X" + b"\x00" * 8 + (639).to_bytes(3, "little") + (479).to_bytes(3, "little")
    assert image_size(gif) == (5, 7)
    assert image_size(jpeg) == (400, 300)  # SOF stores height first
    assert image_size(webp) == (640, 480)
    assert image_size(png(3, 2)) == (3, 2)
    assert image_size(b"<svg></svg>") is None and image_size(b"\xff\xd8\xff") is None

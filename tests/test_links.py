"""Links between articles: resolved per edition, or reported and marked when the target is missing."""

from __future__ import annotations

from pathlib import Path

from conftest import SIMPLIFIED_SEED, Site, make_site

SLUG = Path(SIMPLIFIED_SEED).stem
ARTICLE_018 = """---
title: OpenAI 拥抱广告
date: 2026-02-01 08:00:00
slug: openai-ads
---
OpenAI 开始在 ChatGPT 中展示广告。
"""


def _hrefs(site: Site, prefix: str) -> dict[str, str]:
    page = site.html(f"{prefix}/{SLUG}/")
    return {a.text(): a.attributes["href"] for a in page.css(".body a")}


def test_adding_the_missing_article_makes_the_link_live(demo: Site) -> None:
    demo.write("018_openai-ads.md", ARTICLE_018)  # found by its leading id: the link says 018.md
    demo.write("sub/014.md", ARTICLE_018.replace("openai-ads", "xai-spacex").replace("2026-02-01", "2026-01-20"))
    run = demo.build()
    assert run.exit_code == 0, run.stderr
    assert "unresolved" not in run.stderr
    for prefix in ("zh-hans", "zh-hant"):
        hrefs = _hrefs(demo, prefix)
        assert hrefs["018.md"] == f"/{prefix}/openai-ads/"
        assert hrefs["014.md"] == f"/{prefix}/xai-spacex/"
        assert (demo.out / prefix / "openai-ads" / "index.html").is_file()
        assert not demo.html(f"{prefix}/{SLUG}/").css(".unresolved-link")


def test_unresolved_link_is_a_warning_with_file_and_line(demo: Site) -> None:
    run = demo.build()
    assert run.exit_code == 0
    lines = run.stderr.splitlines()
    assert any(line.endswith(f"content/{SIMPLIFIED_SEED}:39: unresolved link 018.md") for line in lines), lines
    assert any(line.endswith(f"content/{SIMPLIFIED_SEED}:41: unresolved link 014.md") for line in lines), lines


def test_strict_turns_warnings_into_exit_1(demo: Site) -> None:
    run = demo.build("--strict")
    assert run.exit_code == 1
    assert (demo.out / "zh-hans" / "index.html").is_file()


def test_link_forms_path_name_relative_and_fragment(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={
        "news/a.md": "---\ntitle: 甲\ndate: 2026-01-01\n---\n[乙](b.md) [丙](../other/c.md#part) [丁](./b.md)\n",
        "news/b.md": "---\ntitle: 乙\ndate: 2026-01-02\n---\n正文\n",
        "other/c.md": "---\ntitle: 丙\ndate: 2026-01-03\n---\n[乙](news/b.md)\n",
    })
    run = site.build("--strict")
    assert run.exit_code == 0, run.stderr
    page = site.html("zh-hant/a/")
    assert [a.attributes["href"] for a in page.css(".body a")] == ["/zh-hant/b/", "/zh-hant/c/#part", "/zh-hant/b/"]
    assert [a.attributes["href"] for a in site.html("zh-hans/c/").css(".body a")] == ["/zh-hans/b/"]


def test_ambiguous_link_is_an_error_listing_candidates(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={
        "a.md": "---\ntitle: 甲\ndate: 2026-01-01\n---\n\n看 [这里](018.md)\n",
        "018_one.md": "---\ntitle: 一\ndate: 2026-01-01\n---\n一\n",
        "018_two.md": "---\ntitle: 二\ndate: 2026-01-01\n---\n二\n",
    })
    run = site.build()
    assert run.exit_code == 2
    assert "a.md:6: ambiguous link 018.md: it could be 018_one.md, 018_two.md" in run.stderr


def test_links_that_are_not_content_files_are_left_alone(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={
        "a.md": "---\ntitle: 甲\ndate: 2026-01-01\n---\n"
                "[外部](https://example.com/x.md) [锚](#top) [图](/static/files/a.pdf)\n",
    })
    # The PDF is a file the site publishes (the build fails on links to files it did not write).
    (site.root / "static/files").mkdir(parents=True)
    (site.root / "static/files/a.pdf").write_bytes(b"%PDF-1.4\n")
    assert site.build("--strict").exit_code == 0
    hrefs = [a.attributes["href"] for a in site.html("zh-hant/a/").css(".body a")]
    assert hrefs == ["https://example.com/x.md", "#top", "/static/files/a.pdf"]

"""Pages, URLs and settings: what a reader and a crawler find on the site."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import unquote, urlsplit

from conftest import Site, make_site, text_of


def _article(n: int, **extra: str) -> str:
    fields = "".join(f"{k}: {v}\n" for k, v in extra.items())
    return f"---\ntitle: 第{n}篇新闻\ndate: 2026-01-{n:02d} 08:00:00\n{fields}---\n第{n}篇的正文。\n"


def _internal_refs(site: Site) -> list[tuple[str, str]]:
    refs = []
    for page in sorted(site.out.rglob("*.html")):
        tree = site.html(page.relative_to(site.out).as_posix())
        for node in tree.css("[href], [src]"):
            value = node.attributes.get("href") or node.attributes.get("src") or ""
            if value.startswith("/"):
                refs.append((page.relative_to(site.out).as_posix(), value))
    return refs


def test_base_url_sub_path_every_internal_link_resolves(demo: Site) -> None:
    run = demo.build("--base-url", "https://user.github.io/repo/")
    assert run.exit_code == 0, run.stderr
    refs = _internal_refs(demo)
    assert len(refs) > 100
    for page, ref in refs:
        path = unquote(urlsplit(ref).path)
        assert path.startswith("/repo/"), (page, ref)
        target = demo.out / path.removeprefix("/repo/")
        assert (target / "index.html" if path.endswith("/") else target).is_file(), (page, ref)
    canonical = demo.html("zh-hant/").css_first('link[rel="canonical"]').attributes["href"]
    assert canonical == "https://user.github.io/repo/zh-hant/"


def test_pagination(tmp_path: Path) -> None:
    articles = {f"{n}.md": _article(n, tags="[同一标签]") for n in range(1, 6)}
    site = make_site(tmp_path / "s", "page_size = 2\n", articles)
    assert site.build().exit_code == 0
    pages = [site.html("zh-hans/"), site.html("zh-hans/page/2/"), site.html("zh-hans/page/3/")]
    titles = [[a.text() for a in p.css("main h2 a")] for p in pages]
    assert titles == [["第5篇新闻", "第4篇新闻"], ["第3篇新闻", "第2篇新闻"], ["第1篇新闻"]]
    assert pages[0].css_first('a[rel="next"]').attributes["href"] == "/zh-hans/page/2/"
    assert pages[1].css_first('a[rel="prev"]').attributes["href"] == "/zh-hans/"
    assert not (site.out / "zh-hans" / "page" / "4").exists()
    assert (site.out / "zh-hant" / "tags" / "同一标签" / "page" / "3" / "index.html").is_file()
    switch = site.html("zh-hans/page/2/").css_first('.edition-switch a[data-edition="zh-hant"]')
    assert switch.attributes["href"] == "/zh-hant/page/2/"


def test_drafts_are_left_out(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={"a.md": _article(1), "b.md": _article(2, draft="true")})
    assert site.build().exit_code == 0
    assert (site.out / "zh-hans" / "a").is_dir()
    assert not (site.out / "zh-hans" / "b").exists()


def test_categories_nest_and_sources_fall_back_to_the_domain(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={
        "a.md": _article(1, categories="[科技, 人工智能]", source_url="https://www.reuters.com/x"),
        "b.md": _article(2, categories="科技", source="彭博社", source_url="https://bloomberg.com/y"),
    })
    assert site.build().exit_code == 0
    assert (site.out / "zh-hant" / "categories" / "科技" / "人工智能" / "index.html").is_file()
    tech = [a.text() for a in site.html("zh-hant/categories/科技/").css("main h2 a")]
    assert tech == ["第2篇新聞", "第1篇新聞"]
    sources = {a.text() for a in site.html("zh-hant/sources/").css("ul.terms a")}
    assert sources == {"reuters.com", "彭博社"}
    crumbs = [a.text() for a in site.html("zh-hant/a/").css(".categories a")]
    assert crumbs == ["科技", "人工智慧"]


def test_timezone_setting_applies_to_naive_dates(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", 'timezone = "America/New_York"\n', {"a.md": _article(15)})
    assert site.build().exit_code == 0
    time = site.html("zh-hans/a/").css_first("article time")
    assert time.attributes["datetime"] == "2026-01-15T08:00:00-05:00"
    assert time.text() == "2026年1月15日"


def test_date_forms(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={
        "a.md": "---\ntitle: 甲\ndate: 2026-02-10T09:00:00+00:00\n---\n甲\n",
        "b.md": "---\ntitle: 乙\ndate: 2026-02-11\n---\n乙\n",
        "c.md": "---\ntitle: 丙\ndate: '2026-02-12 09:30'\n---\n丙\n",
    })
    assert site.build("--strict").exit_code == 0
    stamps = [site.html(f"zh-hans/{s}/").css_first("article time").attributes["datetime"] for s in "abc"]
    assert stamps == ["2026-02-10T09:00:00+00:00", "2026-02-11T00:00:00+08:00", "2026-02-12T09:30:00+08:00"]


def test_unknown_front_matter_keys_reach_templates_and_are_escaped(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={"a.md": _article(1, subtitle="'<b>副标题</b>'")})
    (site.root / "templates").mkdir()
    (site.root / "templates" / "article.html").write_text(
        '{% extends "base.html" %}{% block main %}<p class="sub">{{ article.meta.subtitle }}</p>'
        "{{ body | safe }}{% endblock %}", encoding="utf-8")
    assert site.build().exit_code == 0
    page = site.html("zh-hans/a/")
    assert text_of(page, "p.sub") == "<b>副标题</b>"
    assert not page.css("p.sub b")


def test_static_files_are_copied(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={"a.md": _article(1)})
    (site.root / "static" / "img").mkdir(parents=True)
    (site.root / "static" / "img" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    assert site.build().exit_code == 0
    assert (site.out / "static" / "img" / "logo.svg").read_text() == "<svg/>"
    assert (site.out / "static" / "style.css").is_file()


def test_character_count_and_reading_time(tmp_path: Path) -> None:
    text = "---\ntitle: 计数\ndate: 2026-01-01\n---\n你好世界，hello world。\n\n`code` 不算吗\n"
    site = make_site(tmp_path / "s", files={"a.md": text})
    assert site.build().exit_code == 0
    page = site.html("zh-hans/a/")
    # 你好世界 + 不算吗 = 7 CJK characters; hello, world, code = 3 Latin words.
    assert text_of(page, ".char-count") == "10"
    assert text_of(page, ".reading-time") == "1"


def test_two_builds_are_byte_identical(demo: Site, tmp_path: Path) -> None:
    def digest(out: Path) -> dict[str, str]:
        return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(out.rglob("*")) if p.is_file()}

    assert demo.build("--out", str(tmp_path / "one")).exit_code == 0
    assert demo.build("--out", str(tmp_path / "two")).exit_code == 0
    assert digest(tmp_path / "one") == digest(tmp_path / "two")

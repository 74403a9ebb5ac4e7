"""sitemap.xml and robots.txt as a crawler reads them."""

from __future__ import annotations

from urllib.parse import quote

from conftest import Site, make_site
from lxml import etree

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def urls_of(site: Site) -> dict[str, etree._Element]:
    tree = etree.parse(str(site.out / "sitemap.xml"))
    return {u.findtext("s:loc", namespaces=NS): u for u in tree.getroot().findall("s:url", NS)}


def test_sitemap_lists_every_page_of_every_edition_but_404s(built_demo: Site) -> None:
    listed = urls_of(built_demo)
    base = "http://localhost:8000/"
    pages = {base + quote(p.relative_to(built_demo.out).as_posix().removesuffix("index.html"))
             for p in built_demo.out.glob("zh-han*/**/*.html") if p.name != "404.html"}
    assert set(listed) == pages
    assert base + "zh-hant/tags/ai/" in listed


def test_each_url_names_its_twins_and_x_default(built_demo: Site) -> None:
    for loc, url in urls_of(built_demo).items():
        links = {a.get("hreflang"): a.get("href") for a in url.findall("x:link", NS)}
        path = loc.split("/zh-han", 1)[1][2:]
        assert links == {
            "zh-Hans": f"http://localhost:8000/zh-hans/{path}",
            "zh-Hant": f"http://localhost:8000/zh-hant/{path}",
            "x-default": f"http://localhost:8000/zh-hans/{path}",
        }, loc


def test_lastmod_comes_from_updated_else_date(tmp_path) -> None:
    site = make_site(tmp_path / "s", 'base_url = "https://x.org/r/"\n', {
        "a.md": "---\ntitle: 甲\ndate: 2026-01-01 08:00:00\nupdated: 2026-02-01 09:30:00\n---\n正文。\n",
        "b.md": "---\ntitle: 乙\ndate: 2026-01-15 08:00:00\n---\n正文。\n",
    })
    assert site.build().exit_code == 0
    listed = urls_of(site)
    assert listed["https://x.org/r/zh-hant/a/"].findtext("s:lastmod", namespaces=NS) == "2026-02-01T09:30:00+08:00"
    assert listed["https://x.org/r/zh-hans/b/"].findtext("s:lastmod", namespaces=NS) == "2026-01-15T08:00:00+08:00"
    # A list page changed when the newest change among its articles was made.
    assert listed["https://x.org/r/zh-hans/"].findtext("s:lastmod", namespaces=NS) == "2026-02-01T09:30:00+08:00"


def test_robots_txt_points_to_the_sitemap(tmp_path) -> None:
    site = make_site(tmp_path / "s", 'base_url = "https://x.org/r/"\n', {"a.md": "---\ntitle: 甲\n---\n正文。\n"})
    assert site.build().exit_code == 0
    lines = (site.out / "robots.txt").read_text().splitlines()
    assert "User-agent: *" in lines
    assert "Sitemap: https://x.org/r/sitemap.xml" in lines

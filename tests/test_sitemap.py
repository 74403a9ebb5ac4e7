"""sitemap.xml and robots.txt as a crawler reads them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from conftest import Site, make_site
from lxml import etree
from test_incremental import FILES, Live, article

from sitegen import sitemap as sitemap_module

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


def sitemap_index(out: Path, base: str) -> list[tuple[str, etree._Element]]:
    """The files sitemap.xml names as a sitemap index, parsed, after checking it is one."""
    index = etree.parse(str(out / "sitemap.xml")).getroot()
    assert index.tag == f"{{{NS['s']}}}sitemapindex"
    files = []
    for entry in index.findall("s:sitemap", NS):
        loc = entry.findtext("s:loc", namespaces=NS)
        assert loc.startswith(base)
        files.append((loc, etree.parse(str(out / loc.removeprefix(base))).getroot()))
    return files


def listed_pages(out: Path, base: str) -> list[str]:
    return sorted(base + quote(p.relative_to(out).as_posix().removesuffix("index.html"))
                  for p in out.glob("zh-han*/**/*.html") if p.name != "404.html")


def sitemap_names(out: Path) -> list[str]:
    return sorted(p.name for p in out.glob("sitemap*"))


def test_past_50000_urls_sitemap_xml_is_an_index_of_files_holding_each_url_once(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(sitemap_module, "MAX_URLS", 10)  # the protocol's 50,000, scaled down
    base = "https://x.org/r/"
    site = make_site(tmp_path / "s", f'base_url = "{base}"\nsearch = false\n', demo=True)
    assert site.build().exit_code == 0
    files = sitemap_index(site.out, base)
    assert [loc for loc, _ in files] == [f"{base}sitemap-{n}.xml" for n in range(1, len(files) + 1)]
    assert len(files) >= 3
    found = []
    for _, urlset in files:
        assert urlset.tag == f"{{{NS['s']}}}urlset"
        urls = urlset.findall("s:url", NS)
        assert 1 <= len(urls) <= 10
        found += [u.findtext("s:loc", namespaces=NS) for u in urls]
    assert sorted(found) == listed_pages(site.out, base)  # each page once
    # The index gives each file the newest lastmod among its URLs.
    index = etree.parse(str(site.out / "sitemap.xml")).getroot()
    for entry, (_, urlset) in zip(index.findall("s:sitemap", NS), files, strict=True):
        dates = [d.text for d in urlset.iterfind("s:url/s:lastmod", NS)]
        assert entry.findtext("s:lastmod", namespaces=NS) == (max(dates, key=datetime.fromisoformat) if dates else None)
    assert f"Sitemap: {base}sitemap.xml" in (site.out / "robots.txt").read_text().splitlines()


def test_past_50_mb_a_sitemap_file_is_cut_too(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(sitemap_module, "MAX_BYTES", 4000)  # the protocol's 50 MB, scaled down
    base = "https://x.org/"
    site = make_site(tmp_path / "s", f'base_url = "{base}"\nsearch = false\n', demo=True)
    assert site.build().exit_code == 0
    files = sitemap_index(site.out, base)
    assert len(files) >= 2
    for loc, _ in files:
        assert len((site.out / loc.removeprefix(base)).read_bytes()) <= 4000
    assert sorted(u.findtext("s:loc", namespaces=NS) for _, f in files for u in f.findall("s:url", NS)) == \
        listed_pages(site.out, base)


def test_a_site_that_shrinks_back_under_the_limit_loses_its_extra_sitemap_files(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(sitemap_module, "MAX_URLS", 30)
    base = "http://localhost:8000/"
    site = make_site(tmp_path / "s", "search = false\n", {
        f"{n}.md": f"---\ntitle: 文章{n}\ndate: 2026-01-{n + 1:02d} 08:00:00\n---\n正文。\n" for n in range(12)})
    assert site.build().exit_code == 0
    assert len(sitemap_index(site.out, base)) >= 2
    # A build that reuses the cache, with fewer pages than one file holds.
    for n in range(2, 12):
        (site.root / "content" / f"{n}.md").unlink()
    assert site.build().exit_code == 0
    assert etree.parse(str(site.out / "sitemap.xml")).getroot().tag == f"{{{NS['s']}}}urlset"
    assert sorted(urls_of(site)) == listed_pages(site.out, base)
    assert sitemap_names(site.out) == ["sitemap.xml"]


def test_serve_keeps_cuts_and_drops_sitemap_files_as_a_full_build_makes_them(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(sitemap_module, "MAX_URLS", 10)
    site = make_site(tmp_path / "s", files=FILES)
    live = Live(site, tmp_path)
    live.build()
    first = sitemap_names(live.out)
    assert len(sitemap_index(live.out, "http://localhost:8000/")) >= 2
    live.assert_same_as_full_build()
    # A body edit: the sitemap files are the very files written before.
    before = {p.name: p.stat().st_ino for p in live.out.glob("sitemap*")}
    site.write("c.md", article("第三篇文章", "2026-01-03 09:00:00", "市场上的新闻，更新。", "[市场]"))
    live.build()
    assert {p.name: p.stat().st_ino for p in live.out.glob("sitemap*")} == before
    live.assert_same_as_full_build()
    # More articles, more files; the same articles as at first, the same files again.
    added = [f"n{n}.md" for n in range(6, 12)]
    for n, name in enumerate(added, 6):
        site.write(name, article(f"文章{n}", f"2026-02-{n:02d} 09:00:00", "新的报道。"))
    live.build()
    assert len(sitemap_names(live.out)) > len(first)
    live.assert_same_as_full_build()
    for name in added:
        (site.root / "content" / name).unlink()
    live.build()
    assert sitemap_names(live.out) == first
    live.assert_same_as_full_build()

"""Feeds as a feed reader sees them: Atom per edition, tag and source, JSON Feed beside each."""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
from conftest import Site, make_site
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339_WITH_ZONE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
BASE = "https://news.example.org/repo/"


def atom_files(site: Site) -> list[Path]:
    return sorted(site.out.rglob("atom.xml"))


def article(title: str, date: str, tags: str = "[AI]", body: str = "正文第一段。", extra: str = "") -> str:
    return f"---\ntitle: {title}\ndate: {date}\ntags: {tags}\n{extra}---\n\n{body}\n"


def test_every_atom_feed_parses_without_bozo(built_demo: Site) -> None:
    feeds = atom_files(built_demo)
    # The edition feeds, then one per tag (5) and per source (1), in each of the two editions.
    assert len(feeds) == 2 * (1 + 5 + 1)
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version == "atom10"
        assert parsed.entries, path


def test_atom_feeds_have_what_rfc_4287_requires(built_demo: Site) -> None:
    """feedparser accepts feeds missing required elements, so check them by hand (RFC 4287 4.1)."""
    for path in atom_files(built_demo):
        feed = etree.parse(str(path)).getroot()
        assert feed.tag == f"{ATOM}feed"
        for name in ("id", "title", "updated"):
            assert len(feed.findall(f"{ATOM}{name}")) == 1, (path, name)
        assert RFC3339_WITH_ZONE.match(feed.findtext(f"{ATOM}updated")), path
        self_links = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
        assert len(self_links) == 1 and self_links[0].get("href", "").startswith("http"), path
        assert feed.find(f"{ATOM}author/{ATOM}name") is not None, path  # so no entry lacks an author
        for entry in feed.findall(f"{ATOM}entry"):
            for name in ("id", "title", "updated"):
                assert len(entry.findall(f"{ATOM}{name}")) == 1, (path, name)
            assert entry.findtext(f"{ATOM}id").startswith("http")
            assert RFC3339_WITH_ZONE.match(entry.findtext(f"{ATOM}updated"))
            assert RFC3339_WITH_ZONE.match(entry.findtext(f"{ATOM}published"))
            alternates = [link for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate"]
            assert len(alternates) == 1 and alternates[0].get("href").startswith("http")


def test_edition_feed_is_in_the_editions_script_with_full_text(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", f'base_url = "{BASE}"\n', {
        "a.md": article("软件开发", "2026-03-01 08:00:00", "[人工智能]",
                        "这是第一段。\n\n第二段写到了[另一篇](b.md)。",
                        "author: 张三\nsource_url: https://example.com/story\n"),
        "b.md": article("另一篇", "2026-02-01 08:00:00", "[人工智能]", "较早的文章。"),
    })
    assert site.build().exit_code == 0
    parsed = feedparser.parse((site.out / "zh-hant/feeds/atom.xml").read_bytes())
    assert not parsed.bozo
    assert parsed.feed.language == "zh-Hant"
    assert parsed.feed.link == BASE + "zh-hant/"
    newest = parsed.entries[0]
    assert newest.title == "軟體開發"
    assert newest.link == BASE + "zh-hant/a/"
    assert newest.published == "2026-03-01T08:00:00+08:00"
    assert newest.author == "張三"
    assert [t.term for t in newest.tags] == ["人工智慧"]
    body = newest.content[0].value
    assert "這是第一段。" in body and "第二段寫到了" in body
    # Links between articles are absolute: a feed reader shows the entry outside the site.
    assert f'href="{BASE}zh-hant/b/"' in body
    assert any(link.rel == "via" and link.href == "https://example.com/story" for link in newest.links)
    assert [e.title for e in parsed.entries] == ["軟體開發", "另一篇"]


def test_markup_characters_from_front_matter_reach_the_atom_feed_as_text(tmp_path: Path) -> None:
    """Atom is written as text (feeds.atom): every value must come out escaped, in elements and
    in attributes alike, so that an XML parser reads back exactly what the front-matter says."""
    site = make_site(tmp_path / "s", "", {
        "a.md": article("AT&T <与> 英特尔", "2026-03-01 08:00:00", '[R&D, \'<b class="x">\']', "正文 a<b & c>d。",
                        'summary: "摘要 <i>x</i> & y"\nsource_url: "https://example.com/?a=1&b=2"\n'),
    })
    assert site.build().exit_code == 0
    feed = etree.parse(str(site.out / "zh-hans/feeds/atom.xml")).getroot()
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "AT&T <与> 英特尔"
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["R&D", '<b class="x">']
    assert entry.findtext(f"{ATOM}summary") == "摘要 <i>x</i> & y"
    assert [link.get("href") for link in entry.findall(f"{ATOM}link") if link.get("rel") == "via"] == [
        "https://example.com/?a=1&b=2"]
    # The body is HTML carried as text: its own escaping survives one level down.
    assert "a&lt;b &amp; c&gt;d" in entry.findtext(f"{ATOM}content")


def test_feeds_carry_the_newest_articles_up_to_feed_size(tmp_path: Path) -> None:
    files = {f"n{i}.md": article(f"第{i}篇", f"2026-01-{i + 1:02d} 08:00:00") for i in range(5)}
    site = make_site(tmp_path / "s", "feed_size = 3\n", files)
    assert site.build().exit_code == 0
    parsed = feedparser.parse((site.out / "zh-hans/feeds/atom.xml").read_bytes())
    assert [e.title for e in parsed.entries] == ["第4篇", "第3篇", "第2篇"]
    data = json.loads((site.out / "zh-hans/feeds/feed.json").read_text(encoding="utf-8"))
    assert [i["title"] for i in data["items"]] == ["第4篇", "第3篇", "第2篇"]


def test_tag_and_source_feeds_hold_only_their_articles(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", "", {
        "a.md": article("甲", "2026-03-01 08:00:00", "[芯片]", extra="source: 路透社\n"),
        "b.md": article("乙", "2026-03-02 08:00:00", "[软件]"),
    })
    assert site.build().exit_code == 0
    tag = site.html("zh-hans/tags/").css_first('a[href*="/tags/"][href$="/"]:not([aria-current])')
    assert tag is not None
    chip_feed = feedparser.parse((site.out / "zh-hans/tags/芯片/atom.xml").read_bytes())
    assert [e.title for e in chip_feed.entries] == ["甲"]
    source_feed = feedparser.parse((site.out / "zh-hant/sources/路透社/atom.xml").read_bytes())
    assert [e.title for e in source_feed.entries] == ["甲"]
    assert source_feed.feed.title.startswith("路透社")


def test_json_feed_1_1_beside_each_atom_feed(built_demo: Site) -> None:
    for atom in atom_files(built_demo):
        path = atom.with_name("feed.json")
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["version"] == "https://jsonfeed.org/version/1.1"
        assert data["title"] and data["items"]
        assert data["language"] in ("zh-Hans", "zh-Hant")
        # feed_url is where the file really is.
        rel = data["feed_url"].split("/", 3)[3]
        assert (built_demo.out / rel).resolve() == path.resolve()
        for item in data["items"]:
            assert item["id"] and item["url"].startswith("http")
            assert item["content_html"]
            assert RFC3339_WITH_ZONE.match(item["date_published"])
            assert RFC3339_WITH_ZONE.match(item["date_modified"])


def test_every_page_links_its_editions_feeds_in_head(built_demo: Site) -> None:
    for prefix in ("zh-hans", "zh-hant"):
        for page in (built_demo.out / prefix).rglob("*.html"):
            tree = built_demo.html(page.relative_to(built_demo.out).as_posix())
            hrefs = {n.attributes["type"]: n.attributes["href"]
                     for n in tree.css('head link[rel="alternate"][type]')
                     if n.attributes["href"].endswith(f"/{prefix}/feeds/atom.xml")
                     or n.attributes["href"].endswith(f"/{prefix}/feeds/feed.json")}
            assert hrefs == {"application/atom+xml": f"/{prefix}/feeds/atom.xml",
                             "application/feed+json": f"/{prefix}/feeds/feed.json"}, page


def test_tag_and_source_pages_link_their_own_feed(built_demo: Site) -> None:
    tree = built_demo.html("zh-hant/tags/ai/")
    head = [n.attributes["href"] for n in tree.css('head link[type="application/atom+xml"]')]
    assert head[0] == "/zh-hant/tags/ai/atom.xml"
    visible = [n.attributes["href"] for n in tree.css(".subscribe a")]
    assert visible == ["/zh-hant/tags/ai/atom.xml", "/zh-hant/tags/ai/feed.json"]
    source = built_demo.html("zh-hans/sources/techcrunch-com/")
    assert source.css_first('head link[href="/zh-hans/sources/techcrunch-com/feed.json"]') is not None
    home = built_demo.html("zh-hans/")
    assert [n.attributes["href"] for n in home.css(".subscribe a")] == [
        "/zh-hans/feeds/atom.xml", "/zh-hans/feeds/feed.json"]

"""What search engines and link previews read from a page's <head>."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Site, make_site

BASE = "https://user.github.io/repo/"


def meta(tree, selector: str) -> str:
    node = tree.css_first(selector)
    assert node is not None, f"nothing matches {selector!r}"
    return node.attributes["content"]


def json_ld(tree) -> dict:
    scripts = tree.css('script[type="application/ld+json"]')
    assert len(scripts) == 1
    return json.loads(scripts[0].text())


def news_site(tmp_path: Path, body: str, front: str = "") -> Site:
    site = make_site(tmp_path / "s", f'base_url = "{BASE}"\nsummary_length = 30\npublisher = "硅谷日报"\n', {
        "story.md": f"---\ntitle: 软件新闻\ndate: 2026-03-01 08:30:00\nupdated: 2026-03-02 10:00:00\n"
                    f"author: 李四\ntags: [芯片]\ncategories: [科技]\n{front}---\n\n{body}\n",
    })
    assert site.build().exit_code == 0
    return site


def test_description_is_the_summary_when_given(tmp_path: Path) -> None:
    site = news_site(tmp_path, "正文。", front="summary: 一句话摘要。\n")
    tree = site.html("zh-hant/story/")
    assert meta(tree, 'meta[name="description"]') == "一句話摘要。"
    assert meta(tree, 'meta[property="og:description"]') == "一句話摘要。"
    assert meta(tree, 'meta[name="twitter:description"]') == "一句話摘要。"


def test_description_is_the_opening_cut_at_a_sentence_end(tmp_path: Path) -> None:
    body = "第一句话很短。第二句话也不长。第三句话会让开头超过三十个字的限制而被整句去掉。"
    site = news_site(tmp_path, body)
    assert meta(site.html("zh-hans/story/"), 'meta[name="description"]') == "第一句话很短。第二句话也不长。"


def test_open_graph_and_twitter_card(tmp_path: Path) -> None:
    tree = news_site(tmp_path, "正文。").html("zh-hant/story/")
    assert meta(tree, 'meta[property="og:type"]') == "article"
    assert meta(tree, 'meta[property="og:title"]') == "軟體新聞"
    assert meta(tree, 'meta[property="og:url"]') == BASE + "zh-hant/story/"
    assert meta(tree, 'meta[property="og:locale"]') == "zh_TW"
    assert meta(tree, 'meta[property="og:locale:alternate"]') == "zh_CN"
    assert meta(tree, 'meta[property="article:published_time"]') == "2026-03-01T08:30:00+08:00"
    assert meta(tree, 'meta[property="article:modified_time"]') == "2026-03-02T10:00:00+08:00"
    assert meta(tree, 'meta[name="twitter:card"]') == "summary"
    assert meta(tree, 'meta[name="twitter:title"]') == "軟體新聞"


def test_news_article_json_ld(tmp_path: Path) -> None:
    site = news_site(tmp_path, "正文。", front="source_url: https://www.reuters.com/tech/story\n")
    data = json_ld(site.html("zh-hant/story/"))
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "軟體新聞"
    assert data["datePublished"] == "2026-03-01T08:30:00+08:00"
    assert data["dateModified"] == "2026-03-02T10:00:00+08:00"
    assert data["inLanguage"] == "zh-Hant"
    assert data["author"] == [{"@type": "Person", "name": "李四", "url": BASE + "zh-hant/authors/%E6%9D%8E%E5%9B%9B/"}]
    assert data["publisher"]["name"] == "矽谷日報"
    assert data["isBasedOn"] == "https://www.reuters.com/tech/story"
    assert data["mainEntityOfPage"]["@id"] == BASE + "zh-hant/story/"
    assert json_ld(site.html("zh-hans/story/"))["inLanguage"] == "zh-Hans"


def test_json_ld_without_a_source_has_no_is_based_on(tmp_path: Path) -> None:
    assert "isBasedOn" not in json_ld(news_site(tmp_path, "正文。").html("zh-hans/story/"))


def test_json_ld_cannot_break_out_of_its_script(tmp_path: Path) -> None:
    title = "</script><script>alert(1)</script> & <!-- x"
    site = make_site(tmp_path / "s", "", {
        "x.md": f"---\ntitle: '{title}'\ndate: 2026-03-01\n---\n\n正文。\n",
    })
    assert site.build().exit_code == 0
    html = (site.out / "zh-hans/x/index.html").read_text(encoding="utf-8")
    start = html.index('<script type="application/ld+json">')
    script = html[start:html.index("</script>", start)]
    assert "<" not in script[1:] and "&" not in script
    assert json_ld(site.html("zh-hans/x/"))["headline"] == title
    # The JSON-LD is the only inline script (the theme's site.js is loaded from a file).
    assert len(site.html("zh-hans/x/").css("script:not([src])")) == 1


def test_canonical_and_hreflang_are_absolute_under_the_base_path(tmp_path: Path) -> None:
    tree = news_site(tmp_path, "正文。").html("zh-hans/tags/芯片/")
    assert tree.css_first('link[rel="canonical"]').attributes["href"] == BASE + "zh-hans/tags/%E8%8A%AF%E7%89%87/"
    hreflang = {n.attributes["hreflang"]: n.attributes["href"] for n in tree.css("head link[hreflang]")}
    assert hreflang == {
        "zh-Hans": BASE + "zh-hans/tags/%E8%8A%AF%E7%89%87/",
        "zh-Hant": BASE + "zh-hant/tags/%E8%8A%AF%E7%89%87/",
        "x-default": BASE + "zh-hans/tags/%E8%8A%AF%E7%89%87/",
    }


def test_every_page_has_a_favicon_that_exists_and_a_theme_color(built_demo: Site) -> None:
    for page in built_demo.out.rglob("*.html"):
        tree = built_demo.html(page.relative_to(built_demo.out).as_posix())
        icons = [n.attributes["href"] for n in tree.css('head link[rel="icon"]')]
        assert icons == ["/static/favicon.svg", "/favicon.ico"], page
        assert tree.css_first('meta[name="theme-color"]').attributes["content"] == "#b3261e"
    assert (built_demo.out / "static/favicon.svg").read_text().startswith("<svg")
    assert (built_demo.out / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"


def test_json_ld_is_a_string_to_templates(tmp_path: Path) -> None:
    # The page's JSON-LD is made only when a template uses it, and then it is the text in every way.
    site = make_site(tmp_path / "s", f'base_url = "{BASE}"\n', {
        "story.md": "---\ntitle: 软件新闻\ndate: 2026-03-01\n---\n\n正文。\n",
    })
    (site.root / "templates").mkdir()
    (site.root / "templates" / "article.html").write_text((
        '<!doctype html><html><head><title>x</title><script type="application/ld+json">{{ json_ld | safe }}'
        '</script></head><body><p id="length">{{ json_ld | length }}</p><p id="upper">{{ json_ld | upper }}</p>'
        '<p id="slice">{{ json_ld[:9] }}</p>{% if json_ld and "NewsArticle" in json_ld %}<p id="has">yes</p>'
        '{% endif %}</body></html>'), encoding="utf-8")
    run = site.build()
    assert run.exit_code == 0, run.stderr
    tree = site.html("zh-hant/story/")
    text = tree.css_first('script[type="application/ld+json"]').text()
    assert json.loads(text)["headline"] == "軟體新聞"
    assert tree.css_first("#length").text() == str(len(text))
    assert tree.css_first("#upper").text() == text.upper()
    assert tree.css_first("#slice").text() == '{"@contex'
    assert tree.css_first("#has").text() == "yes"

"""Hexo, Hugo and Jekyll blogs (tests/fixtures/*-blog) build as they are, old URLs included."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import Site, make_site, text_of

FIXTURES = Path(__file__).parent / "fixtures"


def built(tmp_path_factory: pytest.TempPathFactory, name: str) -> tuple[Site, str]:
    root = tmp_path_factory.mktemp(name) / name
    shutil.copytree(FIXTURES / name, root)
    site = Site(root)
    run = site.build()
    assert run.exit_code == 0, run.stderr
    return site, run.stderr


@pytest.fixture(scope="module")
def hexo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, str]:
    return built(tmp_path_factory, "hexo-blog")


@pytest.fixture(scope="module")
def hugo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, str]:
    return built(tmp_path_factory, "hugo-blog")


@pytest.fixture(scope="module")
def jekyll(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, str]:
    return built(tmp_path_factory, "jekyll-blog")


HELLO = "zh-hans/2022/02/25/hello-world/"


# -- Hexo ---------------------------------------------------------------------------------------

def test_hexo_front_matter_without_opening_fence_and_with_tab_indented_lists(hexo: tuple[Site, str]) -> None:
    site, _ = hexo
    page = site.html(HELLO)
    assert text_of(page, "article h1") == "你好，世界"
    assert [a.text() for a in page.css("ul.tags a")] == ["随笔", "Hexo"]
    assert page.css_first("time").attributes["datetime"] == "2022-02-25T10:00:00+08:00"
    # A flat list of categories is one nested path, as in Hexo.
    assert [a.text() for a in page.css("p.categories a")] == ["技术", "人工智能"]
    assert [a.text() for a in page.css("a[rel=author]")] == ["张三"]
    # Nothing of the front-matter leaks into the body.
    assert "comments" not in text_of(page, ".body")


def test_hexo_json_front_matter_singular_category_and_string_tag(hexo: tuple[Site, str]) -> None:
    page = hexo[0].html("zh-hans/2022/03/01/second-post/")
    assert text_of(page, "article h1") == "第二篇"
    assert [a.text() for a in page.css("ul.tags a")] == ["单个标签"]
    assert [a.text() for a in page.css("p.categories a")] == ["生活"]
    assert text_of(page, ".body").strip().startswith("JSON 写的前言。")


def test_hexo_timestamp_date_author_list_null_tags(hexo: tuple[Site, str]) -> None:
    page = hexo[0].html("zh-hans/2022/03/01/时间 戳 (副本)/")
    # 1646100000 is 2022-03-01 10:00 in Shanghai.
    assert page.css_first("time").attributes["datetime"] == "2022-03-01T10:00:00+08:00"
    assert [a.text() for a in page.css("a[rel=author]")] == ["李四", "王五"]
    assert page.css("ul.tags") == []
    assert text_of(page, "article h1") == "时间戳\u00a0文章"


def test_hexo_file_with_bom_crlf_special_spaces_and_no_final_newline(hexo: tuple[Site, str]) -> None:
    page = hexo[0].html("zh-hans/2022/03/01/时间 戳 (副本)/")
    body = text_of(page, ".body")
    assert "第一行\u3000全角空格，第二句\u2028换行分隔符。" in body
    assert body.rstrip().endswith("最后一行没有换行")
    assert "\r" not in page.html
    # A fence of four backticks keeps the three-backtick fence inside it, byte for byte.
    code = text_of(page, "pre code")
    assert code == '```python\nprint("`反引号` 不变 https://example.com/a_b?c=1")\n```\n'
    assert text_of(page, ".body p:last-child code") == "含 ` 反引号"


def test_hexo_post_link_tags_resolve_in_each_edition(hexo: tuple[Site, str]) -> None:
    site, _ = hexo
    links = {a.text(): a.attributes["href"] for a in site.html(HELLO).css(".body a")}
    assert links["第二篇"] == "/zh-hans/2022/03/01/second-post/"  # no text: the linked title
    assert links["第二篇文章"] == "/zh-hans/2022/03/01/second-post/"
    hant = {a.text(): a.attributes["href"] for a in site.html(HELLO.replace("hans", "hant")).css(".body a")}
    assert hant["第二篇文章"] == "/zh-hant/2022/03/01/second-post/"


def test_hexo_asset_img_is_copied_beside_the_page(hexo: tuple[Site, str]) -> None:
    site, _ = hexo
    img = site.html(HELLO).css_first(".body img")
    assert img.attributes["src"] == "diagram.png" and img.attributes["alt"] == "示意图"
    original = FIXTURES / "hexo-blog/content/_posts/hello-world/diagram.png"
    for prefix in ("zh-hans", "zh-hant"):
        assert (site.out / prefix / "2022/02/25/hello-world/diagram.png").read_bytes() == original.read_bytes()


def test_other_tags_are_reported_once_each_and_left_visible(hexo: tuple[Site, str]) -> None:
    site, stderr = hexo
    assert "{% youtube abc123 %} 和 {% youtube def456 %}" in text_of(site.html(HELLO), ".body")
    assert "{% pullquote %}引用{% endpullquote %}" in text_of(site.html(HELLO), ".body")
    youtube = [line for line in stderr.splitlines() if "'youtube'" in line]
    assert len(youtube) == 1
    assert "content/_posts/hello-world.md:20: unsupported tag 'youtube'" in youtube[0]
    assert "'endpullquote'" not in stderr


def test_more_marker_makes_the_summary(hexo: tuple[Site, str]) -> None:
    home = hexo[0].html("zh-hans/")
    summaries = [n.text(strip=True) for n in home.css("article, li") if "你好，世界" in n.text()]
    assert any("这是摘要的第一段。" in s and "正文开始" not in s for s in summaries)
    assert "more" not in hexo[0].html(HELLO).html.split('class="body"')[1]


def test_published_false_is_a_draft(hexo: tuple[Site, str]) -> None:
    site, _ = hexo
    assert not any("未发布" in (site.out / f).read_text(encoding="utf-8", errors="replace")
                   for f in site.files() if f.endswith(".html"))


def test_same_file_name_in_two_folders(hexo: tuple[Site, str]) -> None:
    site, _ = hexo
    links = {a.text(): a.attributes["href"] for a in site.html(HELLO).css(".body a")}
    assert links["笔记"] == "/zh-hans/2022/01/02/notes/same-name/"
    assert links["日记"] == "/zh-hans/2022/01/03/diary/same-name/"
    assert text_of(site.html("zh-hans/2022/01/03/diary/same-name/"), "h1") == "日记里的同名文件"


def test_old_absolute_and_root_urls_link_to_the_article(hexo: tuple[Site, str]) -> None:
    links = {a.text(): a.attributes["href"] for a in hexo[0].html(HELLO).css(".body a")}
    assert links["旧地址"] == "/zh-hans/2022/03/01/second-post/"
    assert links["根路径"] == "/zh-hans/2022/03/01/second-post/"


def test_old_paths_and_aliases_redirect(hexo: tuple[Site, str]) -> None:
    site, _ = hexo
    for old in ("2022/03/01/second-post/", "archives/second/"):
        page = site.html(old)
        refresh = page.css_first('meta[http-equiv="refresh"]').attributes["content"]
        assert refresh == "0; url=/zh-hans/2022/03/01/second-post/"
        canonical = page.css_first('link[rel="canonical"]').attributes["href"]
        assert canonical == "https://new.example/zh-hans/2022/03/01/second-post/"


# -- Hugo ---------------------------------------------------------------------------------------

def test_hugo_toml_front_matter_and_unknown_keys(hugo: tuple[Site, str]) -> None:
    site, stderr = hugo
    page = site.html("zh-hans/posts/first/")
    assert text_of(page, "article h1") == "第一篇 Hugo 文章"
    assert page.css_first("time").attributes["datetime"] == "2021-05-01T08:00:00+08:00"
    assert [a.text() for a in page.css("ul.tags a")] == ["Go", "静态网站"]
    # Hugo's categories list is two categories, not one path.
    assert {a.text() for a in page.css("p.categories a")} == {"技术", "教程"}
    assert "weight" not in stderr and "params" not in stderr


def test_hugo_ref_and_relref(hugo: tuple[Site, str]) -> None:
    links = [(a.text(), a.attributes["href"]) for a in hugo[0].html("zh-hans/posts/first/").css(".body a")]
    # ref (shown as the title), relref, and the old site's URL; base_url has a path, every link carries it.
    assert links == [("第二篇", "/blog/zh-hans/custom/second/")] * 2 + [("旧", "/blog/zh-hans/custom/second/")]


def test_hugo_url_front_matter_and_aliases(hugo: tuple[Site, str]) -> None:
    site, _ = hugo
    page = site.html("zh-hant/custom/second/")
    assert [a.text() for a in page.css("a[rel=author]")] == ["甲", "乙"]
    refresh = site.html("old/first-post/").css_first('meta[http-equiv="refresh"]').attributes["content"]
    assert refresh == "0; url=/blog/zh-hans/posts/first/"


def test_hugo_draft_and_raw_html_and_script_links(hugo: tuple[Site, str]) -> None:
    site, _ = hugo
    assert not any("草稿" in (site.out / f).read_text(encoding="utf-8", errors="replace")
                   for f in site.files() if f.endswith(".html"))
    page = site.html("zh-hans/posts/first/")
    assert text_of(page, ".body div.note") == "作者信任的 HTML"
    hrefs = [a.attributes.get("href", "") for a in page.css("a")]
    assert not any(h.lower().startswith(("javascript:", "data:")) for h in hrefs)
    assert "javascript:" not in page.html.replace("[危险链接](javascript:alert(1))", "")


# -- Jekyll -------------------------------------------------------------------------------------

def test_jekyll_permalink_with_categories_and_output_ext(jekyll: tuple[Site, str]) -> None:
    site, _ = jekyll
    page = site.html("zh-hans/jekyll/update/2020/01/15/welcome.html")
    assert text_of(page, "article h1") == "Welcome to Jekyll!"
    # No date in the front-matter: the file name's, as Jekyll reads it.
    assert page.css_first("time").attributes["datetime"].startswith("2020-01-15T00:00:00")
    # "categories: jekyll update" and "tags: 欢迎 入门" are two names each, as Jekyll reads them.
    assert [a.text() for a in page.css(".categories a")] == ["jekyll", "update"]
    assert [a.text() for a in page.css(".tags a")] == ["欢迎", "入门"]


@pytest.mark.parametrize(("setting", "categories", "tags"), [
    ("nested", "分类：科技 新闻", ["人工 智能"]),  # Hexo: a string is one name
    ("separate", "分类：科技 新闻", ["人工 智能"]),  # Hugo: the same
    ("jekyll", "分类：科技，新闻", ["人工", "智能"]),  # Jekyll: names separated by spaces
])
def test_a_string_of_categories_or_tags_is_read_as_the_setting_says(tmp_path: Path, setting: str,
                                                                    categories: str, tags: list[str]) -> None:
    site = make_site(tmp_path / "s", f'category_lists = "{setting}"\n', {
        "a.md": "---\ntitle: 一\ndate: 2020-01-01\ncategories: 科技 新闻\ntags: 人工 智能\n---\n\n正文。\n",
        # The singular keys always name one: Jekyll reads "category: x y" as one category too.
        "b.md": "---\ntitle: 二\ndate: 2020-01-02\ncategory: 科技 新闻\ntag: 人工 智能\n---\n\n正文。\n",
    })
    assert site.build().exit_code == 0
    page = site.html("zh-hans/a/")
    assert text_of(page, ".categories") == categories  # paths are separated by "，", a path's levels by "›"
    assert [a.text() for a in page.css(".tags a")] == tags
    single = site.html("zh-hans/b/")
    assert text_of(single, ".categories") == "分类：科技 新闻"
    assert [a.text() for a in single.css(".tags a")] == ["人工 智能"]


def test_jekyll_post_url_and_link_tags(jekyll: tuple[Site, str]) -> None:
    site, _ = jekyll
    links = {a.text(): a.attributes["href"] for a in site.html("zh-hans/jekyll/update/2020/01/15/welcome.html")
             .css(".body a")}
    assert links["这里"] == links["这样"] == links["第二篇"] == "/zh-hans/jekyll/2020/02/01/second.html"
    back = site.html("zh-hant/jekyll/2020/02/01/second.html").css_first(".body a")
    assert back.text() == "Welcome to Jekyll!"
    assert back.attributes["href"] == "/zh-hant/jekyll/update/2020/01/15/welcome.html"


def test_jekyll_highlight_block_is_reported_and_kept(jekyll: tuple[Site, str]) -> None:
    site, stderr = jekyll
    body = text_of(site.html("zh-hans/jekyll/update/2020/01/15/welcome.html"), ".body")
    assert "{% highlight ruby %}" in body and "def hello; end" in body and "{% endhighlight %}" in body
    assert "content/_posts/2020-01-15-welcome.md:9: unsupported tag 'highlight'" in stderr

"""Incremental rebuilds through the public API: build(settings, out, state=BuildState()).

Each test changes the site on disk, rebuilds with the kept state, and checks two things from the
outside: which output files the rebuild wrote or removed, and that the output is byte-for-byte what a
fresh full build of the changed site writes (so a rebuild can never leave a stale page behind).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import Site, make_site, png
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from sitegen.diagnostics import BuildFailed, Diagnostics
from sitegen.pipeline import BuildResult, BuildState, build
from sitegen.settings import load


def article(title: str, date: str, body: str, tags: str = "[]", extra: str = "") -> str:
    return f"---\ntitle: {title}\ndate: {date}\ntags: {tags}\n{extra}---\n\n{body}\n"


FILES = {
    "a.md": article("第一篇文章", "2026-01-01 09:00:00", "软件公司发布了新的产品。", "[科技]"),
    "b.md": article("第二篇文章", "2026-01-02 09:00:00", "网络安全的消息。[看第一篇](a.md)", "[安全]"),
    "c.md": article("第三篇文章", "2026-01-03 09:00:00", "市场上的新闻。", "[市场]"),
    "d.md": article("第四篇文章", "2026-01-04 09:00:00", "人工智能的进展。[未来](e.md)", "[科技]"),
    "e-later.md": article("第五篇文章", "2026-01-05 09:00:00", "最新的报道。", "[市场]"),
}


class Live:
    """A site with a kept BuildState, rebuilt like `sitegen serve` rebuilds it."""

    def __init__(self, site: Site, tmp: Path, jobs: int | None = None) -> None:
        self.site, self.tmp, self.state, self.jobs = site, tmp, BuildState(), jobs
        self.out = tmp / "live-out"
        self.fresh_builds = 0

    def build(self, touched: set[Path] | None = None) -> BuildResult:
        settings = load(self.site.root)
        return build(settings, self.out, diagnostics=Diagnostics(self.site.root), state=self.state, jobs=self.jobs,
                     touched=touched)

    def assert_same_as_full_build(self) -> None:
        self.fresh_builds += 1
        fresh = self.tmp / f"fresh-{self.fresh_builds}"
        build(load(self.site.root), fresh, diagnostics=Diagnostics(self.site.root))
        # Except the search index: a rebuild keeps the one Pagefind made at the last full build.
        mine = {p.relative_to(self.out).as_posix(): p.read_bytes() for p in self.out.rglob("*")
                if p.is_file() and "pagefind" not in p.relative_to(self.out).parts}
        full = {p.relative_to(fresh).as_posix(): p.read_bytes() for p in fresh.rglob("*")
                if p.is_file() and "pagefind" not in p.relative_to(fresh).parts}
        assert (self.out / "zh-hans" / "pagefind" / "pagefind.js").is_file()
        assert sorted(mine) == sorted(full)
        assert [k for k in mine if mine[k] != full[k]] == []
        # Removed pages leave no empty folders behind (their URL must be a 404, not a folder).
        assert not [d for d in self.out.rglob("*") if d.is_dir() and not any(d.iterdir())]


def mark_base_template(root: Path) -> None:
    """A site override of the theme's base.html that marks every page."""
    (root / "templates").mkdir()
    theme = Path(__file__).resolve().parent.parent / "sitegen" / "theme" / "templates" / "base.html"
    text = theme.read_text(encoding="utf-8").replace("</footer>", "<p class=\"mark\">模板已改</p></footer>")
    (root / "templates" / "base.html").write_text(text, encoding="utf-8")


def break_article_template(root: Path) -> None:
    """An article.html whose line 3 fails to render."""
    (root / "templates").mkdir()
    (root / "templates" / "article.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n{{ article.nope }}\n{% endblock %}\n', encoding="utf-8")


def assert_template_error(failed: BuildFailed) -> None:
    (error,) = failed.diagnostics.errors
    assert error.path.endswith("templates/article.html")
    assert error.line == 3
    assert "nope" in error.message


@pytest.fixture
def live(tmp_path: Path) -> Live:
    site = make_site(tmp_path / "site", 'title = "测试站"\npage_size = 2\n', FILES)
    live = Live(site, tmp_path)
    first = live.build()
    assert first.articles == 5
    return live


def both(path: str) -> set[str]:
    return {f"zh-hans/{path}", f"zh-hant/{path}"}


def test_nothing_changed_writes_nothing(live: Live) -> None:
    again = live.build()
    assert again.written == set()
    assert again.removed == set()
    live.assert_same_as_full_build()


def test_body_edit_rebuilds_the_article_in_both_editions_and_not_unrelated_pages(live: Live) -> None:
    live.site.write("c.md", article("第三篇文章", "2026-01-03 09:00:00", "市场上的软件新闻更新了。", "[市场]"))
    result = live.build()
    assert both("c/index.html") <= result.written
    # Pages that show nothing of c: an article that neither neighbours, links to nor shares a tag
    # with it (e-later shares 市场, so the theme lists c among its related articles), other tags.
    assert not (both("a/index.html") | both("tags/科技/index.html")) & result.written
    assert "软件新闻更新了" in (live.out / "zh-hans/c/index.html").read_text(encoding="utf-8")
    assert "軟體新聞更新了" in (live.out / "zh-hant/c/index.html").read_text(encoding="utf-8")
    live.assert_same_as_full_build()


def test_body_edits_that_show_then_drop_a_file_beside_the_article(live: Live) -> None:
    # The front-matter stays: the rebuild looks only at the pages showing c, and the files beside it.
    live.site.write("c/chart.png", png(40, 30))
    live.build()
    live.site.write("c.md", article("第三篇文章", "2026-01-03 09:00:00", "{% asset_img chart.png 图表 %}", "[市场]"))
    result = live.build()
    assert both("c/chart.png") <= result.written
    live.assert_same_as_full_build()
    live.site.write("c.md", article("第三篇文章", "2026-01-03 09:00:00", "市场上的新闻。", "[市场]"))
    result = live.build()
    assert both("c/chart.png") <= result.removed
    live.assert_same_as_full_build()


def test_title_edit_rebuilds_lists_neighbours_and_linking_articles(live: Live) -> None:
    live.site.write("a.md", article("改过的标题", "2026-01-01 09:00:00", "软件公司发布了新的产品。", "[科技]"))
    result = live.build()
    expected = both("a/index.html") | both("b/index.html") | both("tags/科技/index.html") \
        | both("page/3/index.html") | both("archive/2026/page/3/index.html")
    assert expected <= result.written
    # b is a's newer neighbour and links to it, d shares its tag (related articles); e-later and the
    # first home page show nothing of a.
    assert both("d/index.html") <= result.written
    assert not (both("e-later/index.html") | both("index.html")) & result.written
    live.assert_same_as_full_build()


def test_deleted_article_disappears_from_the_site_and_its_indexes(live: Live) -> None:
    (live.site.root / "content" / "c.md").unlink()
    result = live.build()
    assert both("c/index.html") <= result.removed
    assert both("tags/市场/index.html") <= result.written
    assert not (live.out / "zh-hans" / "c").exists()
    tag_page = (live.out / "zh-hans/tags/市场/index.html").read_text(encoding="utf-8")
    assert "第三篇文章" not in tag_page
    live.assert_same_as_full_build()


def test_renamed_article_moves(live: Live) -> None:
    content = live.site.root / "content"
    (content / "c.md").rename(content / "c-renamed.md")
    result = live.build()
    assert both("c/index.html") <= result.removed
    assert both("c-renamed/index.html") <= result.written
    live.assert_same_as_full_build()


def test_new_article_resolves_a_link_that_was_unresolved(live: Live) -> None:
    before = (live.out / "zh-hans/d/index.html").read_text(encoding="utf-8")
    assert "unresolved-link" in before
    live.site.write("e.md", article("补上的文章", "2025-12-01 09:00:00", "旧闻。"))
    result = live.build()
    assert both("d/index.html") | both("e/index.html") <= result.written
    assert 'href="/zh-hans/e/"' in (live.out / "zh-hans/d/index.html").read_text(encoding="utf-8")
    live.assert_same_as_full_build()


def test_template_change_rebuilds_every_page(live: Live) -> None:
    pages = {p.relative_to(live.out).as_posix() for p in live.out.rglob("*.html")}
    mark_base_template(live.site.root)
    result = live.build()
    edition_pages = {p for p in pages if p.startswith("zh-")}
    assert edition_pages <= result.written
    assert "模板已改" in (live.out / "zh-hans/a/index.html").read_text(encoding="utf-8")
    live.assert_same_as_full_build()


def test_settings_change_rebuilds_every_page(live: Live) -> None:
    (live.site.root / "pyproject.toml").write_text('[tool.sitegen]\ntitle = "新站名"\npage_size = 2\n',
                                                   encoding="utf-8")
    result = live.build()
    pages = {p.relative_to(live.out).as_posix() for p in live.out.rglob("*.html")}
    assert pages <= result.written
    live.assert_same_as_full_build()


def test_static_change_copies_only_that_file(live: Live) -> None:
    (live.site.root / "static").mkdir()
    (live.site.root / "static" / "extra.css").write_text("body { color: red }", encoding="utf-8")
    result = live.build()
    assert result.written == {"static/extra.css"}
    live.assert_same_as_full_build()


def test_failed_rebuild_keeps_the_last_good_output_and_the_next_good_one_catches_up(live: Live) -> None:
    before = {p: p.read_bytes() for p in live.out.rglob("*") if p.is_file()}
    live.site.write("c.md", "---\ntitle: [broken\n---\n正文\n")
    with pytest.raises(BuildFailed) as failed:
        live.build()
    (error,) = failed.value.diagnostics.errors
    assert str(error).startswith("content/c.md:") and "YAML" in error.message
    assert {p: p.read_bytes() for p in live.out.rglob("*") if p.is_file()} == before
    live.site.write("c.md", article("修好了", "2026-01-03 09:00:00", "市场上的新闻。", "[市场]"))
    result = live.build()
    assert both("c/index.html") <= result.written
    live.assert_same_as_full_build()



def test_a_term_change_reaches_articles_whose_files_did_not_change(live: Live) -> None:
    # Term slugs are shared out in key order: once a tag "C" exists it takes /tags/c/ and "C++",
    # which d.md shows, moves to /tags/c-2/ on d's page, though d.md itself did not change.
    live.site.write("d.md", article("第四篇文章", "2026-01-04 09:00:00", "人工智能的进展。[未来](e.md)", "[C++]"))
    live.build()
    assert (live.out / "zh-hans/tags/c/index.html").is_file()
    live.site.write("a.md", article("第一篇文章", "2026-01-01 09:00:00", "软件公司发布了新的产品。", "[C]"))
    break_article_template(live.site.root)  # and the first build after the edit fails
    with pytest.raises(BuildFailed):
        live.build()
    shutil.rmtree(live.site.root / "templates")
    live.build()
    tags = [a.attributes["href"] for a in HTMLParser((live.out / "zh-hans/d/index.html").read_text(
        encoding="utf-8")).css("a[href*='/tags/']")]
    assert "/zh-hans/tags/c-2/" in tags and "/zh-hans/tags/c/" not in tags
    live.assert_same_as_full_build()

def test_template_error_is_reported_as_file_and_line(live: Live) -> None:
    break_article_template(live.site.root)
    live.site.write("c.md", article("第三篇", "2026-01-03 09:00:00", "新内容。", "[市场]"))
    with pytest.raises(BuildFailed) as failed:
        live.build()
    assert_template_error(failed.value)


# Enough articles that a full re-render (first build, template edit) goes to forked page workers
# (more pages than pipeline.FORK_FROM).
MANY = {f"n{i:02d}.md": article(f"第{i}篇新闻", f"2026-02-{i % 28 + 1:02d} {9 + i // 60:02d}:{i % 60:02d}:00",
                                 f"软件与网络的报道{i}。", "[科技]" if i % 2 else "[市场]") for i in range(80)}


@pytest.fixture
def big(tmp_path: Path) -> Live:
    site = make_site(tmp_path / "site", 'title = "测试站"\npage_size = 5\n', MANY)
    live = Live(site, tmp_path, jobs=2)
    assert live.build().articles == 80
    live.assert_same_as_full_build()
    return live


def test_template_change_on_a_larger_site_rebuilds_every_page_in_workers(big: Live) -> None:
    mark_base_template(big.site.root)
    result = big.build()
    pages = {p.relative_to(big.out).as_posix() for p in big.out.rglob("*.html") if p.name != "404.html"}
    assert {p for p in pages if p.startswith("zh-")} <= result.written
    for page in ("zh-hans/n07/index.html", "zh-hant/n07/index.html", "zh-hant/index.html"):
        assert "模板已改" in (big.out / page).read_text(encoding="utf-8")
    big.assert_same_as_full_build()
    # The state is whole after a build in workers: the next edit rebuilds only what it shows.
    big.site.write("n07.md", article("第7篇新闻", "2026-02-08 09:07:00", "改过的软件报道。", "[科技]"))
    result = big.build()
    assert both("n07/index.html") <= result.written
    assert not both("n20/index.html") & result.written  # another tag, far in date: not shown on it
    big.assert_same_as_full_build()


def test_template_error_in_a_page_worker_is_reported_as_file_and_line(big: Live) -> None:
    break_article_template(big.site.root)
    before = {p: p.read_bytes() for p in big.out.rglob("*") if p.is_file()}
    with pytest.raises(BuildFailed) as failed:
        big.build()
    assert_template_error(failed.value)
    assert {p: p.read_bytes() for p in big.out.rglob("*") if p.is_file()} == before


def test_body_edit_leaves_pages_that_show_only_the_articles_view_alone(live: Live) -> None:
    # A typo fixed: c's title, summary (from its front-matter) and length stay, so its neighbours b
    # and d and e-later, which lists c among its related articles, show nothing that changed; c's
    # page and the feeds carrying its body do.
    when, summary = "2026-01-03 09:00:00", "summary: 市场新闻摘要\n"
    live.site.write("c.md", article("第三篇文章", when, "市场上的新闻。\n\n补充的段落改写了。", "[市场]", summary))
    live.build()
    live.site.write("c.md", article("第三篇文章", when, "市场上的新闻。\n\n补充的段落改写过。", "[市场]", summary))
    result = live.build()
    assert both("c/index.html") | both("feeds/atom.xml") | both("feeds/feed.json") <= result.written
    assert not (both("b/index.html") | both("d/index.html") | both("e-later/index.html")) & result.written
    assert "補充的段落改寫過" in (live.out / "zh-hant/c/index.html").read_text(encoding="utf-8")
    live.assert_same_as_full_build()


def test_body_edit_that_changes_the_summary_reaches_the_pages_showing_it(live: Live) -> None:
    # Without a summary in the front-matter, c's opening paragraph is its summary, which the pages
    # listing c show.
    live.site.write("c.md", article("第三篇文章", "2026-01-03 09:00:00", "市场上的新闻换了开头。", "[市场]"))
    result = live.build()
    assert both("tags/市场/index.html") <= result.written
    live.assert_same_as_full_build()


def test_a_file_beside_an_article_replaced_by_one_of_another_size_reaches_its_kept_bodies(live: Live) -> None:
    # The article's file stays as it was: its bodies (page and feed), kept from the last build,
    # must not be, since they give the image's width and height.
    live.site.write("c/chart.png", png(40, 30))
    live.site.write("c.md", article("第三篇文章", "2026-01-03 09:00:00", "{% asset_img chart.png 图表 %}", "[市场]"))
    live.build()
    live.site.write("c/chart.png", png(64, 48))
    live.build()
    image = HTMLParser((live.out / "zh-hans/c/index.html").read_text(encoding="utf-8")).css_first("img")
    assert (image.attributes["width"], image.attributes["height"]) == ("64", "48")
    live.assert_same_as_full_build()


def test_a_rebuild_told_which_files_changed_looks_at_those_only(live: Live) -> None:
    """serve passes what its file watcher saw (build's ``touched``); the other files are not read."""
    content = live.site.root / "content"
    live.site.write("a.md", article("第一篇文章", "2026-01-01 09:00:00", "软件公司发布了更新的产品。", "[科技]"))
    live.site.write("c.md", article("第三篇文章", "2026-01-03 09:00:00", "市场上的软件新闻更新了。", "[市场]"))
    result = live.build(touched={content / "a.md", live.site.root / "templates" / "base.html"})
    assert both("a/index.html") <= result.written
    assert not both("c/index.html") & result.written
    result = live.build()  # told nothing: every file is looked at
    assert both("c/index.html") <= result.written
    live.assert_same_as_full_build()


def test_a_touched_file_that_is_new_gone_or_named_another_way_lists_the_folder_again(live: Live) -> None:
    content = live.site.root / "content"
    (content / "c.md").unlink()
    result = live.build(touched={content / "c.md"})
    assert both("c/index.html") <= result.removed
    live.assert_same_as_full_build()
    live.site.write("e.md", article("补上的文章", "2025-12-01 09:00:00", "旧闻。"))
    result = live.build(touched={content / "e.md"})
    assert both("e/index.html") <= result.written
    live.assert_same_as_full_build()
    live.site.write("a.md", article("第一篇文章", "2026-01-01 09:00:00", "软件公司发布了更新的产品。", "[科技]"))
    result = live.build(touched={content / "sub" / ".." / "a.md"})
    assert both("a/index.html") <= result.written
    live.assert_same_as_full_build()


def test_a_paragraph_added_reaches_only_the_pages_that_show_the_articles_length(live: Live) -> None:
    # c's summary is its opening paragraph, which stays; its length changes. The theme shows an
    # article's length on its own page and, for the newest article, on the home page.
    live.site.write("c.md", article("第三篇文章", "2026-01-03 09:00:00", "市场上的新闻。\n\n新增的一段。", "[市场]"))
    result = live.build()
    assert both("c/index.html") <= result.written
    shows_c = both("tags/市场/index.html") | both("page/2/index.html") | both("b/index.html") | both("d/index.html")
    assert not shows_c & result.written
    live.assert_same_as_full_build()
    lead = article("第五篇文章", "2026-01-05 09:00:00", "最新的报道。\n\n新增的一段。", "[市场]")
    live.site.write("e-later.md", lead)
    result = live.build()
    assert both("index.html") <= result.written
    live.assert_same_as_full_build()


@pytest.mark.parametrize("length", ['item.cjk_chars', 'item["latin_words"]', 'item|attr("reading_minutes")', 'item'])
def test_a_template_that_lists_articles_with_their_length_shows_the_new_length(live: Live, length: str) -> None:
    # The entry is rendered once per article and reused on every list (EditionRenderer.article_item):
    # each page that shows it still counts as reading the length.
    theme = Path(__file__).resolve().parent.parent / "sitegen" / "theme" / "templates" / "_item.html"
    shown = f"{{{{ item.date_text }}}} · {{{{ {length} }}}}"
    text = theme.read_text(encoding="utf-8").replace("{{ item.date_text }}", shown)
    assert text != theme.read_text(encoding="utf-8")
    (live.site.root / "templates").mkdir()
    (live.site.root / "templates" / "_item.html").write_text(text, encoding="utf-8")
    live.build()
    longer = "市场上的新闻。\n\nA new paragraph, 新增的一段。"
    live.site.write("c.md", article("第三篇文章", "2026-01-03 09:00:00", longer, "[市场]"))
    result = live.build()
    assert both("tags/市场/index.html") <= result.written
    live.assert_same_as_full_build()

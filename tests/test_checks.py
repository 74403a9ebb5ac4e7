"""The build checks its own output: links that leave the base path or point nowhere fail it."""

from __future__ import annotations

from pathlib import Path

from conftest import make_site

from sitegen.checks import problems, references
from sitegen.urls import Urls

URLS = Urls("https://user.github.io/repo/")


def test_references_are_read_with_an_html_parser() -> None:
    html = ('<a href="/repo/a/">x</a>\n<img src="b.png" srcset="c.png 1x, /repo/d.png 2x">'
            '<!-- <a href="/commented/"> --><script>var s = "<a href=/in-script/>";</script>')
    assert [(r.line, r.url) for r in references(html)] == [
        (1, "/repo/a/"), (2, "b.png"), (2, "c.png"), (2, "/repo/d.png")]


def test_problems_resolve_relative_root_relative_and_absolute_urls() -> None:
    written = {"zh-hans/index.html", "zh-hans/a/index.html", "static/style.css"}
    html = "\n".join([
        '<a href="/repo/zh-hans/a/">ok</a>',
        '<a href="a/">ok, relative</a>',
        '<a href="/repo/zh-hans/a">ok, the folder without its slash</a>',
        '<link href="https://user.github.io/repo/static/style.css">',
        '<a href="https://example.com/">another site</a>',
        '<a href="mailto:x@example.com">mail</a>',
        '<a href="#top">fragment</a>',
        '<a href="/static/style.css">escapes</a>',
        '<a href="../../outside/">escapes too</a>',
        '<a href="b/">missing</a>',
        '<img src="https://user.github.io/repo/zh-hans/missing.png">',
    ])
    found = list(problems("zh-hans/", html, URLS, written))
    assert [line for line, _ in found] == [8, 9, 10, 11]
    assert "leaves the site's base path /repo/" in found[0][1]
    assert "links to zh-hans/b/, which the build did not write" in found[2][1]


def test_a_link_escaping_the_base_path_fails_the_build_and_keeps_the_old_site(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", 'base_url = "https://user.github.io/repo/"\n',
                     {"a.md": "---\ntitle: 甲\ndate: 2026-01-01\n---\n\n正文。\n"})
    assert site.build().exit_code == 0
    before = {p: (site.out / p).read_bytes() for p in site.files()}
    site.write("b.md", "---\ntitle: 乙\ndate: 2026-01-02\n---\n\n见[图](/images/chart.png)。\n")
    run = site.build_process()
    assert run.exit_code == 2
    assert "Traceback" not in run.stderr
    assert ('build/zh-hans/b/index.html:' in run.stderr
            and '<a href="/images/chart.png"> leaves the site\'s base path /repo/' in run.stderr)
    assert "build/zh-hant/b/index.html:" in run.stderr
    assert {p: (site.out / p).read_bytes() for p in site.files()} == before
    assert not list(site.root.glob(".build.staging-*"))


def test_a_link_to_a_file_that_was_not_written_fails_the_build(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", 'base_url = "https://user.github.io/repo/"\n', {
        "a.md": "---\ntitle: 甲\ndate: 2026-01-01\n---\n\n见[旧文](/repo/zh-hans/gone/)。\n",
    })
    run = site.build()
    assert run.exit_code == 2
    assert "links to zh-hans/gone/, which the build did not write" in run.stderr
    assert not site.out.exists()


def test_a_link_inside_a_template_element_is_checked_too(tmp_path: Path) -> None:
    # A <template>'s content is not part of the parsed document, but a script may show it.
    site = make_site(tmp_path / "s", 'base_url = "https://user.github.io/repo/"\n', {
        "a.md": "---\ntitle: 甲\ndate: 2026-01-01\n---\n\n正文。\n\n"
                '<template><p>稍后显示：<a href="/repo/zh-hans/later/">旧文</a></p></template>\n',
    })
    run = site.build()
    assert run.exit_code == 2
    assert "build/zh-hans/a/index.html:" in run.stderr
    assert "links to zh-hans/later/, which the build did not write" in run.stderr


def test_the_demo_built_under_a_sub_path_passes_its_own_check(tmp_path: Path) -> None:
    site = make_site(tmp_path / "demo", demo=True)
    run = site.build("--base-url", "https://user.github.io/repo/")
    assert run.exit_code == 0, run.stderr
    home = site.html("zh-hant/")
    assert home.css_first('link[rel="stylesheet"]').attributes["href"] == "/repo/static/style.css"

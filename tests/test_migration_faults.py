"""Bad input from migrated blogs: every problem in one run, --keep-going, escaping, safe paths."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import Site, make_site, text_of

GOOD = "---\ntitle: 好文章\ndate: 2022-01-01\n---\n正文。\n"
TEXT = "---\ntitle: 旧文章\ndate: 2022-01-01\n---\n这是一篇很久以前写的文章，说明编码问题。\n"


def files_outside(root: Path, before: set[Path]) -> set[Path]:
    return {p for p in root.parent.rglob("*")} - before


# -- encodings ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "encoding"), [
    ("gbk.md", TEXT.encode("gbk"), "GBK"),
    ("big5.md", TEXT.replace("这是一篇很久以前写的文章，说明编码问题", "這是一篇很久以前寫的文章，說明編碼問題")
     .replace("旧", "舊").encode("big5"), "BIG5"),
    ("utf16.md", codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "UTF-16LE (with byte order mark)"),
    ("utf16-nobom.md", "---\ntitle: x\n---\nabc\n".encode("utf-16-le"), "UTF-16LE"),
])
def test_legacy_encodings_are_named_with_how_to_convert(site: Site, name: str, data: bytes, encoding: str) -> None:
    site.write("good.md", GOOD)
    site.write(name, data)
    run = site.build_process()
    assert run.exit_code == 2 and "Traceback" not in run.stderr
    line = next(line for line in run.stderr.splitlines() if name in line)
    assert f"file is not UTF-8 text: it is encoded as {encoding}," in line
    assert f"iconv -f {encoding.split(' ')[0]} -t UTF-8" in line
    assert not site.out.exists()


def test_utf8_with_and_without_bom_is_read(site: Site) -> None:
    site.write("bom.md", codecs.BOM_UTF8 + "---\ntitle: 有BOM\ndate: 2022-01-01\n---\n正文。\n".encode())
    site.write("plain.md", GOOD)
    run = site.build()
    assert run.exit_code == 0, run.stderr
    assert text_of(site.html("zh-hans/bom/"), "h1") == "有BOM"


# -- one run reports everything -----------------------------------------------------------------

BROKEN = {
    "many.md": "---\ntitle: 多个问题\ndate: 2022-13-45\nslug: ../../etc\nlang: en\n---\n正文\n",
    "yaml.md": "---\ntitle: [坏\n---\n正文\n",
    "toml.md": "+++\ntitle = \n+++\n正文\n",
    "json.md": ";;;\n\"title\": \"x\",\n\"date\": \n;;;\n正文\n",
    "unclosed.md": "---\ntitle: 没有结尾\n正文\n",
    "gbk.md": TEXT.encode("gbk"),
    "dup-a.md": GOOD.replace("title:", "slug: same\ntitle:"),
    "dup-b.md": GOOD.replace("title:", "slug: same\ntitle:"),
}


def write_all(site: Site, files: dict[str, str | bytes]) -> None:
    for rel, text in files.items():
        site.write(rel, text)


def test_one_run_reports_every_problem_of_every_file(site: Site) -> None:
    site.write("good.md", GOOD)
    write_all(site, BROKEN)
    run = site.build_process()
    assert run.exit_code == 2 and "Traceback" not in run.stderr
    lines = run.stderr.splitlines()

    def has(text: str) -> bool:
        return any(text in line for line in lines)

    # All three problems of one file, each on its own line.
    assert has("content/many.md:3: cannot read date")
    assert has("content/many.md:4: slug '../../etc' is not a safe URL segment")
    assert has("content/many.md:5: lang 'en' is not an edition")
    assert has("content/yaml.md:2: invalid YAML front-matter")
    assert has("content/toml.md:2: invalid TOML front-matter")
    assert has("content/json.md:3: invalid JSON front-matter")
    assert has("content/unclosed.md:1: front-matter opened with '---' on line 1 is never closed")
    assert has("content/gbk.md:2: file is not UTF-8 text: it is encoded as GBK")
    # Two articles on one path: one error naming both files.
    dup = [line for line in lines if "would be written to 'same/'" in line]
    assert len(dup) == 1 and "dup-a.md" in dup[0] and "dup-b.md" in dup[0]
    assert "build failed: 9 errors" in run.stderr


def test_keep_going_writes_the_good_articles_and_exits_2(site: Site) -> None:
    site.write("good.md", GOOD.replace("正文。", "见 [坏文章](many.md)。"))
    site.write("other.md", GOOD.replace("好文章", "另一篇").replace("title:", "slug: other\ntitle:"))
    write_all(site, BROKEN)
    run = site.build_process("--keep-going")
    assert run.exit_code == 2 and "Traceback" not in run.stderr
    assert "content/many.md:3: cannot read date" in run.stderr
    assert "the articles with errors were left out" in run.stderr
    assert text_of(site.html("zh-hans/good/"), "h1") == "好文章"
    assert text_of(site.html("zh-hant/other/"), "h1") == "另一篇"
    assert not (site.out / "zh-hans" / "same").exists()
    # The link to a left-out article is marked, not dead.
    assert site.html("zh-hans/good/").css_first(".body .unresolved-link") is not None
    home = site.html("zh-hans/").html
    assert "多个问题" not in home


def test_keep_going_shows_the_kept_articles_as_a_site_without_the_left_out_ones(site: Site) -> None:
    # The left-out article (an ambiguous link is found only when its body is read) holds the tag
    # "C", which takes the slug c and would put the kept article's "C++" at c-2.
    site.write("a/x.md", "---\ntitle: 甲\nslug: xa\ndate: 2022-01-02\n---\n甲。\n")
    site.write("b/x.md", "---\ntitle: 乙\nslug: xb\ndate: 2022-01-03\n---\n乙。\n")
    site.write("bad.md", "---\ntitle: 坏\ndate: 2022-01-04\ntags: [C]\n---\n见 [x](x.md)。\n")
    site.write("good.md", "---\ntitle: 好文章\ndate: 2022-01-01\ntags: [C++]\n---\n正文。\n")
    run = site.build_process("--keep-going")
    assert run.exit_code == 2 and "Traceback" not in run.stderr
    assert "content/bad.md:6: ambiguous link x.md" in run.stderr
    for edition in ("zh-hans", "zh-hant"):
        page = site.html(f"{edition}/good/")
        assert [(a.text(), a.attributes["href"]) for a in page.css("ul.tags a")] == [("C++", f"/{edition}/tags/c/")]
        assert text_of(site.html(f"{edition}/tags/c/"), "h1").startswith("C++")
    assert not (site.out / "zh-hans" / "tags" / "c-2").exists()


# -- escaping and script URLs ---------------------------------------------------------------------

def test_front_matter_and_file_names_are_escaped(site: Site) -> None:
    site.write("a&b'c.md", "---\ntitle: '<script>alert(1)</script> & \"引号\"'\ndate: 2022-01-01\n"
               "tags: ['<b>粗</b>']\nauthor: '<i>作者</i>'\naliases: [\"old'&path/\"]\n---\n正文。\n")
    run = site.build()
    assert run.exit_code == 0, run.stderr
    page = site.html("zh-hans/a&b'c/")
    assert text_of(page, "h1") == '<script>alert(1)</script> & "引号"'
    assert page.css("b") == [] and page.css("i") == []
    # The only inline script is the JSON-LD data, which holds the title as JSON text (site.js is a file).
    scripts = page.css("script:not([src])")
    assert [n.attributes.get("type") for n in scripts] == ["application/ld+json"]
    data = json.loads(scripts[0].text())
    assert data["headline"] == '<script>alert(1)</script> & "引号"'
    assert "</script" not in scripts[0].html.removesuffix("</script>")
    assert [a.text() for a in page.css("ul.tags a")] == ["<b>粗</b>"]
    assert text_of(page, "title").startswith('<script>alert(1)</script> & "引号"')
    redirect = site.html("old'&path/")
    assert redirect.css("script") == []
    assert redirect.css_first("a").attributes["href"] == "/zh-hans/a&b'c/"
    # XML and JSON outputs parse, and hold the same text, unmangled.
    title = '<script>alert(1)</script> & "引号"'
    for xml in sorted(site.out.rglob("*.xml")):
        tree = ElementTree.parse(xml)  # raises on anything badly escaped
        texts = [e.text for e in tree.iter() if e.text]
        if xml.name == "atom.xml" and "zh-hans/feeds" in xml.as_posix():
            assert title in texts
    feed = json.loads((site.out / "zh-hans/feeds/feed.json").read_text(encoding="utf-8"))
    assert feed["items"][0]["title"] == title
    assert feed["items"][0]["url"].endswith("/zh-hans/a&b'c/") or "a%26b" in feed["items"][0]["url"]


@pytest.mark.parametrize("markdown", [
    "[x](javascript:alert(1))", "[x](JavaScript:alert(1))", "[x](java\tscript:alert(1))",
    "[x](jav&#x61;script:alert(1))", "<javascript:alert(1)>", "[x][r]\n\n[r]: javascript:alert(1)",
    "[x](data:text/html;base64,PHNjcmlwdD4=)", "[x](data:image/png;base64,AAAA)",
    "![x](data:image/svg+xml;base64,PHN2Zz4=)", "[x]( vbscript:msgbox)",
])
def test_script_and_data_targets_are_never_links(site: Site, markdown: str) -> None:
    site.write("a.md", f"---\ntitle: 链接\ndate: 2022-01-01\n---\n{markdown}\n")
    assert site.build().exit_code == 0
    page = site.html("zh-hans/a/")
    targets = [n.attributes.get("href") or "" for n in page.css(".body a")]
    targets += [n.attributes.get("src") or "" for n in page.css(".body img")]
    assert not any(t.strip().lower().startswith(("javascript", "data", "vbscript", "java")) for t in targets)


def test_source_url_must_be_http(site: Site) -> None:
    site.write("a.md", "---\ntitle: 来源\ndate: 2022-01-01\nsource: 某报\nsource_url: javascript:alert(1)\n---\n正文\n")
    run = site.build()
    assert run.exit_code == 0
    assert "content/a.md:5: source_url 'javascript:alert(1)' is not an http(s) URL" in run.stderr
    assert "javascript:" not in site.html("zh-hans/a/").html


def test_raw_html_is_kept_by_default_and_escaped_with_unsafe_html_false(tmp_path: Path) -> None:
    body = ("---\ntitle: HTML\ndate: 2022-01-01\n---\n摘要。\n\n<!-- more -->\n\n"
            "<div class=\"x\">块</div>\n\n行内 <b>粗</b>\n")
    trusted = make_site(tmp_path / "trusted", files={"a.md": body})
    assert trusted.build().exit_code == 0
    page = trusted.html("zh-hans/a/")
    assert text_of(page, ".body div.x") == "块" and text_of(page, ".body b") == "粗"

    strict = make_site(tmp_path / "strict", "unsafe_html = false\n", files={"a.md": body})
    assert strict.build().exit_code == 0
    page = strict.html("zh-hans/a/")
    assert page.css(".body div") == [] and page.css(".body b") == []
    assert '<div class="x">块</div>' in text_of(page, ".body") and "<b>粗</b>" in text_of(page, ".body")
    # The summary marker is still a marker, not text.
    assert "more" not in text_of(page, ".body")


# -- no path leaves the output folder -------------------------------------------------------------

@pytest.mark.parametrize(("front_matter", "expected"), [
    ("slug: ../../escape", "slug '../../escape' is not a safe URL segment"),
    ("permalink: /../../escape/", "permalink '/../../escape/' is not a safe path"),
    ("url: ../escape/", "url '../escape/' is not a safe path"),
    ("url: https://evil.example/x/", "url 'https://evil.example/x/' is not a safe path"),
    ("aliases: [/../../escape/]", "alias '/../../escape/' is not a safe path"),
    (r'aliases: ["..\\..\\escape"]', r"alias '..\\..\\escape' is not a safe path"),
    ("aliases: [zh-hans/]", "alias 'zh-hans/' would overwrite the site's own pages"),
    ("aliases: [index.html]", "alias 'index.html' would overwrite the site's own pages"),
])
def test_no_output_path_leaves_the_output_folder(tmp_path: Path, front_matter: str, expected: str) -> None:
    site = make_site(tmp_path / "deep" / "site", files={"a.md": f"---\ntitle: 路径\ndate: 2022-01-01\n"
                                                         f"{front_matter}\n---\n正文\n"})
    before = set(tmp_path.rglob("*"))
    run = site.build_process()
    assert run.exit_code == 2 and "Traceback" not in run.stderr
    assert f"content/a.md:4: {expected}" in run.stderr
    assert set(tmp_path.rglob("*")) == before


def test_permalink_pattern_that_escapes_is_an_error(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", 'permalink = "../:slug/"\n', files={"a.md": GOOD})
    run = site.build_process()
    assert run.exit_code == 2
    assert "permalink '../a/' (from the pattern '../:slug/') is not a safe path" in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]


def test_category_lists_setting_is_checked(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", 'category_lists = "flat"\n', files={"a.md": GOOD})
    run = site.build_process()
    assert run.exit_code == 2
    assert "setting 'tool.sitegen.category_lists' must be \"nested\", \"separate\" or \"jekyll\"" in run.stderr


def test_unresolved_and_ambiguous_template_tags_are_reported_like_links(site: Site) -> None:
    site.write("a.md", "---\ntitle: 标签\ndate: 2022-01-01\n---\n见 {% post_link missing-post %}。\n\n"
               "和 [文](" + "{{< ref \"gone.md\" >}}" + ")。\n")
    run = site.build()
    assert run.exit_code == 0
    assert "content/a.md:5: unresolved link missing-post" in run.stderr
    assert "content/a.md:7: unresolved link gone.md" in run.stderr
    spans = site.html("zh-hans/a/").css(".body .unresolved-link")
    assert [s.text() for s in spans] == ["missing-post", "文"]
    site.write("x/same.md", GOOD)
    site.write("y/same.md", GOOD.replace("title:", "slug: other\ntitle:"))
    site.write("b.md", "---\ntitle: 歧义\ndate: 2022-01-01\n---\n{% post_link same %}\n")
    run = site.build()
    assert run.exit_code == 2
    assert "content/b.md:5: ambiguous link same: it could be x/same.md, y/same.md" in run.stderr

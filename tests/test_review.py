"""The review report: `sitegen check` and `sitegen build --report`, as an editor uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Site, make_site

import sitegen.review
from sitegen.cli import main

HANS = """---
title: 英伟达刷新纪录
date: 2026-02-01
tags: [人工智能]
---

英伟达的芯片刷新了纪录，成功概率很大。

股价三周后回升，一只只股票都在涨。

-{一只只}-钉住的文字不再报告。
"""
HANT = """---
title: 繁體文章
date: 2026-02-02
glossary:
  經濟指標: 经济指数
---

該公司的軟體與經濟指標。
"""


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return make_site(tmp_path / "s", files={"a.md": HANS, "b.md": HANT})


def check(site: Site, *args: str) -> str:
    result = CliRunner().invoke(main, ["check", "--source", str(site.root), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_check_lists_vocabulary_substitutions_with_their_rule_and_sentence(site: Site) -> None:
    out = check(site)
    assert ("a.md:7: vocabulary 英伟达 -> 輝達 (characters alone: 英偉達; news.toml: companies_brands: "
            "英伟达 -> 輝達) in 「英伟达的芯片刷新了纪录，成功概率很大。」") in out
    assert "a.md:7: vocabulary 芯片 -> 晶片" in out
    assert "a.md:7: vocabulary 概率 -> 機率 (characters alone: 概率; OpenCC TWPhrases: 概率 -> 機率)" in out
    assert "a.md:2: vocabulary 英伟达 -> 輝達" in out  # the title
    assert "a.md:4: vocabulary 人工智能 -> 人工智慧" in out  # a tag
    assert "b.md:8: vocabulary 軟體 -> 软件" in out
    assert "b.md:8: vocabulary 經濟指標 -> 经济指数 (characters alone: 经济指标; front-matter glossary" in out
    # Plain character conversion and suppressed OpenCC phrases are not vocabulary.
    assert "刷新 ->" not in out and "纪录 ->" not in out


def test_check_lists_ambiguous_characters_that_no_phrase_settled(site: Site) -> None:
    out = check(site)
    assert "a.md:9: ambiguous 后 -> 後 (could be 后) in 「股价三周后回升，一只只股票都在涨。」" in out
    assert "a.md:9: ambiguous 只 -> 只 (could be 隻)" in out
    # 芯片 and 头发-like phrases settle their characters; pinned text is the editor's decision.
    assert "a.md:11:" not in out
    assert out.strip().endswith("2 articles: 7 vocabulary substitutions, 2 ambiguous characters to confirm")


def test_check_writes_json_for_tools(site: Site) -> None:
    data = json.loads(check(site, "--format", "json"))
    assert data["substitutions"] == 7 and data["ambiguities"] == 2
    first = next(a for a in data["articles"] if a["path"].endswith("a.md"))
    assert first["lang"] == "zh-Hans"
    edition = first["editions"][0]
    assert (edition["source"], edition["target"]) == ("zh-Hans", "zh-Hant")
    sub = next(s for s in edition["substitutions"] if s["source"] == "概率")
    assert sub == {"line": 7, "source": "概率", "target": "機率", "plain": "概率", "rule": "opencc",
                   "origin": "OpenCC TWPhrases: 概率 -> 機率", "sentence": "英伟达的芯片刷新了纪录，成功概率很大。"}
    amb = next(a for a in edition["ambiguities"] if a["char"] == "后")
    assert amb["chosen"] == "後" and amb["candidates"] == ["後", "后"] and amb["line"] == 9


def test_build_writes_the_report_when_asked(site: Site) -> None:
    run = site.build("--report", str(site.root / "review.json"))
    assert run.exit_code == 0, run.stderr
    assert json.loads((site.root / "review.json").read_text("utf-8"))["substitutions"] == 7
    assert "review report: 7 vocabulary substitutions, 2 ambiguous characters" in run.stdout
    run = site.build("--report", str(site.root / "review.txt"))
    assert "a.md:9: ambiguous 后 -> 後" in (site.root / "review.txt").read_text("utf-8")
    assert (site.out / "zh-hant" / "a" / "index.html").is_file()


def test_a_plain_build_does_not_review(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("the review ran during a plain build")

    monkeypatch.setattr(sitegen.review.Dictionaries, "__init__", refuse)
    run = site.build()
    assert run.exit_code == 0, run.stderr
    assert "review report" not in run.stdout


def test_check_reports_bad_input_like_build(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={"bad.md": "---\ntitle: [oops\n---\n\n正文\n"})
    result = CliRunner().invoke(main, ["check", "--source", str(site.root)])
    assert result.exit_code == 2
    assert "bad.md:" in result.stderr and "invalid YAML front-matter" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_one_to_many_characters_the_newsroom_knows_are_watched() -> None:
    from sitegen.convert import SHIPPED_GLOSSARY, Converter, load_glossary
    from sitegen.review import Dictionaries, DirectionReviewer

    converter = Converter([("zh-Hans", "hans"), ("zh-Hant", "hant")], {}, load_glossary(SHIPPED_GLOSSARY), True)
    reviewer = DirectionReviewer(converter.direction("zh-Hans", "zh-Hant"), Dictionaries(), "hans", "hant")
    expected = {"发": {"發", "髮"}, "干": {"幹", "乾", "干"}, "后": {"後", "后"}, "里": {"裡", "里"},
                "面": {"面", "麵"}, "只": {"只", "隻"}, "系": {"系", "係", "繫"}}
    for char, candidates in expected.items():
        assert set(reviewer.characters[char]) == candidates, char
    # Rare variants would bury the real ambiguities: 果 (菓) is not reported.
    assert "果" not in reviewer.characters


def test_check_reviews_image_and_link_titles(tmp_path: Path) -> None:
    # Titles are converted text too (a tooltip): the review shows what happens to them.
    site = make_site(tmp_path / "s", files={"t.md": "---\ntitle: 标题\ndate: 2026-02-01\n---\n\n"
                                                    '![](https://example.com/a.png "芯片照片")\n\n'
                                                    '[链接](https://example.com/ "英伟达官网")\n'})
    out = check(site)
    assert "t.md:6: vocabulary 芯片 -> 晶片" in out
    assert "t.md:8: vocabulary 英伟达 -> 輝達" in out

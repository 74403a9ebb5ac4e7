"""The shipped news profile: glossary groups, suppressed OpenCC phrases, house style.

Expected conversions are written by hand here or in tests/data/conversion_pairs.tsv (never
produced by the converter under test); the glossary's own entries are the expectation for
"every entry converts", because the entries are the hand-written data.
"""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import opencc
import pytest

from sitegen.convert import (
    OPENCC_SHARE,
    SHIPPED_GLOSSARY,
    Converter,
    GlossaryError,
    glossary_from_front_matter,
    load_glossary,
    read_dictionary,
)

PAIRS = Path(__file__).parent / "data" / "conversion_pairs.tsv"
DATA = tomllib.loads(SHIPPED_GLOSSARY.read_text(encoding="utf-8"))
GROUPS = [g["name"] for g in DATA["group"]]
LANGS = {"s2t": ("zh-Hans", "zh-Hant"), "t2s": ("zh-Hant", "zh-Hans")}


def pairs() -> list[tuple[str, str, str, str]]:
    with PAIRS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0] == ["direction", "group", "source", "expected"]
    return [tuple(r) for r in rows[1:]]  # type: ignore[misc]


@pytest.fixture(scope="module")
def converter() -> Converter:
    return Converter([("zh-Hans", "hans"), ("zh-Hant", "hant"), ("zh-Hant-HK", "hant")], {},
                     load_glossary(SHIPPED_GLOSSARY), quotes=True)


def _opencc_table(name: str) -> dict[str, list[str]]:
    return {k: list(v) for k, v in read_dictionary(OPENCC_SHARE / f"{name}.ocd2").items()}


def test_every_entry_is_written_in_the_script_of_its_edition() -> None:
    # A form with a character that only exists in the other script was put in the wrong field.
    to_hant, to_hans = _opencc_table("STCharacters"), _opencc_table("TSCharacters")
    variants = _opencc_table("TWVariants")  # 羣 -> 群: the forms Taiwan writes
    to_hant = {c: [variants.get(v, [v])[0] for v in vs] + vs for c, vs in to_hant.items()}
    wrong = []
    for term in load_glossary(SHIPPED_GLOSSARY).terms:
        for lang, form in term.forms.items():
            table = to_hans if lang == "zh-Hans" else to_hant
            # A zh-Hans form must not hold a character that Simplified writes otherwise, and the reverse.
            if any(c in table and c not in table[c] for c in form):
                wrong.append((lang, form, term.origin))
    assert wrong == []


@pytest.mark.parametrize("group", GROUPS)
def test_every_entry_of_the_group_converts_both_ways(group: str, converter: Converter) -> None:
    entries = next(g for g in DATA["group"] if g["name"] == group)["entries"]
    glossary = load_glossary(SHIPPED_GLOSSARY)
    checked = 0
    for entry in entries:
        for source, target in (("zh-Hans", "zh-Hant"), ("zh-Hant", "zh-Hans"), ("zh-Hans", "zh-Hant-HK")):
            if source not in entry or target not in entry:
                continue
            if entry.get("oneway") and entry["oneway"] != f"{source}>{target}":
                continue
            # When two entries share a source form, the later one wins (documented in README).
            expected = glossary.pairs(source, target)[entry[source]]
            assert converter.text(entry[source], source, target) == expected, entry
            checked += 1
    assert checked >= len(entries)


@pytest.mark.parametrize("group", GROUPS)
def test_every_group_has_hand_written_sentences_that_convert(group: str, converter: Converter) -> None:
    rows = [r for r in pairs() if r[1] == group]
    assert len(rows) >= 2 or group == "surnames", f"no sentence pairs for glossary group {group!r}"
    for direction, _, source, expected in rows:
        assert converter.text(source, *LANGS[direction]) == expected


def test_the_surname_group_keeps_surnames(converter: Converter) -> None:
    assert converter.text("范先生说，改革的范围很大。", "zh-Hans", "zh-Hant") == "范先生說，改革的範圍很大。"
    assert converter.text("余女士的账户余额不足。", "zh-Hans", "zh-Hant") == "余女士的帳戶餘額不足。"
    assert converter.text("於姓男子於昨日被捕。", "zh-Hant", "zh-Hans") == "於姓男子于昨日被捕。"


@pytest.mark.parametrize(("source", "target", "text", "expected"), [
    ("zh-Hans", "zh-Hant", "刷新纪录", "刷新紀錄"),
    ("zh-Hans", "zh-Hant", "深度绑定", "深度綁定"),
    ("zh-Hans", "zh-Hant", "政府文件", "政府文件"),
    ("zh-Hans", "zh-Hant", "支持乌克兰", "支持烏克蘭"),
    ("zh-Hans", "zh-Hant", "法律程序", "法律程序"),
    ("zh-Hant", "zh-Hans", "人生的智慧", "人生的智慧"),
    ("zh-Hant", "zh-Hans", "整合行銷", "整合营销"),
    ("zh-Hant", "zh-Hans", "經濟指標", "经济指标"),
])
def test_suppressed_phrases_keep_character_conversion(converter: Converter, source: str, target: str,
                                                       text: str, expected: str) -> None:
    assert converter.text(text, source, target) == expected


def test_plain_opencc_gets_those_phrases_wrong() -> None:
    # What the suppression list is for: the misfires the issue measured.
    assert opencc.OpenCC("s2twp").convert("刷新了融资纪录") == "重新整理了融資紀錄"
    assert opencc.OpenCC("s2twp").convert("深度绑定") == "深度繫結"
    assert opencc.OpenCC("tw2sp").convert("人生的智慧") == "人生的智能"
    assert opencc.OpenCC("tw2sp").convert("整合行銷") == "集成行销"


def test_every_suppressed_phrase_converts_as_the_character_configuration_does(converter: Converter) -> None:
    configs = {"zh-Hans>zh-Hant": "s2tw", "zh-Hant>zh-Hans": "tw2s"}
    for item in DATA["suppress"]:
        plain = opencc.OpenCC(configs[item["direction"]])
        source, target = item["direction"].split(">")
        for phrase in item["phrases"]:
            assert converter.text(phrase, source, target) == plain.convert(phrase).replace("臺", "台"), phrase


@pytest.mark.parametrize(("source", "target", "text", "expected"), [
    ("zh-Hant", "zh-Hans", "人工智慧", "人工智能"),  # 智慧 is suppressed
    ("zh-Hant", "zh-Hans", "資料中心", "数据中心"),  # 資料 is suppressed
    ("zh-Hans", "zh-Hant", "数据中心", "資料中心"),  # 数据 is suppressed
    ("zh-Hans", "zh-Hant", "应用程序", "應用程式"),  # 程序 is suppressed
    ("zh-Hans", "zh-Hant", "社交媒体", "社群媒體"),
])
def test_longer_glossary_phrases_win_over_suppressed_words(converter: Converter, source: str, target: str,
                                                           text: str, expected: str) -> None:
    assert converter.text(text, source, target) == expected


def test_names_follow_each_region(converter: Converter) -> None:
    text = "特朗普、扎克伯格在悉尼"
    assert converter.text(text, "zh-Hans", "zh-Hant") == "川普、祖克柏在雪梨"
    assert converter.text(text, "zh-Hans", "zh-Hant-HK") == "特朗普、朱克伯格在悉尼"


def test_house_style_writes_tai_but_keeps_typhoon(converter: Converter) -> None:
    assert converter.text("台风登陆台湾，全台停课", "zh-Hans", "zh-Hant") == "颱風登陸台灣，全台停課"


def test_house_style_leaves_a_glossary_term_that_writes_the_other_character(converter: Converter) -> None:
    # A glossary may ask for 臺 (National Taiwan University writes 臺大): the house style's 臺 -> 台
    # applies to all other converted text, not to what the glossary wrote.
    own = converter.with_glossary(glossary_from_front_matter({"台大": "臺大"}, "zh-Hans"))
    assert own.text("台大的平台在台湾", "zh-Hans", "zh-Hant") == "臺大的平台在台灣"
    assert converter.text("台大的平台在台湾", "zh-Hans", "zh-Hant") == "台大的平台在台灣"


def test_a_space_inside_a_glossary_term(converter: Converter) -> None:
    assert converter.text("AI 行业的融资", "zh-Hans", "zh-Hant") == "AI 產業的融資"


@pytest.mark.parametrize(("text", "message"), [
    ('[[group]]\nname = "x"\nentries = [{ zh-Hans = "芯片" }]\n', "at least two editions"),
    ('[[group]]\nname = "x"\nentries = [{ zh-Hans = "芯片", zh-hant = "晶片" }]\n', "unknown edition 'zh-hant'"),
    ('[[suppress]]\nname = "y"\nphrases = ["刷新"]\n', "needs direction"),
    ("[[group]\n", "cannot read glossary"),
])
def test_a_bad_glossary_is_named_with_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GlossaryError, match=message) as info:
        load_glossary(path)
    assert str(info.value).startswith(f"{path}:")

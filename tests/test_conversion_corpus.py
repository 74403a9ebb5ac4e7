"""The hand-written corpus: plain OpenCC against sitegen's profile, scored and reported."""

from __future__ import annotations

import tomllib
from pathlib import Path

import opencc
import pytest
from conftest import SUMMARY
from test_conversion_profile import LANGS, pairs

from sitegen.convert import SHIPPED_GLOSSARY, Converter, load_glossary

SCORE_FILE = Path(__file__).parent / "data" / "conversion_score.toml"
FLOOR = 0.97


def test_the_corpus_is_large_and_covers_every_kind_of_case() -> None:
    rows = pairs()
    assert len(rows) >= 150
    assert {r[0] for r in rows} == {"s2t", "t2s"}
    groups = {r[1] for r in rows}
    assert {"punctuation", "markup", "one_to_many", "suppress"} <= groups
    assert len(set(rows)) == len(rows), "duplicate rows"


def test_sitegen_scores_at_least_97_percent_and_no_lower_than_recorded(request: pytest.FixtureRequest) -> None:
    rows = pairs()
    converter = Converter([("zh-Hans", "hans"), ("zh-Hant", "hant")], {}, load_glossary(SHIPPED_GLOSSARY),
                          quotes=True)
    plain = {"s2t": opencc.OpenCC("s2twp"), "t2s": opencc.OpenCC("tw2sp")}
    ours = theirs = 0
    misses = []
    for direction, group, source, expected in rows:
        got = converter.text(source, *LANGS[direction])
        ours += got == expected
        theirs += plain[direction].convert(source) == expected
        if got != expected:
            misses.append(f"{direction} {group}: {source} -> {got} (expected {expected})")
    score, baseline = ours / len(rows), theirs / len(rows)
    line = (f"conversion corpus ({len(rows)} pairs): plain OpenCC s2twp/tw2sp {theirs}/{len(rows)} = "
            f"{baseline:.1%}; sitegen {ours}/{len(rows)} = {score:.1%}")
    print("\n" + line)
    request.config.stash.setdefault(SUMMARY, []).append(line)
    recorded = tomllib.loads(SCORE_FILE.read_text(encoding="utf-8"))["sitegen"]
    assert score >= FLOOR, "\n".join(misses)
    assert score >= recorded, f"sitegen scored {score:.4f}, below the recorded {recorded}:\n" + "\n".join(misses)
    assert score > baseline


"""The compiled conversion (convert.Chain) converts exactly as OpenCC evaluates the configuration.

Chain merges each step's dictionary group into one table, because OpenCC matches every member
of a group at every character. These tests hold the merged tables to OpenCC itself: the shipped
configurations through the official binding, and the configuration with the news glossary
compiled in, evaluated by OpenCC with its groups left as they are. The texts are every key and
every output of every dictionary a configuration uses, one per line and run together in shuffled
orders (so that phrases meet and overlap), and the demo articles.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import opencc
import pytest

from sitegen.convert import (
    DEFAULT_CONFIGS,
    OPENCC_SHARE,
    SHIPPED_GLOSSARY,
    Chain,
    Converter,
    load_glossary,
    read_dictionary,
)

CONTENT = Path(__file__).parent.parent / "content"
CONFIGS = sorted({name for chain in DEFAULT_CONFIGS.values() for name in chain.split("+")}
                 | {"s2t", "t2s", "s2tw", "tw2s", "s2hk", "hk2s"})


def _files(node: dict[str, Any]) -> Iterator[str]:
    if node.get("type") == "group":
        for member in node["dicts"]:
            yield from _files(member)
    else:
        yield node["file"]


def _texts(names: list[str], extra: list[str] = ()) -> list[str]:  # type: ignore[assignment]
    words: set[str] = set(extra)
    for name in names:
        config = json.loads((OPENCC_SHARE / f"{name}.json").read_text(encoding="utf-8"))
        nodes = [s["dict"] for s in (*config.get("normalization", []), *config["conversion_chain"])]
        nodes += [config["segmentation"]["dict"]] if "segmentation" in config else []
        for file in {f for node in nodes for f in _files(node)}:
            for key, values in read_dictionary(OPENCC_SHARE / file).items():
                words.add(key)
                words.update(values)
    ordered = sorted(words)
    texts = ["\n".join(ordered)]
    for seed in range(3):
        shuffled = ordered[:]
        random.Random(seed).shuffle(shuffled)
        texts.append("".join(shuffled))
    return texts + [p.read_text(encoding="utf-8") for p in sorted(CONTENT.iterdir()) if p.is_file()]


def _same(ours: Any, theirs: Any, texts: list[str]) -> None:
    for text in texts:
        got, expected = ours(text), theirs(text)
        if got != expected:
            at = next(i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b)
            raise AssertionError(f"differs at {at}: {got[max(0, at - 20):at + 20]!r} "
                                 f"!= {expected[max(0, at - 20):at + 20]!r}")


@pytest.mark.parametrize("name", CONFIGS)
def test_merged_tables_convert_as_the_shipped_configuration(name: str) -> None:
    _same(Chain([name], {}), opencc.OpenCC(name).convert, _texts([name]))


@pytest.mark.parametrize(("source", "target"), [("zh-Hans", "zh-Hant"), ("zh-Hant", "zh-Hans"),
                                                ("zh-Hant", "zh-Hant-HK")])
def test_merged_tables_convert_as_the_configuration_with_the_glossary(
        source: str, target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    editions = [("zh-Hans", "hans"), ("zh-Hant", "hant"), ("zh-Hant-HK", "hant")]
    glossary = load_glossary(SHIPPED_GLOSSARY)
    direction = Converter(editions, {}, glossary, quotes=False).direction(source, target)
    merged = direction.chain
    # The glossary's phrases and outputs are in the texts too: there its tables meet OpenCC's.
    terms = [w for phrase, (output, _) in direction.rules.items() for w in (phrase, output)]
    monkeypatch.setattr(Chain, "_flattened", classmethod(lambda cls, config, tmp, tag: config))
    as_opencc_groups = Converter(editions, {}, glossary, quotes=False).direction(source, target).chain
    _same(merged, as_opencc_groups, _texts(direction.configs, terms))

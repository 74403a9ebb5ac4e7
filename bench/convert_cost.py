"""Per-article conversion cost: sitegen's news profile against plain OpenCC.

    python bench/convert_cost.py [--articles 1000] [--runs 5]

The corpus comes from ../shared/bench/make_corpus.py (--seed 1). Every article is parsed once,
as a build does; then each article's text is converted into the other edition three ways:

- plain OpenCC: one ``s2twp``/``tw2sp`` call over the article's text runs joined by newlines,
  the least any OpenCC-based tool pays (no quotes, no glossary, no markup handling);
- sitegen without the profile: ``convert_tokens`` (phrase-aware across inline markup) over the
  same tokens, with plain OpenCC configurations, no glossary, no quote conversion;
- sitegen with the profile: ``convert_tokens`` with the shipped glossary compiled in, the
  suppressions, house style and quote conversion (what a build does).

Setting up the converters (loading OpenCC's dictionaries and the glossary) happens once per
build and is reported separately. The figure per way is the median over runs of the total time
divided by the number of articles.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import opencc
from corpus import corpus_site

from sitegen.content import Article, load_articles
from sitegen.convert import Converter, Glossary, convert_tokens, text_runs
from sitegen.diagnostics import Diagnostics
from sitegen.pipeline import make_converter
from sitegen.settings import load

CONFIGS = {("zh-Hans", "zh-Hant"): "s2twp", ("zh-Hant", "zh-Hans"): "tw2sp"}


def other(article: Article) -> str:
    return "zh-Hant" if article.lang == "zh-Hans" else "zh-Hans"


def timed(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sitegen-bench")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    settings = load(corpus_site(args.workdir, args.articles))

    started = time.perf_counter()
    profile = make_converter(settings)
    for pair in CONFIGS:
        profile.direction(*pair).chain  # noqa: B018 - loads the OpenCC configuration with the glossary
    setup_profile = time.perf_counter() - started
    plain_sitegen = Converter([(e.lang, e.script) for e in settings.editions], {}, Glossary(), quotes=False)
    started = time.perf_counter()
    raw = {pair: opencc.OpenCC(config) for pair, config in CONFIGS.items()}
    setup_plain = time.perf_counter() - started
    for pair in CONFIGS:
        plain_sitegen.direction(*pair).chain  # noqa: B018

    articles = load_articles(settings, Diagnostics(), profile.detect_script)
    texts = [(a, "\n".join("".join(t.content for t in g) for g in text_runs(a.tokens).groups)) for a in articles]
    chars = sum(len(t) for _, t in texts)

    def plain_opencc() -> None:
        for article, text in texts:
            raw[(article.lang, other(article))].convert(text)

    def sitegen_with(converter: Converter) -> Callable[[], None]:
        def run() -> None:
            for article in articles:
                convert_tokens(article.tokens, converter.direction(article.lang, other(article)))
        return run

    rows = [
        ("plain OpenCC (s2twp/tw2sp, one call)", timed(plain_opencc, args.runs)),
        ("sitegen, no profile (plain configs)", timed(sitegen_with(plain_sitegen), args.runs)),
        ("sitegen with the news profile", timed(sitegen_with(profile), args.runs)),
    ]
    n = len(articles)
    print(f"{n} articles, {chars / n:.0f} characters of text each on average; median of {args.runs} runs")
    base = rows[0][1]
    for name, seconds in rows:
        print(f"  {name:40s} {seconds / n * 1000:7.3f} ms/article  ({seconds / base:.2f}x plain OpenCC)")
    print(f"  setup once per build: profile {setup_profile * 1000:.0f} ms (OpenCC + glossary), "
          f"plain OpenCC {setup_plain * 1000:.0f} ms")
    ratio = rows[2][1] / base
    print(f"profile / plain OpenCC = {ratio:.2f}x (limit 2x): {'ok' if ratio <= 2 else 'TOO SLOW'}")


if __name__ == "__main__":
    main()

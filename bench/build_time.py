"""Time `sitegen build` on the demo site and on generated corpora.

    python bench/build_time.py [--articles 1000 ...] [--runs 3]

Corpora come from ../shared/bench/make_corpus.py (deterministic, --seed 1). Each build runs the real
command in a child process; the figure is the median wall time of the runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from corpus import REPO, corpus_site, time_build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, nargs="*", default=[1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sitegen-bench")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    demo = args.workdir / "demo"
    shutil.rmtree(demo, ignore_errors=True)
    demo.mkdir()
    shutil.copytree(REPO / "content", demo / "content")
    shutil.copy(REPO / "pyproject.toml", demo / "pyproject.toml")
    rows = [("demo (3 articles)", *time_build(demo, args.runs))]
    for n in args.articles:
        rows.append((f"{n} articles", *time_build(corpus_site(args.workdir, n), args.runs)))
    load = os.getloadavg()[0]
    print(f"| corpus | median wall ({args.runs} runs) | pages written |\n|---|---|---|")
    for name, seconds, _ in rows:
        pages = sum(1 for _ in (args.workdir / ("demo" if name.startswith("demo") else
                                                f"site-{name.split()[0]}") / "build").rglob("*.html"))
        print(f"| {name} | {seconds:.2f} s | {pages} |")
    print(f"\nmachine: {os.cpu_count()} cores, load average {load:.1f} at the end of the run")


if __name__ == "__main__":
    main()

"""Time `sitegen build` on the demo site and on generated corpora.

    python bench/build_time.py [--articles 1000 ...] [--runs 3]

Corpora come from ../shared/bench/make_corpus.py (deterministic, --seed 1). Each build runs the real
command in a child process; the figure is the median wall time of the runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAKE_CORPUS = REPO.parent / "shared" / "bench" / "make_corpus.py"


def time_build(site: Path, runs: int) -> tuple[float, str]:
    times, summary = [], ""
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "sitegen.cli", "build", "--source", str(site), "--quiet"],
                              capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"build failed:\n{proc.stderr}")
        summary = proc.stdout
    return statistics.median(times), summary


def corpus_site(workdir: Path, articles: int) -> Path:
    site = workdir / f"site-{articles}"
    if not site.exists():
        subprocess.run([sys.executable, str(MAKE_CORPUS), str(site / "content"), "--articles", str(articles),
                        "--seed", "1", "--seeds-dir", str(MAKE_CORPUS.parent.parent / "seeds")],
                       check=True, capture_output=True)
        (site / "pyproject.toml").write_text('[tool.sitegen]\ntitle = "基准"\n', encoding="utf-8")
    return site


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

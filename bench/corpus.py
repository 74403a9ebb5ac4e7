"""What the benchmark scripts share: the generated corpus and a timed `sitegen build`.

Every script times the real command in a child process, so start-up, the process pool and the
writes count as a user would see them.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAKE_CORPUS = REPO.parent / "shared" / "bench" / "make_corpus.py"
SEEDS = REPO.parent / "shared" / "seeds"
DEFAULT_SETTINGS = '[tool.sitegen]\ntitle = "基准"\n'


def corpus_site(workdir: Path, articles: int, settings: str = DEFAULT_SETTINGS) -> Path:
    """A site of ``articles`` generated articles (--seed 1, so every run sees the same text)."""
    site = workdir / f"site-{articles}"
    if not (site / "content").is_dir():
        site.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(MAKE_CORPUS), str(site / "content"), "--articles", str(articles),
                        "--seed", "1", "--seeds-dir", str(SEEDS)], check=True, capture_output=True)
    # Written every time: the settings are part of what is measured and may change between scripts.
    (site / "pyproject.toml").write_text(settings, encoding="utf-8")
    return site


def build_command(site: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sitegen.cli", "build", "--source", str(site), "--quiet", *extra]


def time_build(site: Path, runs: int, *extra: str) -> tuple[float, str]:
    """Median wall time of ``runs`` builds, and the last build's summary line."""
    times, summary = [], ""
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run(build_command(site, *extra), capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if proc.returncode not in (0, 1):  # 1 is warnings with --strict, never a failed build
            raise SystemExit(f"build failed:\n{proc.stderr}")
        summary = proc.stdout
    return statistics.median(times), summary

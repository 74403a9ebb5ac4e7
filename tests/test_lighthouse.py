"""Lighthouse 12 on an article page of each edition: at least 0.95 in every category.

Runs the npm package (installed by .ci/run into .ci/node_modules) against the demo served on
127.0.0.1, with Debian's Chromium headless. Reports are kept under .artifacts/lighthouse.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
from pathlib import Path

import pytest
from browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DEMO_SETTINGS, serve
from conftest import REPO, SUMMARY, make_site, require

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
ARTICLE = "001_75a6d564d30899f2/"


def lighthouse() -> str:
    local = REPO / ".ci" / "node_modules" / ".bin" / "lighthouse"
    found = str(local) if local.is_file() else shutil.which("lighthouse")
    require(Path(found) if found else "lighthouse", "Lighthouse scores the theme")
    require(CHROMIUM, "Lighthouse drives Debian's Chromium")
    return str(found)


def test_lighthouse_scores_an_article_page_of_each_edition(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    command = lighthouse()
    site = make_site(tmp_path / "src", DEMO_SETTINGS + 'base_url = "http://127.0.0.1/news/"\n', demo=True)
    assert site.build("--out", str(tmp_path / "www" / "news")).exit_code in (0, 1)
    reports = ARTIFACTS / "lighthouse"
    reports.mkdir(parents=True, exist_ok=True)
    scores: dict[str, dict[str, float]] = {}
    with serve(tmp_path / "www", "/news/") as served:
        for edition in ("zh-hans", "zh-hant"):

            def run(n: int, edition: str = edition) -> dict:  # type: ignore[type-arg]
                report = reports / f"{edition}-article{'' if n == 0 else f'-{n + 1}'}.json"
                flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
                proc = subprocess.run(
                    [command, served.url(f"{edition}/{ARTICLE}"), "--quiet", "--output=json",
                     f"--output-path={report}", f"--only-categories={','.join(CATEGORIES)}",
                     f"--chrome-flags={flags}"],
                    capture_output=True, text=True, timeout=300,
                    env={**os.environ, "CHROME_PATH": str(CHROMIUM)},
                )
                assert proc.returncode == 0, proc.stderr[-2000:]
                return json.loads(report.read_text(encoding="utf-8"))

            result = run(0)
            scores[edition] = {c: result["categories"][c]["score"] for c in CATEGORIES}
            # The performance score is timed, and a run on a busy machine (a browser starting
            # cold) can score far below the page's own: as Lighthouse advises for variable
            # scores, the median of three runs is taken then. The other categories are not timed.
            if scores[edition]["performance"] < 0.95:
                more = [run(n)["categories"]["performance"]["score"] for n in (1, 2)]
                scores[edition]["performance"] = statistics.median([scores[edition]["performance"], *more])
            failing = {a: v["title"] for a, v in result["audits"].items()
                       if v.get("score") is not None and v["score"] < 0.9 and v.get("scoreDisplayMode") == "binary"}
            scores[edition + " failing audits"] = failing  # type: ignore[assignment]
    lines = [f"lighthouse {e}: " + ", ".join(f"{c} {s[c]:.2f}" for c in CATEGORIES)
             for e, s in scores.items() if "failing" not in e]
    request.config.stash.setdefault(SUMMARY, []).extend(lines)
    for edition in ("zh-hans", "zh-hant"):
        assert all(scores[edition][c] >= 0.95 for c in CATEGORIES), (scores[edition],
                                                                      scores[edition + " failing audits"])

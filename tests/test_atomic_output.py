"""A failed, interrupted or killed build leaves the previous build/ exactly as it was."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Site, make_site

PARAGRAPH = "人工智能公司周三宣布完成新一轮融资，投资者包括多家风险投资基金。分析人士认为，这反映出市场对大模型的信心。"


def snapshot(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


def corpus(site: Site, articles: int, marker: str = "") -> None:
    """Enough dated articles that a build takes a few seconds, long enough to interrupt."""
    body = "\n\n".join(f"{PARAGRAPH}{marker}第{i}段。" for i in range(40))
    for n in range(articles):
        site.write(f"{n:04d}.md", f"---\ntitle: 文章{n}\ndate: 2024-01-{n % 28 + 1:02d} 08:{n % 60:02d}:00\n"
                   f"tags: [标签{n % 17}, 融资]\ncategories: [科技]\n---\n{body}\n")


def leftovers(site: Site) -> list[str]:
    return sorted(p.name for p in site.root.iterdir() if p.name.startswith(".build."))


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, dict[str, str]]:
    site = make_site(tmp_path_factory.mktemp("atomic") / "site")
    corpus(site, 300)
    run = site.build_process("-q")
    assert run.exit_code == 0, run.stderr
    return site, snapshot(site.out)


def interrupt(site: Site, sig: signal.Signals) -> subprocess.CompletedProcess[str]:
    """Start a real build, wait until it is writing its staging folder, then send ``sig``.

    The signal goes to the build's whole process group, as a terminal's Ctrl-C does (and so that
    any worker processes get it too).
    """
    # With Ctrl-C's default action, as a terminal's foreground command has it: a shell script's
    # background job (how CI may start pytest) ignores SIGINT, and a child inherits that, so Python
    # in it would never raise KeyboardInterrupt and the build would run to the end.
    proc = subprocess.Popen([sys.executable, "-m", "sitegen.cli", "build", "--source", str(site.root), "-q"],
                            cwd=site.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            # A first build writes a whole new site into .build.staging-PID, a later one only
            # what changed into .build.patch-PID.
            staging = [p for p in [*site.root.glob(".build.staging-*"), *site.root.glob(".build.patch-*")]
                       if p.is_dir()]
            if staging and sum(1 for _ in staging[0].rglob("*.html")) >= 50:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the build finished before it could be interrupted"
        os.killpg(proc.pid, sig)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def test_ctrl_c_mid_build_keeps_the_previous_build(big: tuple[Site, dict[str, str]]) -> None:
    site, before = big
    corpus(site, 300, marker="（更新）")
    done = interrupt(site, signal.SIGINT)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert "interrupted: the previous output is untouched" in done.stderr
    assert snapshot(site.out) == before
    assert leftovers(site) == []


def test_kill_9_mid_build_keeps_the_previous_build_and_the_next_build_cleans_up(
        big: tuple[Site, dict[str, str]]) -> None:
    site, before = big
    corpus(site, 300, marker="（再更新）")
    done = interrupt(site, signal.SIGKILL)
    assert done.returncode == -signal.SIGKILL
    assert snapshot(site.out) == before
    # The killed build could not clean up after itself ...
    assert [n for n in leftovers(site) if n.startswith((".build.staging-", ".build.patch-"))]
    # ... the next one does, and swaps in the new site.
    run = site.build_process("-q")
    assert run.exit_code == 0, run.stderr
    assert leftovers(site) == []
    assert "（再更新）" in (site.out / "zh-hans/0001/index.html").read_text(encoding="utf-8")


def test_failed_build_keeps_the_previous_build(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={"a.md": "---\ntitle: 好\ndate: 2022-01-01\n---\n正文\n"})
    assert site.build().exit_code == 0
    before = snapshot(site.out)
    site.write("b.md", "---\ntitle: [坏\n---\n正文\n")
    site.write("a.md", "---\ntitle: 改过\ndate: 2022-01-01\n---\n正文\n")
    run = site.build_process()
    assert run.exit_code == 2
    assert snapshot(site.out) == before
    assert leftovers(site) == []


def test_a_build_killed_between_its_renames_gets_the_previous_build_back(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={"a.md": "---\ntitle: 好\ndate: 2022-01-01\n---\n正文\n"})
    assert site.build().exit_code == 0
    before = snapshot(site.out)
    # What commit() leaves if killed after moving the old site aside and before moving the new one in.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    site.out.rename(site.root / f".build.old-{dead}")
    (site.root / f".build.staging-{dead}").mkdir()
    site.write("b.md", "---\ntitle: [坏\n---\n正文\n")  # and this build fails
    run = site.build_process()
    assert run.exit_code == 2
    assert snapshot(site.out) == before
    assert leftovers(site) == []


def test_a_running_builds_staging_folder_is_not_touched(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", files={"a.md": "---\ntitle: 好\ndate: 2022-01-01\n---\n正文\n"})
    other = site.root / f".build.staging-{os.getppid()}"  # a live process: another build, say
    other.mkdir()
    assert site.build().exit_code == 0
    assert other.is_dir()

"""The command line as a user types it."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import Site

from sitegen import __version__


def _sitegen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sitegen.cli", *args], capture_output=True, text=True)


def test_version_and_help() -> None:
    version = _sitegen("--version")
    assert version.returncode == 0 and __version__ in version.stdout
    help_text = _sitegen("--help")
    assert help_text.returncode == 0 and "build" in help_text.stdout
    build_help = _sitegen("build", "--help")
    for option in ("--source", "--out", "--base-url", "--strict", "--quiet"):
        assert option in build_help.stdout


def test_summary_line_and_warnings(demo: Site) -> None:
    run = demo.build_process()
    assert run.exit_code == 0, run.stderr
    assert re.fullmatch(r"built 3 articles: zh-Hans \d+ pages, zh-Hant \d+ pages; 6 warnings; [\d.]+ s -> .+\n",
                        run.stdout), run.stdout
    warnings = run.stderr.splitlines()
    assert len(warnings) == 6
    assert all(re.match(r"^\S+:\d+: ", w) for w in warnings), warnings


def test_quiet_prints_nothing_on_success(demo: Site) -> None:
    run = demo.build_process("--quiet")
    assert run.exit_code == 0 and run.stdout == "" and run.stderr == ""


def test_out_option_and_default(demo: Site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert demo.build_process("--out", str(tmp_path / "elsewhere")).exit_code == 0
    assert (tmp_path / "elsewhere" / "zh-hans" / "index.html").is_file()
    assert not demo.out.exists()
    assert demo.build_process().exit_code == 0
    assert (demo.out / "zh-hant" / "index.html").is_file()


def test_date_fallback_warnings_name_the_file_and_what_to_add(demo: Site) -> None:
    run = demo.build_process()
    lines = [line for line in run.stderr.splitlines() if "no date" in line]
    assert len(lines) == 2
    assert all("001_" in line or "002_" in line for line in lines)
    assert all("add 'date: " in line for line in lines)

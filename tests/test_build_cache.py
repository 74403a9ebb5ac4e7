"""Speed features from the outside: the worker pool, the persistent cache, quiet writes, progress.

No test here looks at a clock. The cache tests change one thing a build depends on, build again
with the cache, and check both what the change must show and that the whole output is byte for
byte what a build from scratch (--no-cache) makes: nothing stale survives.
"""

from __future__ import annotations

import io
import itertools
import os
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import Site, make_site, png, text_of
from rich.console import Console

from sitegen import cache, feeds, pipeline
from sitegen.cli import progress_for
from sitegen.output import Output, Patch, recover
from sitegen.progress import Bar, Lines, Silent

SETTINGS = 'title = "测试站"\nsearch = false\n'


def article(n: int, title: str, body: str = "", links: str = "") -> str:
    return (f"---\ntitle: {title}\ndate: 2025-01-01 {n // 60:02d}:{n % 60:02d}:00\ntags: [芯片, 标签{n % 3}]\n---\n\n"
            f"{body or f'第{n}篇文章的正文，讲软件和网络。'}{links}\n")


def news_site(root: Path, count: int = 30, settings: str = SETTINGS) -> Site:
    files = {f"{n:03d}.md": article(n, f"文章{n}", links=f"参见[上一篇]({n - 1:03d}.md)。" if n > 1 else "")
             for n in range(1, count + 1)}
    return make_site(root, SETTINGS if settings == SETTINGS else settings, files)


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def stats(out: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(out.rglob("*")) if p.is_file()}


def assert_fresh(site: Site, tmp_path: Path) -> None:
    """The cached build's output is exactly what a build from scratch writes."""
    fresh = tmp_path / "fresh"
    run = site.build("--no-cache", "--out", str(fresh))
    assert run.exit_code == 0, run.stderr
    assert snapshot(site.out) == snapshot(fresh)


# Seconds into the past that settle() moves files to, each call further on: every settled change
# gets a modification time of its own, as changes made seconds apart do.
_AGES = itertools.count(3600, -1)


def settle(site: Site) -> None:
    """Make the site's recent changes look seconds old.

    A build trusts file status (size, modification time) to tell what changed only for files not
    touched within the last moments (see sitegen/snapshot.py), which a test's files always are. So
    that the cached builds here can skip as much as they would for a writer, every file and folder
    changed lately is given a past time of its own, later than the one before.
    """
    moment = time.time() - next(_AGES)
    for folder, subfolders, files in os.walk(site.root):
        if folder == str(site.root):
            # Not the output, the cache, or an old output on its way out.
            subfolders[:] = [d for d in subfolders if d != "build" and not d.startswith(".")]
        for path in [folder, *(os.path.join(folder, f) for f in files)]:
            if os.stat(path).st_mtime > time.time() - 60:
                os.utime(path, (moment, moment))


def build_ok(site: Site, *args: str) -> None:
    settle(site)
    run = site.build(*args)
    assert run.exit_code == 0, run.stderr


# -- the worker pool -------------------------------------------------------------------------------

# Articles enough that a whole build has more pages than pipeline.FORK_FROM: page workers start.
POOLED = 80

def test_jobs_build_the_same_site_as_one_process(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s", count=POOLED)
    build_ok(site, "--no-cache", "--jobs", "2")
    pooled = snapshot(site.out)
    build_ok(site, "--no-cache", "--jobs", "1")
    assert snapshot(site.out) == pooled
    assert text_of(site.html("zh-hant/080/"), ".body p") == "第80篇文章的正文，講軟體和網路。參見上一篇。"
    assert site.html("zh-hant/080/").css_first(".body a").attributes["href"] == "/zh-hant/079/"


def test_pages_rendered_by_workers_are_link_checked(tmp_path: Path) -> None:
    # Enough articles that the pages are rendered in several worker processes, which read each
    # page's links there: a broken link and one leaving the base path must still fail the build.
    site = news_site(tmp_path / "s", count=POOLED,
                     settings=SETTINGS + 'base_url = "https://user.github.io/repo/"\n')
    build_ok(site, "--jobs", "2")
    before = snapshot(site.out)
    site.write("030.md", article(30, "文章30", links="见[旧文](/repo/zh-hans/gone/)和[图](/images/chart.png)。"))
    run = site.build("--jobs", "2", "--no-cache")  # every page rendered again, by the workers
    assert run.exit_code == 2
    assert "build/zh-hans/030/index.html:" in run.stderr and "build/zh-hant/030/index.html:" in run.stderr
    assert "links to zh-hans/gone/, which the build did not write" in run.stderr
    assert '<a href="/images/chart.png"> leaves the site\'s base path /repo/' in run.stderr
    assert snapshot(site.out) == before


def test_template_error_in_a_worker_is_reported_as_file_and_line(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s", count=POOLED)
    (site.root / "templates").mkdir()
    (site.root / "templates" / "article.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n{{ article.nope.deeper }}\n{% endblock %}\n', encoding="utf-8")
    run = site.build("--no-cache", "--jobs", "2")
    assert run.exit_code == 2
    assert "Traceback" not in run.stderr
    assert "templates/article.html:3: template error:" in run.stderr
    assert not site.out.exists()


def test_jobs_must_be_positive(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s", count=2)
    run = site.build("--jobs", "0")
    assert run.exit_code == 2 and "--jobs" in run.stderr


# -- the persistent cache: one test per dependency ---------------------------------------------------

def test_cache_is_written_and_ignored_by_git(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s", count=3)
    build_ok(site)
    assert (site.root / ".sitegen-cache" / "cache.sqlite").is_file()
    assert (site.root / ".sitegen-cache" / ".gitignore").read_text() == "*\n"


def test_changed_article_is_rebuilt(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s")
    build_ok(site)
    site.write("015.md", article(15, "改过的标题", body="改过的正文讲硬件。"))
    build_ok(site)
    page = site.html("zh-hant/015/")
    assert text_of(page, "article h1") == "改過的標題"
    assert text_of(page, ".body p") == "改過的正文講硬體。"
    # Its neighbours' prev/next links and the lists show the new title too.
    assert "改过的标题" in (site.out / "zh-hans/016/index.html").read_text(encoding="utf-8")
    assert "改過的標題" in (site.out / "zh-hant/tags/芯片/index.html").read_text(encoding="utf-8")
    assert_fresh(site, tmp_path)


def test_a_body_edit_reaches_every_page_showing_the_article(tmp_path: Path) -> None:
    # Only the body changes, its front-matter stays: the build looks at just the pages showing the
    # article (see pipeline._edited_bodies), and those include the lists showing its summary.
    site = news_site(tmp_path / "s")
    build_ok(site)
    site.write("015.md", article(15, "文章15", body="新写的导语讲软件。\n\n第二段。"))
    build_ok(site)
    assert text_of(site.html("zh-hant/015/"), ".body p") == "新寫的導語講軟體。"
    hant, hans = "新寫的導語講軟體。", "新写的导语讲软件。"
    for page, summary in [("zh-hant/tags/标签0/", hant), ("zh-hant/archive/2025/", hant),
                          ("zh-hans/", hans), ("zh-hans/tags/芯片/", hans)]:
        assert summary in [node.text() for node in site.html(page).css(".summary")], page
    assert "新寫的導語講軟體。" in (site.out / "zh-hant/feeds/atom.xml").read_text(encoding="utf-8")
    assert_fresh(site, tmp_path)
    # A second edit of the same article, then one of its front-matter: each as from scratch.
    site.write("015.md", article(15, "文章15", body="再改一次。"))
    build_ok(site)
    assert_fresh(site, tmp_path)
    retagged = article(15, "新标题", body="再改一次。").replace("tags: [芯片, 标签0]", "tags: [芯片, 新标签]")
    site.write("015.md", retagged)
    build_ok(site)
    assert "新標題" in (site.out / "zh-hant/016/index.html").read_text(encoding="utf-8")
    assert text_of(site.html("zh-hant/tags/新标签/"), ".summary") == "再改一次。"
    assert_fresh(site, tmp_path)


def test_a_body_edit_that_shows_or_drops_a_file_beside_the_article(tmp_path: Path) -> None:
    # The image file is there all along: only the body starts, then stops, showing it.
    site = news_site(tmp_path / "s")
    site.write("015/chart.png", png(40, 30))
    build_ok(site)
    assert not (site.out / "zh-hans/015/chart.png").exists()
    site.write("015.md", article(15, "文章15", body="{% asset_img chart.png 图表 %}"))
    build_ok(site)
    assert (site.out / "zh-hans/015/chart.png").read_bytes() == png(40, 30)
    assert_fresh(site, tmp_path)
    site.write("015.md", article(15, "文章15"))
    build_ok(site)
    assert not (site.out / "zh-hans/015/chart.png").exists()
    assert_fresh(site, tmp_path)


def test_a_body_edit_after_a_file_was_left_in_the_output_removes_it(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s")
    build_ok(site)
    (site.out / "zh-hans" / "015" / "notes.txt").write_text("left here by hand", encoding="utf-8")
    site.write("015.md", article(15, "文章15", body="改过的正文。"))
    build_ok(site)
    assert not (site.out / "zh-hans/015/notes.txt").exists()
    assert_fresh(site, tmp_path)


def test_deleted_article_leaves_no_trace(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s")
    build_ok(site)
    (site.root / "content" / "030.md").unlink()
    run = site.build()
    assert run.exit_code == 0
    assert not (site.out / "zh-hans/030").exists()
    assert "文章30" not in (site.out / "zh-hans/index.html").read_text(encoding="utf-8")
    assert_fresh(site, tmp_path)


def test_changed_template_is_used_for_every_page(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s", count=5)
    build_ok(site)
    (site.root / "templates").mkdir()
    (site.root / "templates" / "_footer.html").write_text('<p class="marker">新页脚</p>\n', encoding="utf-8")
    build_ok(site)
    for rel in ("zh-hans/", "zh-hant/003/", "zh-hans/tags/芯片/"):
        assert text_of(site.html(rel), ".marker") == "新页脚"
    assert_fresh(site, tmp_path)


def test_changed_setting_is_used_for_every_page(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s", count=5)
    build_ok(site)
    (site.root / "pyproject.toml").write_text("[tool.sitegen]\n" + SETTINGS.replace("测试站", "新名字"),
                                              encoding="utf-8")
    build_ok(site)
    for rel in ("zh-hans/", "zh-hans/003/", "zh-hant/tags/"):
        assert "新名字" in text_of(site.html(rel), "title")
    assert_fresh(site, tmp_path)


def test_changed_glossary_converts_again(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s", count=5)
    build_ok(site)
    assert "軟體" in text_of(site.html("zh-hant/003/"), ".body p")
    site.write("glossary.toml", '[[group]]\nname = "ours"\nentries = [{ zh-Hans = "软件", zh-Hant = "軟件" }]\n')
    build_ok(site)
    body = text_of(site.html("zh-hant/003/"), ".body p")
    assert "軟件" in body and "軟體" not in body
    assert_fresh(site, tmp_path)


def test_linked_article_title_and_slug_reach_the_linking_page(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s", count=5)
    # A tag link without text shows the linked article's title; a Markdown link, its URL.
    site.write("100.md", "---\ntitle: 链接页\ndate: 2025-02-01\n---\n\n见{% post_link 002 %}和[这篇](003.md)。\n")
    build_ok(site)
    page = site.html("zh-hant/100/")
    assert page.css(".body a")[0].text() == "文章2"
    site.write("002.md", article(2, "新的标题"))
    site.write("003.md", article(3, "文章3").replace("---\ntitle", "---\nslug: moved\ntitle"))
    build_ok(site)
    links = site.html("zh-hant/100/").css(".body a")
    assert links[0].text() == "新的標題"
    assert links[1].attributes["href"] == "/zh-hant/moved/"
    assert_fresh(site, tmp_path)


def test_missing_link_target_appearing_makes_the_link_live(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s", count=3)
    site.write("010.md", article(10, "引用", links="见[未来](020.md)。"))
    build_ok(site)
    assert site.html("zh-hans/010/").css(".body .unresolved-link")
    site.write("020.md", article(20, "未来"))
    build_ok(site)
    assert site.html("zh-hans/010/").css_first(".body a[href='/zh-hans/020/']") is not None
    assert_fresh(site, tmp_path)


def test_new_sitegen_version_discards_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = news_site(tmp_path / "s", count=3)
    build_ok(site)
    # What the old version stored is not read by the new one: a stored record would say "old".
    db = sqlite3.connect(site.root / ".sitegen-cache" / "cache.sqlite")
    assert db.execute("SELECT count(*) FROM entries WHERE kind = 'records'").fetchone()[0] == 1
    db.close()
    for module in (cache, pipeline, feeds):
        monkeypatch.setattr(module, "__version__", "99.0.0")
    build_ok(site)
    # What shows the version (the feeds' generator) shows the new one: it was written again.
    atom = ET.parse(site.out / "zh-hans/feeds/atom.xml").getroot()
    assert atom.find("{http://www.w3.org/2005/Atom}generator").attrib["version"] == "99.0.0"
    db = sqlite3.connect(site.root / ".sitegen-cache" / "cache.sqlite")
    assert db.execute("SELECT data FROM entries WHERE kind = 'meta'").fetchone()[0] == f"{cache.FORMAT}/99.0.0".encode()
    db.close()


# -- nothing changed: the build is skipped, but only while its output is as it left it ---------------

@pytest.mark.parametrize("written", ["seconds ago", "just now"])
def test_nothing_changed_is_not_built_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str) -> None:
    site = news_site(tmp_path / "s", count=5)
    if written == "seconds ago":
        build_ok(site)
    else:  # files this recent are recorded by their bytes (see sitegen/snapshot.py)
        assert site.build().exit_code == 0
    settle(site)  # and compared by their bytes however old they are by the next build
    built = snapshot(site.out)

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("built again")

    monkeypatch.setattr(pipeline, "_build", fail)
    run = site.build()
    assert run.exit_code == 0, run.stderr
    assert "built 5 articles" in run.stdout
    assert snapshot(site.out) == built


@pytest.mark.parametrize("tamper", ["edit", "delete", "add"])
def test_output_changed_by_hand_is_built_again(tmp_path: Path, tamper: str) -> None:
    site = news_site(tmp_path / "s", count=5)
    build_ok(site)
    page = site.out / "zh-hans/003/index.html"
    if tamper == "edit":
        page.write_text(page.read_text(encoding="utf-8").replace("文章3", "文章X"), encoding="utf-8")
    elif tamper == "delete":
        page.unlink()
    else:
        (site.out / "zh-hans/003/stray.html").write_text("<p>stray</p>", encoding="utf-8")
    build_ok(site)
    assert_fresh(site, tmp_path)


def test_a_changed_file_of_the_same_size_is_built_again(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s", count=5)
    build_ok(site)
    site.write("003.md", article(3, "文章9"))  # same length: only the modification time tells
    build_ok(site)
    assert text_of(site.html("zh-hans/003/"), "article h1") == "文章9"
    assert_fresh(site, tmp_path)


def test_a_file_changed_just_now_is_compared_by_its_bytes(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s", count=5)
    build_ok(site)
    # Built right after a change: the file could change again within the same timestamp.
    path = site.write("003.md", article(3, "文章8"))
    run = site.build()
    assert run.exit_code == 0, run.stderr
    # And it does: same size, and to status, the same moment.
    seen = path.stat()
    site.write("003.md", article(3, "文章9"))
    os.utime(path, ns=(seen.st_atime_ns, seen.st_mtime_ns))
    run = site.build()
    assert run.exit_code == 0, run.stderr
    assert text_of(site.html("zh-hans/003/"), "article h1") == "文章9"


# -- a cache that cannot be trusted ---------------------------------------------------------------

def test_corrupt_entry_is_detected_and_the_cache_discarded(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s", count=5)
    build_ok(site)
    db = sqlite3.connect(site.root / ".sitegen-cache" / "bodies.sqlite")
    # Every stored body says something else now; the checksums no longer match.
    assert db.execute("UPDATE bodies SET data = ?", (b"not what was stored",)).rowcount > 0
    db.commit()
    db.close()
    site.write("004.md", article(4, "改了"))  # so that the pages showing bodies are rendered again
    run = site.build()
    assert run.exit_code == 0, run.stderr
    assert "cache was corrupt" in run.stderr
    assert_fresh(site, tmp_path)


@pytest.mark.parametrize("kind", ["records", "pages", "links", "scans"])
def test_corrupt_changed_entries_are_detected_too(tmp_path: Path, kind: str) -> None:
    # A warm build stores only the entries of large maps that changed, as rows of their own
    # (cache.Store.put_map): each is checked like any entry.
    site = news_site(tmp_path / "s", count=5)
    build_ok(site)
    site.write("004.md", article(4, "文章4", body="改过的正文。"))
    build_ok(site)
    db = sqlite3.connect(site.root / ".sitegen-cache" / "cache.sqlite")
    assert db.execute("UPDATE entries SET data = ? WHERE kind = ?", (b"garbage", kind + "+")).rowcount > 0
    db.commit()
    db.close()
    site.write("004.md", article(4, "文章4", body="又改了一次。"))
    settle(site)
    run = site.build()
    assert run.exit_code == 0, run.stderr
    assert "cache was corrupt" in run.stderr
    assert text_of(site.html("zh-hans/004/"), ".body p") == "又改了一次。"
    assert_fresh(site, tmp_path)


def test_edits_after_an_article_was_deleted(tmp_path: Path) -> None:
    # What the cache knows of a deleted article is dropped for good, also when kept as changes.
    site = news_site(tmp_path / "s")
    build_ok(site)
    (site.root / "content" / "020.md").unlink()
    build_ok(site)
    for body in ["改过的正文。", "又改了一次。"]:
        site.write("015.md", article(15, "文章15", body=body))
        build_ok(site)
        assert not (site.out / "zh-hans/020").exists()
        assert_fresh(site, tmp_path)
    before = stats(site.out)
    build_ok(site)
    assert stats(site.out) == before


@pytest.mark.parametrize("name", ["cache.sqlite", "bodies.sqlite"])
def test_garbage_cache_file_is_discarded(tmp_path: Path, name: str) -> None:
    site = news_site(tmp_path / "s", count=5)
    build_ok(site)
    (site.root / ".sitegen-cache" / name).write_bytes(os.urandom(8192))
    for extra in (f".sitegen-cache/{name}-wal", f".sitegen-cache/{name}-shm"):
        (site.root / extra).unlink(missing_ok=True)
    site.write("004.md", article(4, "改了"))  # so that bodies are written and read again
    run = site.build()
    assert run.exit_code == 0, run.stderr
    assert "cache was corrupt" in run.stderr
    assert_fresh(site, tmp_path)


def bodies_stored(site: Site) -> int:
    db = sqlite3.connect(site.root / ".sitegen-cache" / "bodies.sqlite")
    try:
        return db.execute("SELECT count(*) FROM bodies").fetchone()[0]
    finally:
        db.close()


def test_bodies_no_article_shows_any_more_are_dropped_once_a_build_succeeds(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s", count=5)
    build_ok(site)
    stored = bodies_stored(site)
    assert stored >= 10  # each article's body in both editions
    link = "参见[上一篇](002.md)。"  # as news_site() writes it: a body and its feed variant per edition
    for text in ("第一次改写的正文。", "第二次改写的正文。"):
        site.write("003.md", article(3, "文章3", body=text, links=link))
        build_ok(site)
        assert bodies_stored(site) == stored
    # A failed build's bodies stay until a build succeeds: what the kept cache's records use is there.
    site.write("003.md", article(3, "文章3", body="失败那次的正文。", links=link))
    site.write("bad.md", "---\ntitle: [坏\n---\n正文\n")
    assert site.build().exit_code == 2
    (site.root / "content" / "bad.md").unlink()
    site.write("003.md", article(3, "文章3", body="第二次改写的正文。", links=link))
    build_ok(site)
    assert bodies_stored(site) == stored
    assert "第二次改寫的正文" in (site.out / "zh-hant/003/index.html").read_text(encoding="utf-8")
    assert_fresh(site, tmp_path)


def test_no_cache_neither_reads_nor_writes_it(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s", count=3)
    build_ok(site, "--no-cache")
    assert not (site.root / ".sitegen-cache").exists()
    build_ok(site)
    junk = os.urandom(4096)
    (site.root / ".sitegen-cache" / "cache.sqlite").write_bytes(junk)
    run = site.build("--no-cache")
    assert run.exit_code == 0 and "cache" not in run.stderr
    assert (site.root / ".sitegen-cache" / "cache.sqlite").read_bytes() == junk


# -- quiet writes and the atomic guarantee -----------------------------------------------------------

def test_unchanged_files_are_not_rewritten(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s")
    build_ok(site)
    before = stats(site.out)
    build_ok(site)
    assert stats(site.out) == before  # same inode, same modification time: nothing rewritten
    site.write("015.md", article(15, "文章15", body="只改了这一篇的正文。"))
    build_ok(site)
    after = stats(site.out)
    changed = {rel for rel in after if after[rel] != before.get(rel)}
    assert {"zh-hans/015/index.html", "zh-hant/015/index.html"} <= changed
    assert "zh-hans/001/index.html" not in changed and "static/style.css" not in changed
    # Without the cache too: bytes that did not change are not written again.
    build_ok(site, "--no-cache")
    assert stats(site.out) == after


def test_a_build_that_fails_late_leaves_the_previous_output_exactly(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    site = news_site(tmp_path / "s")
    build_ok(site)
    files, before = snapshot(site.out), stats(site.out)
    site.write("015.md", article(15, "新标题", body="新的正文。"))

    def crash(self: Output) -> None:
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C just before the swap

    # A warm build patches the output in place (Patch), a first one writes it afresh (Output).
    monkeypatch.setattr(Output, "commit", crash)
    monkeypatch.setattr(Patch, "commit", crash)
    run = site.build()
    assert run.exit_code == 130
    assert snapshot(site.out) == files and stats(site.out) == before
    assert not [p for p in site.root.iterdir() if p.name.startswith(".build.")]


def test_a_build_killed_while_moving_its_files_in_is_finished_by_the_next_command(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s")
    build_ok(site)
    site.write("015.md", article(15, "第十五篇新标题", body="新的正文。"))
    (site.root / "content" / "030.md").unlink()
    settle(site)
    # The real build, killed (as by kill -9) after moving the first of its new files into build/.
    script = (
        "import os, sys\n"
        "from sitegen import output\n"
        "real = output.finish\n"
        "def die(root, final):\n"
        "    staged = sorted(p for p in root.rglob('*.html'))\n"
        "    dest = final / staged[0].relative_to(root)\n"
        "    os.replace(staged[0], dest)\n"
        "    os._exit(9)\n"
        "output.finish = die\n"
        "from sitegen.cli import main\n"
        "main(['build', '--source', sys.argv[1], '-q'])\n"
    )
    killed = subprocess.run([sys.executable, "-c", script, str(site.root)], capture_output=True, text=True)
    assert killed.returncode == 9, killed.stderr
    # Half the new site is in: 015's new page in one edition at most, 030's pages still there.
    assert (site.out / "zh-hans/030/index.html").exists()
    assert [p.name for p in site.root.glob(".build.patch-*")]
    # Any next command finishes the moves first; the output is then the new site, whole.
    recover(site.out)
    assert not [p for p in site.root.iterdir() if p.name.startswith(".build.")]
    assert not (site.out / "zh-hans/030").exists() and not (site.out / "zh-hant/030").exists()
    for edition in ("zh-hans", "zh-hant"):
        title = site.html(f"{edition}/015/").css_first("h1").text()
        assert title in ("第十五篇新标题", "第十五篇新標題")
    assert_fresh(site, tmp_path)



def test_a_folder_of_the_output_linked_elsewhere_never_receives_pages(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s")
    build_ok(site)
    # Someone replaced an article's folder in build/ with a link to a folder outside it.
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not the site's", encoding="utf-8")
    folder = site.out / "zh-hans" / "015"
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
    folder.symlink_to(outside, target_is_directory=True)
    site.write("015.md", article(15, "改过的标题", body="改过的正文。"))
    settle(site)
    run = site.build()
    assert run.exit_code == 2
    assert "would leave the output folder" in run.stdout + run.stderr
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    assert not [p for p in site.root.iterdir() if p.name.startswith(".build.")]

def test_files_the_new_site_does_not_have_are_removed_from_the_output(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s")
    build_ok(site)
    (site.out / "zh-hans" / "notes.txt").write_text("left here by hand", encoding="utf-8")
    # An article that only a build without the cache wrote: the cache never heard of its pages.
    site.write("031.md", article(31, "文章31"))
    build_ok(site, "--no-cache")
    assert (site.out / "zh-hans/031/index.html").is_file()
    (site.root / "content" / "031.md").unlink()
    build_ok(site)
    assert not (site.out / "zh-hans/notes.txt").exists()
    assert not (site.out / "zh-hans/031").exists()
    assert_fresh(site, tmp_path)


def test_a_failed_build_leaves_the_previous_output_and_cache(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s")
    build_ok(site)
    files, before = snapshot(site.out), stats(site.out)
    site.write("bad.md", "---\ntitle: [坏\n---\n正文\n")
    assert site.build().exit_code == 2
    assert snapshot(site.out) == files and stats(site.out) == before
    (site.root / "content" / "bad.md").unlink()
    build_ok(site)
    assert stats(site.out) == before


# -- progress -----------------------------------------------------------------------------------

def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Console(file=io.StringIO(), force_terminal=True)
    pipe = Console(file=io.StringIO(), force_terminal=False)
    monkeypatch.delenv("CI", raising=False)
    assert isinstance(progress_for(terminal, quiet=False), Bar)
    assert isinstance(progress_for(pipe, quiet=False), Lines)
    assert isinstance(progress_for(terminal, quiet=True), Silent)
    monkeypatch.setenv("CI", "true")
    assert isinstance(progress_for(terminal, quiet=False), Lines)


def test_bar_shows_once_a_build_takes_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    bar = Bar(Console(file=out, force_terminal=True, width=80))
    bar.stage("articles", 10)
    bar.advance(5)
    assert out.getvalue() == ""  # a quick build shows nothing
    monkeypatch.setattr(Bar, "DELAY", 0.0)
    bar.advance(5)
    bar.close()
    assert "articles" in out.getvalue() and "10/10" in out.getvalue()


def test_plain_progress_lines_for_a_large_build_in_a_pipe(tmp_path: Path) -> None:
    site = news_site(tmp_path / "s", count=120)
    run = site.build_process("--jobs", "2")
    assert run.exit_code == 0, run.stderr
    lines = run.stderr.splitlines()
    assert "articles: 0/120" in lines and "articles: 120/120" in lines
    small = news_site(tmp_path / "small", count=3)
    run = small.build_process()
    assert run.exit_code == 0 and run.stderr == ""  # small builds: only diagnostics, here none

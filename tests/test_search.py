"""Search: a Pagefind index per edition and the map that folds a query into the edition's script."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from conftest import Site, make_site

from sitegen.search import SearchError, Stoppable, fold_query


def fold(site: Site, prefix: str) -> dict:
    return json.loads((site.out / prefix / "search/fold.json").read_text(encoding="utf-8"))


def test_every_edition_gets_an_index_of_its_articles(built_demo: Site) -> None:
    for prefix in ("zh-hans", "zh-hant"):
        files = [f for f in built_demo.files() if f.startswith(f"{prefix}/pagefind/")]
        assert f"{prefix}/pagefind/pagefind.js" in files
        assert any(f.endswith(".pf_meta") for f in files) and any("/fragment/" in f for f in files)
        assert not any("-ui." in f for f in files)  # Pagefind's own UIs are not published
        page = built_demo.html(f"{prefix}/000_9670ae2519f688e8/")
        assert page.css_first("article[data-pagefind-body]") is not None
        # Lists, tags and neighbours are not what a search should find.
        assert page.css_first(".related[data-pagefind-ignore], .after-article[data-pagefind-ignore]") is not None


def test_queries_fold_into_the_edition_script(built_demo: Site) -> None:
    hant, hans = fold(built_demo, "zh-hant"), fold(built_demo, "zh-hans")
    # Expected forms written by hand: Taiwan vocabulary, characters, and what stays.
    assert fold_query(hant, "人工智能") == "人工智慧"
    assert fold_query(hant, "人工智慧") == "人工智慧"
    assert fold_query(hant, "软件融资") == "軟體融資"
    assert fold_query(hant, "网络") == "網路"
    assert fold_query(hans, "人工智慧") == "人工智能"
    assert fold_query(hans, "軟體融資") == "软件融资"
    assert fold_query(hans, "資訊") == "信息"
    assert fold_query(hans, "Anthropic 估值") == "Anthropic 估值"
    for prefix in ("zh-hans", "zh-hant"):
        size = (built_demo.out / prefix / "search/fold.json").stat().st_size
        assert size < 100 * 1024, size  # the extra download a search costs


def test_search_page_and_masthead_form(built_demo: Site) -> None:
    page = built_demo.html("zh-hant/search/")
    script = page.css_first("script[data-fold]")
    assert script.attributes["data-fold"] == "/zh-hant/search/fold.json"
    assert script.attributes["data-pagefind"] == "/zh-hant/pagefind/pagefind.js"
    form = built_demo.html("zh-hant/tags/").css_first("form[role=search]")
    assert form.attributes["action"] == "/zh-hant/search/" and form.css_first("input[name=q]") is not None


def test_search_can_be_turned_off(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", "search = false\n", demo=True)
    assert site.build().exit_code in (0, 1)
    assert not any("pagefind" in f or f.endswith("fold.json") for f in site.files())
    assert site.html("zh-hans/").css_first("form[role=search]") is None


def test_a_broken_pagefind_fails_the_build_and_keeps_the_old_site(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", demo=True)
    assert site.build().exit_code in (0, 1)
    before = site.files()
    (site.root / "pyproject.toml").write_text('[tool.sitegen]\npagefind = "/nonexistent/pagefind"\n')
    run = site.build_process()
    assert run.exit_code == 2 and "Traceback" not in run.stderr + run.stdout
    assert "pagefind" in (run.stderr + run.stdout)
    assert site.files() == before


def test_search_output_is_deterministic(tmp_path: Path) -> None:
    a, b = make_site(tmp_path / "a", demo=True), make_site(tmp_path / "b", demo=True)
    for site in (a, b):
        for f in (site.root / "content").iterdir():  # same file dates: the demo has undated articles
            import os
            os.utime(f, (1_700_000_000, 1_700_000_000))
        assert site.build().exit_code in (0, 1)
    assert a.files() == b.files()
    for rel in a.files():
        if "/pagefind/" in rel or rel.endswith("fold.json"):
            assert (a.out / rel).read_bytes() == (b.out / rel).read_bytes(), rel


def test_a_third_edition_gets_its_own_index_fold_map_and_switch_links(tmp_path: Path) -> None:
    site = make_site(tmp_path / "s", 'editions = ["zh-Hans", "zh-Hant", "zh-Hant-HK"]\n', {
        "a.md": "---\ntitle: 软件公司融资\ndate: 2026-01-01\ntags: [软件]\n---\n\n这家软件公司完成融资。\n",
    })
    assert site.build().exit_code in (0, 1)
    hk = fold(site, "zh-hant-hk")
    # Hong Kong writes 軟件 where Taiwan writes 軟體: both spellings fold to the HK form.
    assert fold_query(hk, "软件") == "軟件" and fold_query(hk, "軟體") == "軟件"
    assert fold_query(fold(site, "zh-hant"), "軟件") == "軟體"
    assert "zh-hant-hk/pagefind/pagefind.js" in site.files()
    switch = site.html("zh-hant-hk/tags/").css(".edition-switch a[data-edition]")
    assert [a.attributes["href"] for a in switch] == ["/zh-hans/tags/", "/zh-hant/tags/"]
    assert site.html("zh-hant-hk/tags/").css_first(".edition-switch .current").text() == "港"


def running(pid: int) -> bool:
    """Whether a process runs (a zombie, dead but not yet reaped by init, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def test_stopping_a_background_index_kills_what_pagefind_started_too(tmp_path: Path) -> None:
    # npm's `pagefind` is a script that runs the real binary as its child: stopping it must stop
    # that child as well, or the child goes on writing and holds the pipes the runner reads.
    child_pid = tmp_path / "child.pid"
    wrapper = ["sh", "-c", f'sleep 300 & echo $! > "{child_pid}"; wait']
    runner = Stoppable()
    finished = threading.Event()
    thread = threading.Thread(target=lambda: (runner.run(wrapper), finished.set()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not (child_pid.is_file() and child_pid.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = int(child_pid.read_text())
    runner.stop()
    assert finished.wait(30), "the runner still waits on a pipe the wrapper's child holds"
    while time.monotonic() < deadline:
        if not running(pid):
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        raise AssertionError("the wrapper's child outlived the stop")
    with pytest.raises(SearchError):
        runner.run(wrapper)  # a stopped runner starts nothing more

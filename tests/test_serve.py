"""`sitegen serve` as a user runs it: a real child process, real HTTP, a real browser."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import Site, make_site, require

from sitegen.serve import Preview

READY = re.compile(r"serving .* at (http://\S+)")
# Generous bounds against a hung server; no test passes or fails on how fast anything is.
START_TIMEOUT = 120
CHANGE_TIMEOUT_MS = 60_000


class Server:
    """`sitegen serve --port 0` in its own session, its output read line by line.

    Its temporary folders go into a folder of the test's own (TMPDIR), so that a test sees exactly
    what the server leaves behind, and close() can remove what a killed server could not.
    """

    def __init__(self, site: Site, *args: str, env: dict[str, str] | None = None) -> None:
        self.site = site
        self.tmp = site.root.parent / "server-tmp"
        self.tmp.mkdir(exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sitegen.cli", "serve", "--source", str(site.root), "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=site.root,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", "TMPDIR": str(self.tmp), **(env or {})},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        try:
            self.url = self.wait_for(READY).group(1)
        except BaseException:
            self.close()  # a server that never came up is not left running
            raise

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: re.Pattern[str], timeout: float = START_TIMEOUT) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.output.append(line)
            match = pattern.search(line)
            if match:
                return match
        raise AssertionError(f"no line matching {pattern.pattern!r}; output so far:\n" + "\n".join(self.output))

    def get(self, path: str) -> http.client.HTTPResponse:
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request("GET", path)
        response = conn.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]
        conn.close()
        return response

    def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signum)
        return self.proc.wait(timeout=60)

    def leftovers(self) -> list[str]:
        """What the server has in its temporary folder."""
        return sorted(p.name for p in self.tmp.iterdir()) if self.tmp.is_dir() else []

    def group_alive(self) -> bool:
        """Whether any process of the server's group is left. (Pagefind runs in a group of its own,
        which the server kills as it stops: see tests/test_search.py.)"""
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def close(self) -> tuple[bool, list[str]]:
        """Stop the server as a user does (SIGTERM), SIGKILL only what that left running, and
        remove its temporary folders. Returns (whether it stopped cleanly, what it left behind then)."""
        clean = False
        with contextlib.suppress(subprocess.TimeoutExpired):  # a hung server: killed below
            clean = self.stop() == 0 and not self.group_alive()
        left = self.leftovers()
        if self.group_alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=60)
        # SIGKILL cannot be cleaned up after by the server: the test does it.
        shutil.rmtree(self.tmp, ignore_errors=True)
        return clean, left


def article(title: str, body: str) -> str:
    return f"---\ntitle: {title}\ndate: 2026-03-01 09:00:00\ntags: [软件]\n---\n\n{body}\n"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Server]:
    site = make_site(tmp_path / "site", 'title = "预览站"\nbase_url = "https://example.github.io/news/"\n',
                     {"live.md": article("实时预览", "这是最初的内容。")}, demo=True)
    server = Server(site)
    yield server
    clean, left = server.close()
    assert clean and left == [], (clean, left)


def test_serves_the_site_the_way_github_pages_does(served: Server) -> None:
    assert urlsplit(served.url).path == "/news/"
    page = served.get("/news/zh-hans/live/")
    assert page.status == 200
    assert page.getheader("Content-Type") == "text/html; charset=utf-8"
    html = page.body.decode("utf-8")  # type: ignore[attr-defined]
    assert "这是最初的内容" in html
    assert html.count('id="sitegen-live-reload"') == 1
    assert served.get("/news/static/style.css").getheader("Content-Type") == "text/css; charset=utf-8"
    # Pretty URLs: a folder without its slash is redirected; a missing page is the site's 404.
    folder = served.get("/news/zh-hans/live")
    assert (folder.status, folder.getheader("Location")) == (301, "/news/zh-hans/live/")
    missing = served.get("/news/zh-hans/no-such-page/")
    assert missing.status == 404
    assert "sitegen-live-reload" in missing.body.decode("utf-8")  # type: ignore[attr-defined]
    assert served.get("/zh-hans/live/").status == 404  # outside the base path, as on Pages
    assert served.get("/").getheader("Location") == "/news/"
    assert served.get("/news/zh-hans/%E4%B8%8D%E5%AD%98%E5%9C%A8/../../../pyproject.toml").status == 404
    # The reload script exists only in responses: serve never writes into build/.
    assert not (served.site.root / "build").exists()
    assert served.stop() == 0
    served.site.build()
    assert not [p for p in served.site.out.rglob("*.html") if "sitegen-live-reload" in p.read_text("utf-8")]


def test_rebuild_prints_its_time(served: Server) -> None:
    served.site.write("live.md", article("实时预览", "第二版的内容。"))
    line = served.wait_for(re.compile(r"rebuilt in \d+\.\d+ s")).string
    assert "live.md changed" in line
    assert "第二版的内容" in served.get("/news/zh-hans/live/").body.decode("utf-8")  # type: ignore[attr-defined]


def test_an_edit_made_while_the_settings_are_broken_shows_once_they_are_fixed(tmp_path: Path) -> None:
    """A rebuild reads only the content files the watcher named (Preview.rebuild's ``touched``); one
    that failed before reading them leaves them for the next. In-process: the real server also
    rebuilds everything once more when the settings file changes, which would hide a lost edit."""
    site = make_site(tmp_path / "site", 'title = "预览站"\nsearch = false\n',
                     {"live.md": article("实时预览", "这是最初的内容。")})
    lines: list[str] = []
    preview = Preview(site.root, "127.0.0.1", 8000, tmp_path / "out", lines.append, lines.append)
    try:
        assert preview.rebuild()
        settings = site.root / "pyproject.toml"
        good = settings.read_text(encoding="utf-8")
        settings.write_text(good + "[unclosed\n", encoding="utf-8")
        assert not preview.rebuild(touched=[settings])
        site.write("live.md", article("实时预览", "设置坏掉时写下的内容。"))
        assert not preview.rebuild(touched=[site.root / "content" / "live.md"])
        settings.write_text(good, encoding="utf-8")
        assert preview.rebuild(touched=[settings]), lines
        page = (tmp_path / "out" / "zh-hans" / "live" / "index.html").read_text(encoding="utf-8")
        assert "设置坏掉时写下的内容" in page
    finally:
        preview.stop()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_shuts_down_cleanly_with_no_processes_left(served: Server, signum: int) -> None:
    # A tab's event stream is open while the server is asked to stop.
    parts = urlsplit(served.url)
    stream = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    stream.request("GET", "/__sitegen/events")
    events = stream.getresponse()
    assert events.getheader("Content-Type") == "text/event-stream; charset=utf-8"
    assert events.readline().startswith(b"event: state")
    assert [n for n in served.leftovers() if n.startswith("sitegen-serve-")]  # where it builds
    # Ctrl-C in a terminal signals the whole foreground process group; so does this.
    assert served.stop(signum) == 0
    served.wait_for(re.compile(r"^stopped$"))
    with pytest.raises(ProcessLookupError):
        os.killpg(served.proc.pid, 0)  # nothing is left in the server's process group
    assert served.leftovers() == []  # and nothing in its temporary folder
    stream.close()


def small_site(root: Path, settings: str = "") -> Site:
    return make_site(root, 'base_url = "https://example.github.io/news/"\n' + settings,
                     {"live.md": article("实时预览", "这是最初的内容。")})


def test_stopping_while_search_indexes_in_the_background_leaves_nothing(tmp_path: Path) -> None:
    """SIGTERM to the server alone: the Pagefind it runs in the background is its to stop."""
    from sitegen.search import find_pagefind
    from sitegen.settings import load

    site = small_site(tmp_path / "site")
    real = shlex.join(find_pagefind(load(site.root)).command)
    hanging = tmp_path / "pagefind-hangs"
    # Pagefind as configured, except on serve's background snapshot, where it hangs until killed.
    fake = tmp_path / "pagefind"
    fake.write_text(f'#!/bin/sh\ncase "$*" in *.search/*) touch {shlex.quote(str(hanging))}; exec sleep 600;; esac\n'
                    f'exec {real} "$@"\n', encoding="utf-8")
    fake.chmod(0o755)
    (site.root / "pyproject.toml").write_text(
        (site.root / "pyproject.toml").read_text(encoding="utf-8") + f"pagefind = {json.dumps(str(fake))}\n",
        encoding="utf-8")
    server = Server(site)
    try:
        site.write("live.md", article("实时预览", "第二版的内容。"))
        server.wait_for(re.compile(r"rebuilt in"))
        deadline = time.monotonic() + START_TIMEOUT
        while not hanging.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert hanging.exists(), "the background index never started:\n" + "\n".join(server.output)
        os.kill(server.proc.pid, signal.SIGTERM)  # not the group: the server must stop Pagefind itself
        assert server.proc.wait(timeout=60) == 0
        server.wait_for(re.compile(r"^stopped$"))
        assert not server.group_alive()
        assert server.leftovers() == []
    finally:
        server.close()


def test_open_opens_the_served_site_root_under_the_base_path(tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    # Python's webbrowser module runs the command in BROWSER with the URL: a stand-in records it.
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> {shlex.quote(str(opened))}\n', encoding="utf-8")
    browser.chmod(0o755)
    server = Server(small_site(tmp_path / "site"), "--open", env={"BROWSER": str(browser)})
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert opened.read_text(encoding="utf-8").splitlines() == [server.url]
        assert urlsplit(server.url).path == "/news/"
        assert server.get("/news/").status == 200
    finally:
        clean, left = server.close()
    assert clean and left == []


def test_edits_show_in_open_tabs_and_errors_in_an_overlay(served: Server) -> None:
    require(Path("/usr/bin/chromium"), "apt-get install chromium fonts-noto-cjk")
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        try:
            hans = browser.new_page()
            hant = browser.new_page()
            hans.goto(served.url + "zh-hans/live/")
            hant.goto(served.url + "zh-hant/live/")
            expect(hans.locator("main")).to_contain_text("这是最初的内容")
            expect(hant.locator("main")).to_contain_text("這是最初的內容")
            # From here the test only edits files and waits: the tabs must update by themselves.
            served.site.write("live.md", article("实时预览", "软件更新后的内容。"))
            expect(hans.locator("main")).to_contain_text("软件更新后的内容", timeout=CHANGE_TIMEOUT_MS)
            expect(hant.locator("main")).to_contain_text("軟體更新後的內容", timeout=CHANGE_TIMEOUT_MS)

            # A broken edit: the overlay names file and line; the last good page stays.
            served.site.write("live.md", "---\ntitle: [实时预览\n---\n\n坏了的内容。\n")
            overlay = hans.locator("#sitegen-error-overlay")
            expect(overlay).to_be_visible(timeout=CHANGE_TIMEOUT_MS)
            expect(overlay).to_contain_text(re.compile(r"content/live\.md:\d+: invalid YAML front-matter"))
            expect(hant.locator("#sitegen-error-overlay")).to_be_visible(timeout=CHANGE_TIMEOUT_MS)
            assert "软件更新后的内容" in served.get("/news/zh-hans/live/").body.decode()  # type: ignore[attr-defined]
            served.wait_for(re.compile(r"content/live\.md:\d+: invalid YAML"))

            # The fix removes the overlay and shows the new text.
            served.site.write("live.md", article("实时预览", "修好以后的内容。"))
            expect(hans.locator("main")).to_contain_text("修好以后的内容", timeout=CHANGE_TIMEOUT_MS)
            expect(overlay).to_have_count(0)
            expect(hant.locator("#sitegen-error-overlay")).to_have_count(0, timeout=CHANGE_TIMEOUT_MS)

            # A template error: reported as template file and line, and again fixed by the next edit.
            templates = served.site.root / "templates"
            templates.mkdir()
            (templates / "article.html").write_text(
                '{% extends "base.html" %}\n{% block main %}\n{{ article.title | nosuchfilter }}\n'
                "{% endblock %}\n", encoding="utf-8")
            expect(overlay).to_contain_text(re.compile(r"templates/article\.html:3: "),
                                            timeout=CHANGE_TIMEOUT_MS)
            (templates / "article.html").unlink()
            expect(overlay).to_have_count(0, timeout=CHANGE_TIMEOUT_MS)
            expect(hans.locator("main")).to_contain_text("修好以后的内容")
        finally:
            browser.close()


def test_search_finds_what_an_edit_added(served: Server) -> None:
    from browser_support import launch
    from playwright.sync_api import sync_playwright

    word = "quokkabrunch"  # in no page of the site

    def found(page, edition: str) -> list[str]:  # type: ignore[no-untyped-def]
        page.goto(served.url + f"{edition}/search/?q={word}")
        page.wait_for_function("document.getElementById('search-status').textContent.length > 0 && "
                               "!document.getElementById('search-status').textContent.includes('…')")
        return page.eval_on_selector_all("#search-results li h2 a", "links => links.map(a => a.getAttribute('href'))")

    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            # serve shows the site first and makes its search index in the background.
            served.wait_for(re.compile(r"search index updated"))
            assert found(page, "zh-hans") == []
            served.site.write("live.md", article("实时预览", f"新增的词 {word} 可以搜索。"))
            # The page is rebuilt (and tabs reload) first; the index follows in the background.
            served.wait_for(re.compile(r"rebuilt in .*live\.md changed"))
            served.wait_for(re.compile(r"search index updated"))
            # Found in both editions, linked under the base path the site is served from.
            assert found(page, "zh-hans") == ["/news/zh-hans/live/"]
            assert found(page, "zh-hant") == ["/news/zh-hant/live/"]
        finally:
            browser.close()

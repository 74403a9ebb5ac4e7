"""The persistent build cache (``.sitegen-cache/`` in the site folder): what a build reuses from the last.

Every entry is found by what it was made from (a file's bytes, the settings, the glossary, the
templates, the sitegen version), so a stale entry is never looked up rather than detected. Every
entry also carries a checksum: an entry that fails it, or a database SQLite cannot read, means the
cache is corrupt, and a corrupt cache is thrown away whole and never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from . import __version__

CACHE_DIR = ".sitegen-cache"
# Bump when what the cache holds changes shape or meaning: an older cache is then emptied, not misread.
FORMAT = "6"


class CacheCorrupt(Exception):
    pass


_BODIES_SCHEMA = "CREATE TABLE IF NOT EXISTS bodies (id TEXT PRIMARY KEY, data BLOB, checksum BLOB)"


class Bodies:
    """Rendered article bodies by digest, in a SQLite file of their own beside the cache.

    Unlike the cache's other entries, bodies are committed as soon as they are written: the worker
    processes that render articles write them, and the worker processes that render pages read
    them, while the build's own transaction (Store) stays open until the build has succeeded. A
    body is named by its digest and never changes, so one kept after a failed build is harmless;
    those no record uses are deleted once a build's cache is kept (Store.close). The main process
    never holds every body: at 10,000 articles they took a fifth of the build's memory.
    """

    def __init__(self, path: Path) -> None:
        # Several processes write: a writer waits for another's transaction rather than failing.
        self.db = sqlite3.connect(path, isolation_level=None, timeout=120)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=OFF")
            self.db.execute(_BODIES_SCHEMA)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise CacheCorrupt(str(exc)) from None

    def put(self, bodies: dict[str, bytes]) -> None:
        """Store ``bodies`` (digest -> data) in one transaction."""
        if not bodies:
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)",
                                ((key, data, _checksum(data)) for key, data in sorted(bodies.items())))
            self.db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise CacheCorrupt(str(exc)) from None

    def get(self, key: str) -> bytes | None:
        return _checked(self.db, "SELECT data, checksum FROM bodies WHERE id = ?", (key,), f"body {key}")

    def retain(self, keys: set[str]) -> None:
        stored = {row[0] for row in self.db.execute("SELECT id FROM bodies")}
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("DELETE FROM bodies WHERE id = ?", ((k,) for k in sorted(stored - keys)))
        self.db.execute("COMMIT")

    def clear(self) -> None:
        self.db.execute("DELETE FROM bodies")

    def close(self) -> None:
        self.db.close()


_SCHEMA = ("CREATE TABLE IF NOT EXISTS entries (kind TEXT, id TEXT, data BLOB, checksum BLOB, "
           "PRIMARY KEY (kind, id))")
# The kind of the rows holding a map's changed entries (see Store.put_map).
_CHANGED = "+"


def _checksum(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _checked(db: sqlite3.Connection, query: str, params: tuple[str, ...], what: str) -> bytes | None:
    """The data of the one row ``query`` selects (data, checksum), or None; CacheCorrupt when SQLite
    cannot read it or the data fails its checksum."""
    try:
        row = db.execute(query, params).fetchone()
    except sqlite3.DatabaseError as exc:
        raise CacheCorrupt(str(exc)) from None
    if row is None:
        return None
    data, checksum = row
    if _checksum(data) != checksum:
        raise CacheCorrupt(f"{what}: checksum mismatch")
    return bytes(data)


class _Loader(pickle.Unpickler):
    """Unpickles with one Path object per path for the whole store: the same 10,000 article paths
    come back in several maps (the digests, the scans, the records, the snapshot), and making a
    Path parses it again each time: at 10,000 articles, half a second of a one-article rebuild."""

    def __init__(self, data: bytes, paths: dict[tuple[Any, ...], Any]) -> None:
        super().__init__(io.BytesIO(data))
        self._paths = paths

    def find_class(self, module: str, name: str) -> Any:
        found = super().find_class(module, name)
        if module != "pathlib":
            return found
        paths = self._paths

        def path(*parts: str) -> Any:
            key = (found, *parts)
            made = paths.get(key)
            if made is None:
                made = paths[key] = found(*parts)
            return made

        return path


class Store:
    """Blobs by (kind, id) in one SQLite file, each with a checksum verified on every read."""

    def __init__(self, folder: Path | None) -> None:
        # Without a folder (--no-cache) the store still holds this build's bodies, in a temporary
        # folder that goes away with it: the build never keeps every body in memory.
        self.temporary = folder is None
        self.folder = Path(tempfile.mkdtemp(prefix="sitegen-store-")) if folder is None else folder
        # A failed first build leaves no cache folder behind: it wrote nothing anywhere else either.
        self.created = self.temporary or not self.folder.exists()
        self.note = ""
        try:
            self._open()
        except (sqlite3.DatabaseError, CacheCorrupt):
            self.discard("the build cache was corrupt: it was discarded and the site built from scratch")

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self.temporary and not (self.folder / ".gitignore").exists():
            (self.folder / ".gitignore").write_text("*\n", encoding="utf-8")
        self.db = sqlite3.connect(self.folder / "cache.sqlite", isolation_level=None)
        self._maps: dict[tuple[str, str], tuple[dict[Any, Any], int]] = {}
        self._paths: dict[tuple[Any, ...], Any] = {}  # see _Loader
        self._pid = os.getpid()
        self._reader: sqlite3.Connection | None = None
        self._bodies: tuple[int, Bodies] | None = None  # with the process that opened it
        self._keep_bodies: set[str] | None = None
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")
        # A table with rowids, its key in an index of its own: in a WITHOUT ROWID table the bodies'
        # large rows sat in the key's B-tree, and a small row inserted among them took up to 18 ms.
        self.db.execute(_SCHEMA)
        self.db.execute("BEGIN")
        version = self.get("meta", "version")
        if version != f"{FORMAT}/{__version__}".encode():
            # Another sitegen wrote it: nothing in it can be assumed to mean the same.
            self.db.execute("DROP TABLE entries")
            self.db.execute(_SCHEMA)
            self.put("meta", "version", f"{FORMAT}/{__version__}".encode())
            self.bodies().clear()

    @property
    def bodies_path(self) -> Path:
        return self.folder / "bodies.sqlite"

    def bodies(self) -> Bodies:
        """This process's connection to the bodies (see Bodies): a forked worker opens its own."""
        if self._bodies is None or self._bodies[0] != os.getpid():
            self._bodies = (os.getpid(), Bodies(self.bodies_path))
        return self._bodies[1]

    def discard(self, note: str) -> None:
        """Throw the whole cache away and start an empty one."""
        with contextlib.suppress(AttributeError, sqlite3.Error):
            self.db.close()
        bodies = getattr(self, "_bodies", None)  # None too when the cache could not be opened at all
        if bodies is not None:
            with contextlib.suppress(sqlite3.Error):
                bodies[1].close()
        shutil.rmtree(self.folder, ignore_errors=True)
        self.note = note
        self._open()

    def _read_connection(self) -> sqlite3.Connection:
        if self._pid == os.getpid():
            return self.db
        # A forked worker (see workers.run) must not use its parent's connection: it reads through
        # one of its own, which sees what earlier builds committed; this build's own new entries
        # reach the workers another way (see pipeline._build).
        if self._reader is None:
            self._reader = sqlite3.connect(f"{(self.folder / 'cache.sqlite').as_uri()}?mode=ro", uri=True)
        return self._reader

    def get(self, kind: str, key: str) -> bytes | None:
        return _checked(self._read_connection(), "SELECT data, checksum FROM entries WHERE kind = ? AND id = ?",
                        (kind, key), f"{kind} {key}")

    def put(self, kind: str, key: str, data: bytes) -> None:
        self.db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)", (kind, key, data, _checksum(data)))

    def has(self, kind: str, key: str) -> bool:
        return self.db.execute("SELECT 1 FROM entries WHERE kind = ? AND id = ?", (kind, key)).fetchone() is not None

    def get_object(self, kind: str, key: str) -> Any:
        data = self.get(kind, key)
        if data is None:
            return None
        try:
            return _Loader(data, self._paths).load()
        except Exception as exc:  # a checksum that matches over unreadable data: still corrupt
            raise CacheCorrupt(f"{kind} {key}: {exc}") from None

    def put_object(self, kind: str, key: str, value: Any) -> None:
        self.put(kind, key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    # A large map (every article's record, every page's links) that a warm build changes a few
    # entries of is kept as a whole, plus one row per entry changed since: pickling all of it again
    # for every edit costs tenths of a second at 10,000 articles. When the changed rows grow past
    # a twentieth of the map, the whole is written again and the rows dropped.

    def get_map(self, kind: str, key: str) -> dict[Any, Any] | None:
        """A map put_map() stored: the whole, with the entries changed since applied."""
        whole = self.get_object(kind, key)
        if whole is None:
            return None
        changes = 0
        for row_id, in self._read_connection().execute(
                "SELECT id FROM entries WHERE kind = ? AND id > ? AND id < ? ORDER BY id",
                (kind + _CHANGED, key + "\0", key + "\1")).fetchall():
            entry, present, value = self.get_object(kind + _CHANGED, row_id)
            if present:
                whole[entry] = value
            else:
                whole.pop(entry, None)
            changes += 1
        self._maps[(kind, key)] = (dict(whole), changes)
        return whole

    def put_map(self, kind: str, key: str, value: dict[Any, Any]) -> None:
        """Store a map for get_map(): only the entries that differ from what get_map() returned, when few."""
        known, changes = self._maps.pop((kind, key), ({}, -1))
        changed = [(k, True, v) for k, v in value.items() if k not in known or (known[k] is not v and known[k] != v)]
        changed += [(k, False, None) for k in known.keys() - value.keys()]
        if changes < 0 or changes + len(changed) > max(64, len(value) // 20):
            self.db.execute("DELETE FROM entries WHERE kind = ? AND id > ? AND id < ?",
                            (kind + _CHANGED, key + "\0", key + "\1"))
            self.put_object(kind, key, value)
            return
        for entry, present, new in changed:
            self.put_object(kind + _CHANGED, f"{key}\0{hashlib.blake2b(repr(entry).encode()).hexdigest()}",
                            (entry, present, new))

    def retain_bodies(self, keys: set[str]) -> None:
        """The bodies to keep once this build's cache is kept (see close); the others are deleted."""
        self._keep_bodies = keys

    def retain(self, kind: str, keys: set[str]) -> None:
        """Delete the entries of ``kind`` this build did not use, so that the cache does not grow forever."""
        stored = {row[0] for row in self.db.execute("SELECT id FROM entries WHERE kind = ?", (kind,))}
        self.db.executemany("DELETE FROM entries WHERE kind = ? AND id = ?", ((kind, k) for k in stored - keys))
        # And the changed entries of maps that went (see put_map).
        for gone in stored - keys:
            self.db.execute("DELETE FROM entries WHERE kind = ? AND id > ? AND id < ?",
                            (kind + _CHANGED, gone + "\0", gone + "\1"))

    def commit(self) -> None:
        self.db.execute("COMMIT")
        self.db.execute("BEGIN")

    def close(self, *, keep: bool) -> None:
        """Close; ``keep=False`` drops what this build added (a failed build must not leave half a cache)."""
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("COMMIT" if keep else "ROLLBACK")
        self.db.close()
        if self._bodies is not None and self._bodies[0] == os.getpid():
            # Only now: the records just committed are what the bodies kept are for.
            if keep and self._keep_bodies is not None and not self.temporary:
                with contextlib.suppress(sqlite3.Error, CacheCorrupt):
                    self._bodies[1].retain(self._keep_bodies)
            self._bodies[1].close()
        self._bodies = None
        if self.temporary or (self.created and not keep):
            shutil.rmtree(self.folder, ignore_errors=True)

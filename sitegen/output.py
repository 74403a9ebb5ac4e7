"""Writing the site: into a staging folder beside the output, swapped in only when complete.

A failed or interrupted build therefore never leaves a half-written site: the previous
output stays exactly as it was until the new one is whole.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path, PurePosixPath


class UnsafePath(Exception):
    pass


def _alive(pid: str) -> bool:
    """Whether the build that owns a leftover folder (named by its process id) still runs."""
    if not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(final: Path) -> None:
    """Clean up after a build that was killed (kill -9, power cut) before it could itself.

    Its staging folder is removed; if it died between the two renames of commit(), the
    previous output is put back.
    """
    final = final.resolve()
    parent = final.parent
    if not parent.is_dir():
        return
    for leftover in sorted(parent.glob(f".{final.name}.old-*")):
        if _alive(leftover.name.rsplit("-", 1)[-1]):
            continue
        if not final.exists():
            leftover.rename(final)
        else:
            shutil.rmtree(leftover, ignore_errors=True)
    for leftover in [*parent.glob(f".{final.name}.staging-*"), *parent.glob(f".{final.name}.patch-*")]:
        if not _alive(leftover.name.rsplit("-", 1)[-1]):
            shutil.rmtree(leftover, ignore_errors=True)


class Output:
    def __init__(self, final: Path, lock: threading.Lock | None = None) -> None:
        self.final = final.resolve()
        self.lock = lock or threading.Lock()  # held while the new site replaces the old
        self.root = self.final.parent / f".{self.final.name}.staging-{os.getpid()}"
        self.written: set[str] = set()

    def __enter__(self) -> Output:
        self.recover()
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        return self

    def recover(self) -> None:
        recover(self.final)

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def target(self, site_path: str) -> Path:
        """The staging file for a site path; refuses anything that would leave the output."""
        relative = PurePosixPath(site_path)
        if relative.is_absolute() or any(part in ("..", "") for part in relative.parts) or "\\" in site_path:
            raise UnsafePath(f"output path {site_path!r} would leave the output folder")
        path = self.root.joinpath(*relative.parts)
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise UnsafePath(f"output path {site_path!r} would leave the output folder")
        return path

    def write(self, site_path: str, data: str | bytes) -> None:
        path = self.target(site_path)
        if site_path in self.written:
            raise UnsafePath(f"two pages would be written to {site_path!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        self.written.add(site_path)

    def record(self, site_paths: list[str]) -> None:
        """Files a later stage (the search indexer) wrote into staging by itself."""
        self.written.update(site_paths)

    def commit(self) -> None:
        """Swap the finished site in place of the old one."""
        old = self.final.parent / f".{self.final.name}.old-{os.getpid()}"
        with self.lock:
            if self.final.exists():
                self.final.rename(old)
            self.root.rename(self.final)
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)


class Patch(Output):
    """Changes to an output that stays in place: a rebuild's new and changed files are staged beside
    it, then moved in, and removed pages deleted, all while holding ``lock``.

    A server reading the output under the same lock therefore sees the whole previous site or the
    whole new one, and a rebuild that fails before commit() leaves the output exactly as it was, the
    guarantee Output gives, without copying the pages that did not change.
    """

    def __init__(self, final: Path, lock: threading.Lock) -> None:
        super().__init__(final, lock)
        self.root = self.final.parent / f".{self.final.name}.patch-{os.getpid()}"
        self.removed: set[str] = set()

    def remove(self, site_path: str) -> None:
        self.target(site_path)  # the same check as for writing
        self.removed.add(site_path)

    def commit(self) -> None:
        with self.lock:
            for site_path in sorted(self.written):
                dest = self.final.joinpath(*PurePosixPath(site_path).parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(self.target(site_path), dest)
            for site_path in sorted(self.removed - self.written):
                dest = self.final.joinpath(*PurePosixPath(site_path).parts)
                dest.unlink(missing_ok=True)
                # A deleted article's folder goes too, so that its URL is a 404 and not a listing.
                folder = dest.parent
                while folder != self.final and folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
                    folder = folder.parent
        shutil.rmtree(self.root, ignore_errors=True)

"""Writing the site: into a staging folder beside the output, swapped in only when complete.

A failed or interrupted build therefore never leaves a half-written site: the previous
output stays exactly as it was until the new one is whole.

Writes are quiet: a file whose bytes did not change is not written again but hard-linked from
the previous output into the staging folder, so it keeps its inode and modification time and
deploys and rsync see only real changes. Linking never changes the previous output's files (they
gain a second name, nothing else), so the guarantee above still holds.

A rebuild that knows the previous output (``sitegen serve``, a warm ``sitegen build``) stages only
the files that changed and moves them in (Patch): making tens of thousands of folders and links
for a fresh copy cost a one-article rebuild of a large site seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path


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

    Its staging folder is removed; if it died between the two renames of Output.commit(), the
    previous output is put back; if it died while Patch.commit() moved its files in, the moves are
    finished.
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
    for leftover in parent.glob(f".{final.name}.staging-*"):
        if not _alive(leftover.name.rsplit("-", 1)[-1]):
            shutil.rmtree(leftover, ignore_errors=True)
    for leftover in parent.glob(f".{final.name}.patch-*"):
        if _alive(leftover.name.rsplit("-", 1)[-1]):
            continue
        if (leftover / JOURNAL).is_file() and final.is_dir():
            finish(leftover, final)  # it died moving its files in: the output is half new
        else:
            shutil.rmtree(leftover, ignore_errors=True)


# What a build knows of a file it wrote: (page key, size, mtime_ns, inode).
Written = tuple[str, int, int, int]


def discard(folder: Path) -> None:
    """Delete a folder without waiting for it.

    The previous output is tens of thousands of files and folders; deleting them can take longer
    than the whole rest of a warm build on a busy disk, and nothing needs them gone first. So the
    folder is renamed out of the way (off the .NAME.* names that recover() and the user see) and
    removed by a detached ``rm``; where that cannot start, here and now.
    """
    trash = folder.parent / f".sitegen-trash-{folder.name.lstrip('.')}"
    try:
        folder.rename(trash)
        subprocess.Popen(["rm", "-rf", "--", str(trash)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        shutil.rmtree(trash if trash.exists() else folder, ignore_errors=True)


class Output:
    def __init__(self, final: Path, lock: threading.Lock | None = None,
                 previous: dict[str, Written] | None = None) -> None:
        self.final = final.resolve()
        self.lock = lock or threading.Lock()  # held while the new site replaces the old
        self.root = self.final.parent / f".{self.final.name}.staging-{os.getpid()}"
        self.written: set[str] = set()  # every file of the new output
        self.changed: set[str] = set()  # the files whose bytes are new
        self.previous = previous or {}  # the last build's manifest (see keep())
        self.manifest: dict[str, Written] = {}
        self._folders: set[str] = set()  # made by this build, as strings (see _relative)

    @property
    def _root(self) -> str:
        return str(self.root)

    @property
    def _final(self) -> str:
        return str(self.final)

    def __enter__(self) -> Output:
        self.recover()
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        self._folders.add(self._root)
        return self

    def recover(self) -> None:
        recover(self.final)

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def _relative(self, site_path: str) -> str:
        """A site path as a relative file path; refuses anything that would leave the output.

        Plain string work, not pathlib: this runs for every page of every build, and building
        path objects cost a warm 10,000-article build seconds.
        """
        parts = [part for part in site_path.split("/") if part not in ("", ".")]
        if site_path.startswith("/") or ".." in parts or "\\" in site_path or not parts:
            raise UnsafePath(f"output path {site_path!r} would leave the output folder")
        return "/".join(parts)

    def target(self, site_path: str) -> str:
        """The staging file for a site path; refuses anything that would leave the output.

        The path's text decides, with no look at the disk: the staging folder is made empty by this
        build, which makes only real folders in it, so none of them can be a link to elsewhere. (The
        output itself can have links: a patch checks where its files land before moving them in,
        see Patch.commit.)
        """
        return f"{self._root}/{self._relative(site_path)}"

    def _claim(self, site_path: str) -> str:
        path = self.target(site_path)
        if site_path in self.written:
            raise UnsafePath(f"two pages would be written to {site_path!r}")
        folder = os.path.dirname(path)
        if folder not in self._folders:
            # One system call for the usual case, a page's own folder in a folder that exists:
            # os.makedirs would look at the disk twice first.
            try:
                os.mkdir(folder)
            except FileExistsError:
                pass  # made by another process of this build (see workers.run)
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        self.written.add(site_path)
        return path

    def locate(self, site_path: str) -> str:
        """Where a file of the new output is until commit()."""
        return f"{self._root}/{self._relative(site_path)}"

    def _old(self, site_path: str) -> str:
        return f"{self._final}/{self._relative(site_path)}"

    @staticmethod
    def _link_old(old: str, path: str) -> bool:
        try:
            os.link(old, path)
            return True
        except OSError:  # no previous file, or a file system without hard links
            return False

    def _record(self, site_path: str, path: str, key: str, info: os.stat_result | None = None) -> None:
        info = info or os.stat(path)
        self.manifest[site_path] = (key, info.st_size, info.st_mtime_ns, info.st_ino)

    @staticmethod
    def _create(path: str, data: bytes) -> os.stat_result:
        """Write a new file and return its status. Plain system calls: open() would add a buffer,
        a status check and a terminal check per file, and a build writes tens of thousands."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            return os.fstat(fd)
        finally:
            os.close(fd)

    def _unchanged(self, site_path: str, key: str) -> Written | None:
        """The previous output's entry for a file made from the same inputs (``key``), when nobody
        changed the file since (size, mtime, inode)."""
        known = self.previous.get(site_path)
        if known is None or not key or known[0] != key:
            return None
        try:
            info = os.stat(self._old(site_path))
        except OSError:
            return None
        return known if (info.st_size, info.st_mtime_ns, info.st_ino) == known[1:] else None

    def keep(self, site_path: str, key: str) -> bool:
        """Take the previous output's file as it is, without rendering it again (see _unchanged)."""
        known = self._unchanged(site_path, key)
        if known is None:
            return False
        path = self._claim(site_path)
        if not self._link_old(self._old(site_path), path):
            self.written.discard(site_path)
            return False
        self.manifest[site_path] = known
        return True

    @staticmethod
    def _same(old: str, data: bytes) -> os.stat_result | None:
        """The status of the previous output's file when it holds exactly ``data``."""
        try:
            info = os.stat(old)
            if info.st_size != len(data):
                return None
            with open(old, "rb") as f:
                return info if f.read() == data else None
        except OSError:
            return None

    def _stage(self, site_path: str, data: bytes, key: str) -> None:
        path = self._claim(site_path)
        info = self._create(path, data)
        self.changed.add(site_path)
        self._record(site_path, path, key, info)

    def write(self, site_path: str, data: str | bytes, key: str = "") -> None:
        """Write a file; when the previous output has the same bytes there, link that file instead."""
        data = data.encode("utf-8") if isinstance(data, str) else data
        old = self._old(site_path)
        if self._same(old, data) is None:
            self._stage(site_path, data, key)
            return
        path = self._claim(site_path)
        info = None
        if not self._link_old(old, path):
            info = self._create(path, data)
            self.changed.add(site_path)
        self._record(site_path, path, key, info)

    def adopt(self, site_path: str, entry: Written, changed: bool) -> None:
        """A file a worker process wrote into staging through its own copy of this Output
        (see workers.run): recorded here as if written here, with the same duplicate check."""
        if site_path in self.written:
            raise UnsafePath(f"two pages would be written to {site_path!r}")
        self.written.add(site_path)
        self.manifest[site_path] = entry
        if changed:
            self.changed.add(site_path)
        # The worker checked the path (target()); a folder it made is one this build made.
        self._folders.add(os.path.dirname(f"{self._root}/{self._relative(site_path)}"))

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
            discard(old)


class Patch(Output):
    """Changes to an output that stays in place: a rebuild's new and changed files are staged beside
    it, then moved in, and removed files deleted, all while holding ``lock``.

    A server reading the output under the same lock therefore sees the whole previous site or the
    whole new one, and a rebuild that fails before commit() leaves the output exactly as it was, the
    guarantee Output gives, without relinking the tens of thousands of pages that did not change.
    Between the first move and the last the output is half old, half new: commit() first writes a
    journal into the staging folder, and whoever finds the journal (this build's own clean-up on
    Ctrl-C, or recover() after a kill) finishes the moves. A commit once started is completed.
    """

    def __init__(self, final: Path, lock: threading.Lock | None = None,
                 previous: dict[str, Written] | None = None) -> None:
        super().__init__(final, lock, previous)
        self.root = self.final.parent / f".{self.final.name}.patch-{os.getpid()}"
        self.removed: set[str] = set()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            if os.path.exists(os.path.join(self._root, JOURNAL)):
                with self.lock:
                    finish(self.root, self.final)
            else:
                shutil.rmtree(self.root, ignore_errors=True)

    def keep(self, site_path: str, key: str) -> bool:
        known = self._unchanged(site_path, key)
        if known is not None:
            self._take(site_path, known)
        return known is not None

    def keep_rest(self) -> set[str]:
        """Take every file of the previous output this build did not write or keep, as it is, and
        return them: for a build that knows that the output is as the last build left it and that
        no other file changed (see pipeline._edited_bodies), without looking at each."""
        rest = {site_path for site_path in self.previous if site_path not in self.written}
        for site_path in rest:
            self._take(site_path, self.previous[site_path])
        return rest

    def _take(self, site_path: str, entry: Written) -> None:
        """A file of the new output that the output already has, as it is."""
        if site_path in self.written:
            raise UnsafePath(f"two pages would be written to {site_path!r}")
        self.written.add(site_path)
        self.manifest[site_path] = entry

    def write(self, site_path: str, data: str | bytes, key: str = "") -> None:
        """Stage a file, unless the output already has these bytes there: then it stays as it is."""
        data = data.encode("utf-8") if isinstance(data, str) else data
        info = self._same(self._old(site_path), data)
        if info is None:
            self._stage(site_path, data, key)
        else:
            self._take(site_path, (key, info.st_size, info.st_mtime_ns, info.st_ino))

    def locate(self, site_path: str) -> str:
        return self.target(site_path) if site_path in self.changed else self._old(site_path)

    def remove(self, site_path: str) -> None:
        self.target(site_path)  # the same check as for writing
        self.removed.add(site_path)

    def remove_strays(self) -> None:
        """Remove every file of the output that the new site does not have: the previous build's
        pages that are gone, and anything else found there, which a build from scratch would not
        leave either. (Not for serve, whose output also holds the search index made beside it.)"""

        # os.scandir and strings: os.walk and relpath took a second over 30,000 folders.
        def walk(folder: str, prefix: str) -> None:
            with os.scandir(folder) as entries:
                for entry in entries:
                    rel = prefix + entry.name
                    if entry.is_dir(follow_symlinks=False):
                        walk(entry.path, rel + "/")
                    elif rel not in self.written:
                        self.removed.add(rel)

        walk(self._final, "")

    def commit(self) -> None:
        gone = sorted(self.removed - self.written)
        # The previous output's folders are not this build's own: one replaced by a link to
        # elsewhere must not carry a page out of the output. Checked before anything moves.
        for site_path in sorted(self.changed) + gone:
            if not _inside(self._final, self._old(site_path)):
                raise UnsafePath(f"output path {site_path!r} would leave the output folder")
        # Written whole and renamed into place: a journal that exists is complete.
        with open(f"{self._root}/{JOURNAL}.tmp", "w", encoding="utf-8") as f:
            json.dump(gone, f, ensure_ascii=False)
        os.replace(f"{self._root}/{JOURNAL}.tmp", f"{self._root}/{JOURNAL}")
        with self.lock:
            finish(self.root, self.final)


# In a patch folder: the files to delete from the output once the staged ones are moved in. Its
# presence means the moves have begun and must be finished (see Patch).
JOURNAL = ".sitegen-commit"


def _inside(final: str, path: str) -> bool:
    """Whether the folder of ``path`` is inside ``final`` once links are followed. The file itself
    may be a link: moving a file onto it or deleting it replaces the link, not what it points to."""
    folder, root = os.path.realpath(os.path.dirname(path)), os.path.realpath(final)
    return folder == root or folder.startswith(root + "/")


def _make_folder(final: str, folder: str) -> None:
    """Make a folder of the output, replacing a file that the previous output had in its way."""
    with contextlib.suppress(FileExistsError, NotADirectoryError):
        os.makedirs(folder, exist_ok=True)
        return
    parts = os.path.relpath(folder, final).split("/")
    for i in range(1, len(parts) + 1):
        current = os.path.join(final, *parts[:i])
        if os.path.lexists(current) and not os.path.isdir(current):
            os.unlink(current)
        os.makedirs(current, exist_ok=True)


def finish(root: Path, final: Path) -> None:
    """Move every file staged under ``root`` into ``final`` and delete the journal's files; safe to
    run again after being interrupted at any point (each step is undone by nothing and redone
    harmlessly), which is how a killed build's commit is completed."""
    final_s = str(final)
    gone: list[str] = json.loads((root / JOURNAL).read_text(encoding="utf-8"))
    for folder, _, files in os.walk(root):
        for name in sorted(files):
            if folder == str(root) and name.startswith(JOURNAL):
                continue
            source = os.path.join(folder, name)
            dest = os.path.join(final_s, os.path.relpath(source, root))
            # Checked before any folder is made: commit() refused these; a folder changed since.
            if not _inside(final_s, dest):
                continue
            _make_folder(final_s, os.path.dirname(dest))
            if os.path.isdir(dest) and not os.path.islink(dest):
                shutil.rmtree(dest)
            os.replace(source, dest)
    for site_path in gone:
        dest = os.path.join(final_s, site_path)
        if not _inside(final_s, dest):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(dest)
        # A deleted article's folder goes too, so that its URL is a 404 and not a listing.
        folder = os.path.dirname(dest)
        while folder != final_s and os.path.isdir(folder) and not os.listdir(folder):
            os.rmdir(folder)
            folder = os.path.dirname(folder)
    shutil.rmtree(root, ignore_errors=True)

"""Whether a build can be skipped: nothing it reads changed, and its output is as it left it.

A warm build of a large site with nothing changed would still read every file, re-key every page
and relink every output file, seconds for a result known in advance. Instead the build records
what it read (by file status: path, size, modification time, inode, as git and make do) and what it
left in the output folder; the next build compares both and, when neither moved, is done.

Comparing by status is safe when a file changed later than its status was read, since the status
then differs. It is not when a file changes twice within the file system's timestamp granularity
keeping its size (git's "racy" case): so, as git does, a file touched within RACY_NS of being read
is recorded by a digest of its bytes instead, and compared by them. Folders are recorded by identity
only: the listing of every file under them is part of the inputs, so what is added or removed shows.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Iterable
from pathlib import Path

RACY_NS = 2_000_000_000

# (size, mtime_ns, inode) of a file; (-1, mtime_ns, inode) of a folder, whose modification time
# changes when an entry is added to it or removed.
Status = tuple[int, int, int]


def _status(path: str) -> Status | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (-1 if stat.S_ISDIR(info.st_mode) else info.st_size, info.st_mtime_ns, info.st_ino)


def trusted_status(path: Path) -> Status | None:
    """A file's status, unless it changed too recently to tell a later change by it (or is gone)."""
    status = _status(str(path))
    if status is None or status[1] > time.time_ns() - RACY_NS:
        return None
    return status


def _tree(folder: Path) -> Iterable[tuple[str, Status | None]]:
    """Every file and folder under ``folder`` (dotfiles and the cache too: anything may be read);
    None for an entry that cannot be read (a broken link): the build reports it, so it counts."""
    todo = [str(folder)]
    while todo:
        current = todo.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=True)
            except OSError:
                yield entry.path, None
                continue
            if entry.is_dir(follow_symlinks=True):
                if entry.name != ".sitegen-cache":
                    todo.append(entry.path)
                yield entry.path, (-1, 0, info.st_ino)
            else:
                yield entry.path, (info.st_size, info.st_mtime_ns, info.st_ino)


# A file's status, or for a file changed within RACY_NS of being read, a digest of its bytes;
# None for a file that is not there.
Seen = Status | str | None
Inputs = tuple[tuple[str, Seen], ...]


def _seen(path: str, status: Status | None, now: int) -> Seen:
    if status is None or status[0] < 0 or status[1] <= now - RACY_NS:
        return status
    return _bytes_digest(path)


def _bytes_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as file:
            return hashlib.file_digest(file, "blake2b").hexdigest()
    except OSError:
        return None


def inputs(folders: Iterable[Path], files: Iterable[Path], described: str) -> Inputs:
    """What a build reads: every file and folder under ``folders``, each of ``files`` (see Seen),
    and ``described`` (the settings, the output folder: what is not a file)."""
    now = time.time_ns()
    found: list[tuple[str, Seen]] = [(described, None)]
    for folder in folders:
        status = _status(str(folder))
        found.append((str(folder), (-1, 0, status[2]) if status is not None and status[0] < 0 else status))
        found.extend((path, _seen(path, status, now)) for path, status in sorted(_tree(folder)))
    found.extend((str(p), _seen(str(p), _status(str(p)), now)) for p in files)
    return tuple(found)


def same_inputs(recorded: Inputs, seen: Inputs) -> bool:
    """Whether a build that read ``seen`` reads what the one that recorded ``recorded`` did. A file
    recorded by its bytes (see Seen) is compared by its bytes, however long ago it changed."""
    return changed_files(recorded, seen) == set()


def changed_files(recorded: Inputs, seen: Inputs) -> set[str] | None:
    """The files whose status (or bytes, see Seen) differ between two snapshots; None when more
    than files' contents differ: a file or folder added, removed or replaced, other settings."""
    if len(recorded) != len(seen):
        return None
    changed = set()
    for (path, then), (now_path, now) in zip(recorded, seen, strict=True):
        if path != now_path:
            return None
        if then == now:
            continue
        if then is None or now is None or (not isinstance(now, str) and now[0] < 0):
            return None
        if isinstance(then, str) and not isinstance(now, str) and _bytes_digest(path) == then:
            continue
        if not isinstance(then, str) and then[0] < 0:
            return None
        changed.add(path)
    return changed


def output_status(root: Path, files: Iterable[str], known: dict[str, Status] | None = None) -> dict[str, Status]:
    """The status of each output file (site paths) and of every folder holding one; a file's
    status is read only when not ``known`` already."""
    found: dict[str, Status] = {}
    folders: set[str] = {""}
    for rel in files:
        if _file_status(root, rel, known, found):
            parent = rel.rpartition("/")[0]
            while parent not in folders:
                folders.add(parent)
                parent = parent.rpartition("/")[0]
    for folder in folders:
        _folder_status(root, folder, found)
    return found


def output_status_after(root: Path, recorded: dict[str, Status], changed: Iterable[str],
                        known: dict[str, Status] | None = None) -> dict[str, Status]:
    """output_status() of an output that, since its statuses were ``recorded``, only had the files
    ``changed`` replaced: theirs and their folders' are read again, the others are as recorded."""
    found = dict(recorded)
    folders: set[str] = set()
    for rel in changed:
        if not _file_status(root, rel, known, found):
            found.pop(rel, None)
        folders.add(rel.rpartition("/")[0])
    for folder in folders:
        _folder_status(root, folder, found)
    return found


def _file_status(root: Path, rel: str, known: dict[str, Status] | None, found: dict[str, Status]) -> bool:
    status = (known or {}).get(rel) or _status(os.path.join(root, rel))
    if status is not None:
        found[rel] = status
    return status is not None


def _folder_status(root: Path, folder: str, found: dict[str, Status]) -> None:
    status = _status(os.path.join(root, folder) if folder else str(root))
    if status is not None:
        found[folder + "/"] = status


def output_unchanged(root: Path, recorded: dict[str, Status]) -> bool:
    """Whether every file and folder of the output still has the status recorded, so that none was
    changed, added or removed since."""
    for rel, status in recorded.items():
        path = os.path.join(root, rel.rstrip("/")) if rel != "/" else str(root)
        if _status(path) != status:
            return False
    return True

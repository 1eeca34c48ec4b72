"""Provides the node home's file modes: every folder 0700, every file 0600 (issue 24).

The home holds every case of the center (node.db and its -wal/-shm files, backups/,
receipts/, outgoing/, node.log), so no other account on the PC may read it. New folders and
files are made with an explicit mode, which the process umask can only narrow; SQLite gives
its -wal, -shm and -journal files the mode of their database file, so the database file is
made 0600 before SQLite opens it. A home made by an older release is tightened when opened
(`tighten_home`); `township-node doctor` reports whatever is still loose.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "FILE_MODE",
    "FOLDER_MODE",
    "LoosePath",
    "chmod_command",
    "find_loose_paths",
    "make_private_dir",
    "make_private_file",
    "tighten_home",
]

FOLDER_MODE = 0o700
FILE_MODE = 0o600
_OTHERS = 0o077  # any bit for group or others

log = logging.getLogger("township_node.permissions")


@dataclass(frozen=True, slots=True)
class LoosePath:
    """A folder or file in the home that group or others may read, write or enter."""

    path: Path
    mode: int
    is_dir: bool
    owned: bool
    """Whether this account owns it (and so may chmod it)."""

    @property
    def wanted(self) -> int:
        """Its mode without the group and other bits (0644 → 0600, 0755 → 0700), as
        `chmod go-rwx` does: what the owner may do, such as run a script, is kept."""
        return self.mode & ~_OTHERS


def make_private_dir(path: Path) -> Path:
    """Makes the folder `path` and any missing parents, each new one with mode 0700.

    An existing folder keeps its mode: it may be a USB stick's, which is not ours to change.
    """
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):  # mkdir(parents=True) gives parents the umask's mode
        folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
    return path


def make_private_file(path: Path) -> Path:
    """Creates the empty file `path` with mode 0600 unless it exists.

    Called before SQLite opens a new database file, so its -wal and -shm files are 0600 too.
    """
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    return path


def find_loose_paths(home: Path) -> list[LoosePath]:
    """The home folder and everything in it that group or others may use, top-down.

    Symbolic links are not followed. Windows has no such modes: nothing is found there.
    """
    if os.name != "posix" or not home.is_dir():
        return []
    return [loose for path, info in _walk(home, everywhere=True) if (loose := _loose(path, info))]


def tighten_home(home: Path) -> list[LoosePath]:
    """Takes group and other bits off each loose path this account owns in `home`.

    The home and its top level are always looked at, a sub-folder only when it was loose
    itself (as each one an older release made was): what a 0700 folder holds is out of other
    accounts' reach already, and a home with years of receipts is opened every sync round.
    Each change is logged; a path another account owns is logged with the command to run.

    Returns:
        What is still loose: the paths this account could not change.
    """
    if os.name != "posix" or not home.is_dir():
        return []
    left = []
    for path, info in _walk(home, everywhere=False):
        loose = _loose(path, info)
        if loose and not _tighten(loose, home):
            left.append(loose)
    return left


def _walk(home: Path, *, everywhere: bool) -> Iterator[tuple[Path, os.stat_result]]:
    """The home and each path in it with its `lstat`, folder by folder, links not followed.

    Goes into the home, and into a sub-folder when `everywhere` or when it is loose (as it
    was when yielded: a caller may tighten it meanwhile).
    """
    yield home, home.lstat()
    folders = [home]
    for folder in folders:  # grows while it is read: breadth first
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue  # removed meanwhile, or another account's (reported as loose or not)
        for name in names:
            path = folder / name
            try:
                info = path.lstat()
            except OSError:
                continue  # removed meanwhile (a rotated backup, a forgotten sealed batch)
            yield path, info
            if stat.S_ISDIR(info.st_mode) and (everywhere or info.st_mode & _OTHERS):
                folders.append(path)


def _loose(path: Path, info: os.stat_result) -> LoosePath | None:
    mode = stat.S_IMODE(info.st_mode)
    if stat.S_ISLNK(info.st_mode) or not mode & _OTHERS:
        return None
    return LoosePath(path, mode, stat.S_ISDIR(info.st_mode), info.st_uid == os.geteuid())


def _tighten(loose: LoosePath, home: Path) -> bool:
    """Whether `loose` could be set to its wanted mode; logs what happened either way."""
    try:
        if not loose.owned:
            raise PermissionError("owned by another account")
        os.chmod(loose.path, loose.wanted)
    except OSError as exc:
        log.warning(
            "%s is mode %04o, readable by other accounts, and cannot be tightened (%s): run %s",
            loose.path,
            loose.mode,
            exc.strerror or exc,
            chmod_command([loose], home),
        )
        return False
    log.warning(
        "tightened %s from mode %04o to %04o: it was readable by other accounts",
        loose.path,
        loose.mode,
        loose.wanted,
    )
    return True


def chmod_command(loose: Sequence[LoosePath], home: Path) -> str:
    """The one command that makes `loose` private: per path for one, for the home for more."""
    if len(loose) == 1:
        return f"chmod {loose[0].wanted:o} {loose[0].path}"
    return f"chmod -R go-rwx {home}"

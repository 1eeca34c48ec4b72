"""Provides a USB stick's folder as untrusted ground: files read bounded, only inside it and
never through a link; files written only inside it, never through a linked folder.

Whoever prepared a stick may have put anything on it: a link to /dev/zero or to a file of
this PC, a named pipe, a file of gigabytes, a folder that links elsewhere, or (through a node
id) a name that climbs out with `..`. Every path is checked component by component from the
stick's root with `lstat` (a Windows junction counts as a link), the file itself is opened
with O_NOFOLLOW where the OS has it, and only a regular file in plain folders is read.
The township node keeps the same rules in township_node/sync/stick.py.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from sync_protocol import MAX_DOCUMENT_SIZE, MalformedInput, parse_json

from ..errors import HubError
from ..home import make_private_dir

__all__ = ["Stick", "plain_name"]

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)  # a pipe swapped in after the check must not block us
    | getattr(os, "O_BINARY", 0)
)


def plain_name(name: str) -> str:
    """`name` (a node id, say: a peer chose it) if it can name one file or folder on a stick.

    Raises:
        MalformedInput: it holds a path separator or NUL, or is empty, `.` or `..`.
    """
    if name in ("", ".", "..") or any(char in name for char in "/\\\x00"):
        raise MalformedInput(f"{name!r} is not a plain file name")
    return name


def _is_link(info: os.stat_result) -> bool:
    reparse = getattr(info, "st_file_attributes", 0) & stat.FILE_ATTRIBUTE_REPARSE_POINT
    return stat.S_ISLNK(info.st_mode) or bool(reparse)


class Stick:
    """The folder an operator named (links above it are theirs, e.g. /media/usb); every
    file read or written must lie inside it."""

    def __init__(self, folder: Path) -> None:
        self.root = folder

    def read(self, path: Path, *, limit: int) -> bytes:
        """The bytes of a regular file under the root, at most `limit` of them.

        Raises:
            MalformedInput: a link on the way, not a regular file, or over `limit` bytes.
            HubError: the file cannot be read (gone, unreadable sector).
        """
        self._check_name(path)
        try:
            self._check_folders(path, create=False)
            info = os.lstat(path)
            self._check_file(info, limit)
            with os.fdopen(os.open(path, _OPEN_FLAGS), "rb") as handle:
                opened = os.fstat(handle.fileno())
                if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
                    raise MalformedInput("changed while it was read")
                self._check_file(opened, limit)
                data = handle.read(limit + 1)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link put there after the check
                raise MalformedInput("a symbolic link, not followed") from None
            raise HubError(f"cannot be read: {exc.strerror or exc}") from exc
        if len(data) > limit:
            raise MalformedInput(f"over {limit} bytes")
        return data

    def read_json(self, path: Path) -> Any:
        """One JSON document (at most MAX_DOCUMENT_SIZE bytes) under the root.

        Raises:
            MalformedInput: as `read`, or not JSON (bad UTF-8, floats, nested too deeply).
            HubError: the file cannot be read.
        """
        return parse_json(self.read(path, limit=MAX_DOCUMENT_SIZE), what="JSON document")

    def write(self, path: Path, data: bytes) -> None:
        """Writes a file under the root whole or not at all, creating plain folders on the way.

        Raises:
            MalformedInput: the path leaves the root or a folder on the way is a link.
            OSError: the stick cannot be written (full, read-only, pulled out).
        """
        self._check_name(path)
        make_private_dir(self.root)  # new folders 0700; an existing stick is left alone
        self._check_folders(path, create=True)
        # A temporary name of its own: two rounds at once may write the same file. Replacing
        # a link puts the file in its place; it never writes through it.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def check_folder(self, path: Path) -> None:
        """Refuses a folder under the root that is a link or lies on a link (before writing
        many files into it).

        Raises:
            MalformedInput: as `write`.
            OSError: the folder cannot be looked at.
        """
        self._check_name(path)
        self._check_folders(path / "-", create=False, missing_ok=True)

    def _check_name(self, path: Path) -> None:
        """Refuses a path that leaves the root or climbs out with `..` (a peer's node id)."""
        try:
            parts = path.relative_to(self.root).parts
        except ValueError:
            raise MalformedInput(f"{path} is outside the stick folder {self.root}") from None
        if not parts or any(part in ("", ".", "..") or "\x00" in part for part in parts):
            raise MalformedInput(f"{'/'.join(parts)!r} is not a plain file name")

    def _check_folders(self, path: Path, *, create: bool, missing_ok: bool = False) -> None:
        here = self.root
        for part in path.relative_to(self.root).parts[:-1]:
            here = here / part
            try:
                info = os.lstat(here)
            except FileNotFoundError:
                if missing_ok:
                    return
                if not create:
                    raise
                # Another round may make it meanwhile: it is looked at below like any other.
                with contextlib.suppress(FileExistsError):
                    os.mkdir(here, 0o700)  # private to the hub account, like its home
                info = os.lstat(here)
            where = here.relative_to(self.root).as_posix()
            if _is_link(info):
                raise MalformedInput(f"its folder {where} is a symbolic link, not followed")
            if not stat.S_ISDIR(info.st_mode):
                raise MalformedInput(f"{where} is not a folder")

    @staticmethod
    def _check_file(info: os.stat_result, limit: int) -> None:
        if _is_link(info):
            raise MalformedInput("a symbolic link, not followed")
        if not stat.S_ISREG(info.st_mode):
            raise MalformedInput("not a regular file (a device, pipe or folder)")
        if info.st_size > limit:
            raise MalformedInput(f"over {limit} bytes")

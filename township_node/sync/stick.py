"""Provides a USB stick's folder as untrusted ground: files read bounded, only inside it and
never through a link; files written only inside it, never through a linked folder.

Whoever prepared a stick may have put anything on it: a link to /dev/zero or to a file of
this PC, a named pipe, a file of gigabytes, a folder that links elsewhere. Every path is
checked component by component from the stick's root with `lstat` (a Windows junction counts
as a link), the file itself is opened with O_NOFOLLOW where the OS has it, and only a regular
file in plain folders is read. The hub keeps the same rules in central_hub/usb/stick.py;
each refusal here says it in English and in the clerk's Chinese.
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

from ..errors import StickFileRefused
from ..permissions import make_private_dir

__all__ = ["Stick"]

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)  # a pipe swapped in after the check must not block us
    | getattr(os, "O_BINARY", 0)
)


def _is_link(info: os.stat_result) -> bool:
    reparse = getattr(info, "st_file_attributes", 0) & stat.FILE_ATTRIBUTE_REPARSE_POINT
    return stat.S_ISLNK(info.st_mode) or bool(reparse)


def _link() -> StickFileRefused:
    return StickFileRefused("a symbolic link, not followed", message_zh="是符号链接，未读取")


def _over(limit: int) -> StickFileRefused:
    return StickFileRefused(f"over {limit} bytes", message_zh=f"超过 {limit} 字节，未读取")


class Stick:
    """The folder the clerk named (links above it are the PC's own, e.g. /media/usb);
    every file read or written must lie inside it."""

    def __init__(self, folder: Path) -> None:
        self.root = folder

    def read(self, path: Path, *, limit: int) -> bytes:
        """The bytes of a regular file under the root, at most `limit` of them.

        Raises:
            StickFileRefused: a link on the way, not a regular file, over `limit` bytes, or
                unreadable.
        """
        self._check_name(path)
        try:
            self._check_folders(path, create=False)
            info = os.lstat(path)
            self._check_file(info, limit)
            with os.fdopen(os.open(path, _OPEN_FLAGS), "rb") as handle:
                opened = os.fstat(handle.fileno())
                if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
                    raise StickFileRefused(
                        "changed while it was read", message_zh="读取时被改动，未读取"
                    )
                self._check_file(opened, limit)
                data = handle.read(limit + 1)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link put there after the check
                raise _link() from None
            said = exc.strerror or str(exc)
            raise StickFileRefused(
                f"cannot be read: {said}", message_zh=f"无法读取（{said}）"
            ) from exc
        if len(data) > limit:
            raise _over(limit)
        return data

    def read_json(self, path: Path) -> Any:
        """One JSON document (at most MAX_DOCUMENT_SIZE bytes) under the root.

        Raises:
            StickFileRefused: as `read`, or not JSON (bad UTF-8, floats, nested too deeply).
        """
        data = self.read(path, limit=MAX_DOCUMENT_SIZE)
        try:
            return parse_json(data, what="JSON document")
        except MalformedInput as exc:
            raise StickFileRefused(
                exc.message, message_zh="不是有效的 JSON 文件（格式错误或嵌套过深）"
            ) from exc

    def write(self, path: Path, data: bytes) -> None:
        """Writes a file under the root whole or not at all, creating plain folders on the way.

        Raises:
            StickFileRefused: the path leaves the root or a folder on the way is a link.
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

    def _check_name(self, path: Path) -> None:
        try:
            parts = path.relative_to(self.root).parts
        except ValueError:
            raise StickFileRefused(
                f"{path} is outside the stick folder {self.root}",
                message_zh=f"{path} 不在U盘文件夹 {self.root} 内",
            ) from None
        if not parts or any(part in ("", ".", "..") or "\x00" in part for part in parts):
            name = "/".join(parts)
            raise StickFileRefused(
                f"{name!r} is not a plain file name", message_zh=f"{name} 不是合法的文件名"
            )

    def _check_folders(self, path: Path, *, create: bool) -> None:
        here = self.root
        for part in path.relative_to(self.root).parts[:-1]:
            here = here / part
            try:
                info = os.lstat(here)
            except FileNotFoundError:
                if not create:
                    raise
                # Another round may make it meanwhile: it is looked at below like any other.
                with contextlib.suppress(FileExistsError):
                    os.mkdir(here, 0o700)
                info = os.lstat(here)
            where = here.relative_to(self.root).as_posix()
            if _is_link(info):
                raise StickFileRefused(
                    f"its folder {where} is a symbolic link, not followed",
                    message_zh=f"所在文件夹 {where} 是符号链接，未使用",
                )
            if not stat.S_ISDIR(info.st_mode):
                raise StickFileRefused(f"{where} is not a folder", message_zh=f"{where} 不是文件夹")

    @staticmethod
    def _check_file(info: os.stat_result, limit: int) -> None:
        if _is_link(info):
            raise _link()
        if not stat.S_ISREG(info.st_mode):
            raise StickFileRefused(
                "not a regular file (a device, pipe or folder)",
                message_zh="不是普通文件（设备、管道或文件夹），未读取",
            )
        if info.st_size > limit:
            raise _over(limit)

"""Helpers for the file-mode tests at node and hub (issue 24): every folder 0700, file 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

__all__ = ["modes", "not_private", "umask_022"]


@pytest.fixture(autouse=True)
def umask_022():
    """The usual umask, under which new files are 0644 and folders 0755 unless we say so."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def modes(folder: Path) -> dict[str, str]:
    """Every path under `folder` (and `folder` itself, as ".") with its mode, as ls shows it."""
    paths = [folder, *folder.rglob("*")]
    return {
        str(path.relative_to(folder)): f"{stat.S_IMODE(path.lstat().st_mode):04o}" for path in paths
    }


def not_private(folder: Path) -> dict[str, str]:
    """The paths of `modes(folder)` that are not 0700 (folders) or 0600 (files)."""
    return {
        name: mode
        for name, mode in modes(folder).items()
        if mode != ("0700" if (folder / name).is_dir() else "0600")
    }

"""Provides the operations commands of `township-node`: backup, restore and doctor."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .common import home_path
from .common import open_from_args as _open

__all__ = ["add_backup_commands"]


def add_backup_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds backup, restore and doctor to the CLI's subparsers."""
    p = sub.add_parser("backup", parents=[common], help="write a consistent database backup")
    p.add_argument(
        "--to",
        type=Path,
        default=None,
        dest="folder",
        help="folder (e.g. a USB stick) to write to (default: the home's rolling backups)",
    )
    p.set_defaults(handler=_backup)

    p = sub.add_parser(
        "restore", parents=[common], help="install a backup on a new PC (into an empty --home)"
    )
    p.add_argument("--from", type=Path, required=True, dest="source", help="the backup .db file")
    p.set_defaults(handler=_restore)

    p = sub.add_parser("doctor", parents=[common], help="check this installation")
    p.add_argument(
        "--min-free-mb",
        type=int,
        default=None,
        help="warn when the home's disk has less free space than this (default 500)",
    )
    p.add_argument("--no-network", action="store_true", help="skip the hub reachability check")
    p.set_defaults(handler=_doctor)


def _backup(args: argparse.Namespace) -> dict[str, Any]:
    from ..backup import BACKUP_FOLDER, rotate_backups, write_backup

    with _open(args) as home:
        folder = args.folder or home.path / BACKUP_FOLDER
        path, manifest = write_backup(home, folder)
        if args.folder is None:
            rotate_backups(folder)
        return asdict(manifest) | {"path": str(path)}


def _restore(args: argparse.Namespace) -> dict[str, Any]:
    from ..restore import restore_backup, restore_summary

    home, manifest = restore_backup(args.source, home_path(args))
    with home:
        return restore_summary(manifest, home)


def _doctor(args: argparse.Namespace) -> None:
    from ..doctor import DEFAULT_MIN_FREE_MB, exit_code, format_report, report_json, run_checks

    checks = run_checks(
        home_path(args),
        min_free_mb=args.min_free_mb if args.min_free_mb is not None else DEFAULT_MIN_FREE_MB,
        network=not args.no_network,
    )
    print(report_json(checks) if args.json else format_report(checks))
    code = exit_code(checks)
    if code:
        sys.exit(code)

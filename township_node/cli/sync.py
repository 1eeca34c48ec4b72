"""Provides the sync commands of `township-node`: sync, daemon, status and the USB round."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..errors import SyncFailed
from .common import open_from_args as _open

__all__ = ["add_sync_commands"]


def add_sync_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds sync, daemon, export, import-receipts and status to the CLI's subparsers."""
    p = sub.add_parser("sync", parents=[common], help="deliver recorded events to the hub")
    p.add_argument(
        "--batch-events",
        type=int,
        default=None,
        help="events per new batch (default: adapted to the link)",
    )
    p.add_argument(
        "--max-bytes",
        type=int,
        default=None,
        help="send at most this many bytes this round (metered links)",
    )
    p.set_defaults(handler=_sync)

    p = sub.add_parser("daemon", parents=[common], help="sync on a schedule until stopped")
    p.add_argument(
        "--interval",
        type=float,
        default=300.0,
        help="seconds between rounds when the link is good (default 300)",
    )
    p.set_defaults(handler=_daemon)

    p = sub.add_parser("export", parents=[common], help="write unsent batches to a USB folder")
    p.add_argument("--to", type=Path, required=True, dest="folder")
    p.set_defaults(handler=_export)

    p = sub.add_parser("import-receipts", parents=[common], help="apply receipts from a USB folder")
    p.add_argument("folder", type=Path)
    p.set_defaults(handler=_import_receipts)

    p = sub.add_parser("status", parents=[common], help="what waits to be sent")
    p.set_defaults(handler=_status)


def _sync(args: argparse.Namespace) -> dict[str, Any]:
    from ..sync import run_round

    with _open(args) as home:
        report = run_round(home, batch_events=args.batch_events, max_bytes=args.max_bytes)
    if report.capped:
        raise SyncFailed(
            f"byte cap reached after {report.bytes_sent} bytes; the rest goes next round",
            exit_code=6,
            message_zh="已达到本次流量上限，其余数据下次同步",
        )
    return asdict(report)


def _daemon(args: argparse.Namespace) -> None:
    from ..sync import run_forever

    with _open(args) as home:
        run_forever(home, interval=timedelta(seconds=args.interval))


def _progress(label: str) -> Any:
    """Prints `label n/total` on one line of stderr, so long USB rounds show progress."""

    def show(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        print(f"\r{label} {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def _export(args: argparse.Namespace) -> dict[str, Any]:
    from ..sync import export_batches

    with _open(args) as home:
        report = export_batches(home, args.folder, progress=_progress("导出 exporting batches"))
        return asdict(report) | {"next": "import the folder at the hub: central-hub import DIR"}


def _import_receipts(args: argparse.Namespace) -> dict[str, Any]:
    from ..sync import Outbox, import_receipts

    with _open(args) as home:
        report = import_receipts(home, args.folder)
        status = Outbox(home).status()
        return asdict(report) | {
            "pending_events": status.unbatched_events + status.unacknowledged_events
        }


def _status(args: argparse.Namespace) -> dict[str, Any]:
    from ..alerts import unseen_alerts
    from ..sync import Outbox, feed_position, load_state

    with _open(args) as home:
        status = Outbox(home).status()
        last = home.conn.execute(
            "SELECT at, outcome, detail FROM sync_log ORDER BY id DESC LIMIT 1"
        ).fetchone()
        schedule = load_state(home)
        return asdict(status) | {
            "node_id": home.node_id,
            "hub_url": home.setting("hub_url"),
            "pending_events": status.unbatched_events + status.unacknowledged_events,
            "last_sync": dict(zip(("at", "outcome", "detail"), last, strict=True)) if last else {},
            "next_try_at": schedule.next_try_at,
            "failures_in_a_row": schedule.failures,
            "last_error": schedule.last_error,
            "last_error_zh": schedule.last_error_zh,
            "next_batch_events": schedule.batch_events,
            "feed_position": feed_position(home),
            "revoked_at": home.setting("revoked_at") or None,
            "unseen_alerts": len(unseen_alerts(home)),
        }

"""Provides the `central-hub` command line.

Every command takes --home (or CENTRAL_HUB_HOME); --json prints one JSON object; a failure
prints one English line on stderr and exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from casework import CaseworkError
from sync_protocol import SUITES, HubClient, ProtocolError

from ..errors import HubError
from ..home import init_home
from ..logs import configure_hub_logging
from ..tables import Table, print_tables
from .catalog import add_catalog_commands
from .common import home_path
from .common import open_from_args as _open
from .compliance import add_compliance_commands
from .reconcile import add_reconcile_commands
from .routing import add_routing_commands
from .user import add_user_commands

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], Any]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_hub_logging()
    try:
        result = args.handler(args)
    except (HubError, ProtocolError, CaseworkError) as exc:
        print(f"central-hub: error: {exc}", file=sys.stderr)
        return 4 if isinstance(exc, ProtocolError) else 2
    except SQLAlchemyError as exc:
        print(
            f"central-hub: error: hub store failed ({exc.__class__.__name__}: {exc}); "
            "check free disk space and the database URL",
            file=sys.stderr,
        )
        return 5
    except KeyboardInterrupt:
        return 130
    if result is not None:
        _print(result, as_json=args.json)
    return 0


def _add_global_options(options: argparse.ArgumentParser, *, typed_only: bool) -> None:
    """--home and --json, taken before the command or after it.

    `central-hub --home DIR init` is how git, docker and kubectl users type it. The program's
    parser holds the defaults; each command's copy sets an option only when it is typed
    (SUPPRESS), so a command never overwrites the value typed before it.
    """

    def default(value: object) -> object:
        return argparse.SUPPRESS if typed_only else value

    options.add_argument(
        "--home",
        type=Path,
        default=default(os.environ.get("CENTRAL_HUB_HOME")),
        help="hub home folder (default: $CENTRAL_HUB_HOME)",
    )
    options.add_argument(
        "--json", action="store_true", default=default(False), help="print one JSON object"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="central-hub", description="County or prefecture hub.")
    parser.set_defaults(handler=lambda _a: parser.print_help())
    common = argparse.ArgumentParser(add_help=False)
    _add_global_options(parser, typed_only=False)
    _add_global_options(common, typed_only=True)
    sub = parser.add_subparsers(title="commands")

    p = sub.add_parser("init", parents=[common], help="create a hub home")
    p.add_argument("--tier", choices=("county", "prefecture"), required=True)
    p.add_argument("--org-code", required=True, help="6-digit GB/T 2260 code, e.g. 513431")
    p.add_argument("--name", required=True)
    p.add_argument("--database-url", default="", help="SQLAlchemy URL (default: SQLite file)")
    p.add_argument(
        "--suite",
        choices=SUITES,
        default=SUITES[0],
        help="cipher suite nodes seal to (the second is post-quantum hybrid; the third, the "
        "national suite SM2/SM3/SM4, makes every key and signature of the hub national)",
    )
    p.set_defaults(handler=_init)

    p = sub.add_parser("serve", parents=[common], help="serve the hub over HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8400)
    p.add_argument(
        "--forward-interval",
        type=float,
        default=30.0,
        help="seconds between forwarding rounds (county; 0 = off)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes behind the one address (more than 1 needs PostgreSQL)",
    )
    p.set_defaults(handler=_serve)

    p = sub.add_parser("enroll-code", parents=[common], help="issue a one-time enrollment code")
    p.add_argument("--center", required=True, help="the center's (or county's) org code")
    p.add_argument(
        "--replaces",
        default="",
        metavar="NODE_ID",
        help="the dead PC's node id, when the new PC was restored from its backup",
    )
    p.set_defaults(handler=_enroll_code)

    p = sub.add_parser("link", parents=[common], help="enroll this county hub with its prefecture")
    p.add_argument("--upstream", required=True, help="the prefecture hub's URL")
    p.add_argument("--code", required=True)
    p.set_defaults(handler=_link)

    p = sub.add_parser("forward", parents=[common], help="one forwarding round to the prefecture")
    p.set_defaults(handler=_forward)

    p = sub.add_parser(
        "import",
        parents=[common],
        help="ingest batches from a USB folder and write receipts back to it",
    )
    p.add_argument("folder", type=Path)
    p.set_defaults(handler=_import_folder)

    p = sub.add_parser(
        "export", parents=[common], help="(county) write batches for the prefecture to a USB folder"
    )
    p.add_argument("--to", type=Path, required=True, dest="folder")
    p.set_defaults(handler=_export_forward)

    p = sub.add_parser(
        "import-receipts",
        parents=[common],
        help="(county) take the prefecture's receipts from a USB folder",
    )
    p.add_argument("folder", type=Path)
    p.set_defaults(handler=_import_forward_receipts)

    p = sub.add_parser(
        "quarantine",
        parents=[common],
        help="refused batches and quarantined events, with their reasons",
    )
    p.add_argument("--node", default="", help="only this node")
    p.set_defaults(handler=_quarantine)

    p = sub.add_parser(
        "backlog",
        parents=[common],
        help="what counties hold that the prefecture has not received yet",
    )
    p.set_defaults(handler=_backlog)

    p = sub.add_parser("rotate-keys", parents=[common], help="new sealing keys for nodes")
    p.add_argument(
        "--retire-old",
        action="store_true",
        help="stop accepting batches sealed to the old keys (nodes re-seal)",
    )
    p.set_defaults(handler=_rotate_keys)

    add_catalog_commands(sub, common)
    add_routing_commands(sub, common)
    add_compliance_commands(sub, common)
    add_reconcile_commands(sub, common)
    add_user_commands(sub, common)

    p = sub.add_parser("report", parents=[common], help="cases by category per org unit")
    p.add_argument("--since", default="", help="accepted on or after (YYYY-MM-DD)")
    p.add_argument("--until", default="", help="accepted before (YYYY-MM-DD)")
    p.set_defaults(handler=_report)
    return parser


def _progress(label: str) -> Any:
    def show(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        print(f"\r{label} {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def _import_folder(args: argparse.Namespace) -> dict[str, Any]:
    from ..usb import import_folder

    summary = import_folder(_open(args), args.folder, progress=_progress("导入 importing"))
    return asdict(summary)


def _export_forward(args: argparse.Namespace) -> dict[str, Any]:
    from ..usb import export_forward

    return export_forward(_open(args), args.folder, progress=_progress("导出 exporting"))


def _import_forward_receipts(args: argparse.Namespace) -> dict[str, Any]:
    from ..usb import import_forward_receipts

    return import_forward_receipts(_open(args), args.folder)


def _quarantine(args: argparse.Namespace) -> dict[str, Any]:
    import sqlalchemy as sa

    from ..store import quarantine, rejected_batches

    home = _open(args)
    refused = rejected_batches.c
    kept = quarantine.c
    batches_query = sa.select(
        refused.node_id,
        refused.batch_seq,
        refused.reason_code,
        refused.message,
        refused.received_at,
    ).order_by(refused.received_at)
    events_query = sa.select(
        kept.node_id,
        kept.seq,
        kept.case_id,
        kept.type,
        kept.reason_code,
        kept.message,
        kept.quarantined_at,
    ).order_by(kept.quarantined_at)
    if args.node:
        batches_query = batches_query.where(refused.node_id == args.node)
        events_query = events_query.where(kept.node_id == args.node)
    with home.engine.connect() as conn:
        return {
            "rejected_batches": [dict(row._mapping) for row in conn.execute(batches_query)],
            "quarantined_events": [dict(row._mapping) for row in conn.execute(events_query)],
        }


def _backlog(args: argparse.Namespace) -> dict[str, Any]:
    from ..forwarding import backlog_view

    return {"counties": backlog_view(_open(args))}


def _rotate_keys(args: argparse.Namespace) -> dict[str, Any]:
    from ..home import rotate_sealing_keys

    new_ids = rotate_sealing_keys(home_path(args), retire_old=args.retire_old)
    return {
        "new_key_ids": new_ids,
        "old_keys_retired": args.retire_old,
        "note": "restart `central-hub serve` to use the new keys",
    }


def _init(args: argparse.Namespace) -> dict[str, Any]:
    home = init_home(
        home_path(args),
        tier=args.tier,
        org_code=args.org_code,
        name=args.name,
        database_url=args.database_url,
        preferred_suite=args.suite,
    )
    info = home.info()
    home.close()
    return {
        "hub_id": info.hub_id,
        "tier": info.tier,
        "org_code": info.org_code,
        "sign_key_id": home.signing.public.key_id,
        "home": str(home.path),
    }


def _serve(args: argparse.Namespace) -> None:
    from ..serving import serve

    serve(
        home_path(args),
        host=args.host,
        port=args.port,
        workers=args.workers,
        forward_interval=args.forward_interval,
    )


def _enroll_code(args: argparse.Namespace) -> dict[str, Any]:
    from ..enrollment import CODE_LIFETIME, issue_code

    home = _open(args)
    code = issue_code(home, center_code=args.center, replaces=args.replaces)
    answer = {"code": code, "center": args.center, "valid_days": CODE_LIFETIME.days}
    return answer | ({"replaces": args.replaces} if args.replaces else {})


def _link(args: argparse.Namespace) -> dict[str, Any]:
    from ..forwarding import link_upstream

    home = _open(args)
    if home.config.tier != "county":
        raise HubError("only a county hub links to a prefecture")
    with HubClient(args.upstream) as client:
        info = link_upstream(home, client, args.code)
    return {"linked_to": info.hub_id, "name": info.name, "url": args.upstream}


def _forward(args: argparse.Namespace) -> dict[str, Any]:
    from ..forwarding import forward_round, upstream_of

    home = _open(args)
    url, _ = upstream_of(home)
    with HubClient(url) as client:
        report = forward_round(home, client)
    return asdict(report)


def _report(args: argparse.Namespace) -> dict[str, Any]:
    from ..reports import CATEGORY_LABELS, case_report

    home = _open(args)
    rows = case_report(home, since=args.since, until=args.until)
    return {
        "hub_id": home.config.hub_id,
        "rows": [
            asdict(row)
            | {
                "category_label": CATEGORY_LABELS.get(row.category, row.category),
                "completion_rate": round(row.completion_rate, 4),
            }
            for row in rows
        ],
    }


def _print(result: Any, *, as_json: bool) -> None:
    if isinstance(result, Table):
        result = [result]
    if isinstance(result, list) and all(isinstance(t, Table) for t in result):
        if as_json:
            print(json.dumps({t.name: t.as_dicts() for t in result}, ensure_ascii=False))
        else:
            print_tables(result)
        return
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    if isinstance(result, dict) and "rows" in result:
        _print_table(result["rows"])
        return
    if isinstance(result, dict) and len(result) == 1:
        (rows,) = result.values()
        if isinstance(rows, list):
            for row in rows:
                print("  ".join(str(value) for value in row.values()))
            return
    for key, value in result.items():
        print(f"{key}: {value}")


def _print_table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console

    from ..reports import report_table

    Console().print(report_table(rows) if rows else "(还没有办件 no cases yet)")

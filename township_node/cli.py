"""Provides the `township-node` command line.

Every command takes --home (or TOWNSHIP_NODE_HOME); --json prints one JSON object; a
failure prints one English line on stderr and exits non-zero: 2 invalid input, 3 hub
unreachable, 4 hub refused, 5 local database failure, 6 byte cap reached (docs/errors.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sync_protocol import ProtocolError

from . import SOFTWARE
from .backup_cli import add_backup_commands
from .case_cli import add_case_commands
from .clerk_cli import add_clerk_commands
from .cli_common import home_path
from .cli_common import open_from_args as _open
from .errors import NodeError
from .home import init_home
from .logs import configure_node_logging
from .sync_cli import add_sync_commands

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_node_logging(args.home)
    try:
        result = args.handler(args)
    except NodeError as exc:
        print(f"township-node: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except ProtocolError as exc:
        print(f"township-node: error: {exc.message}", file=sys.stderr)
        return 4
    except sqlite3.Error as exc:
        print(
            f"township-node: error: local database failed ({exc}); nothing was changed; "
            "check free disk space and that no other program holds the file",
            file=sys.stderr,
        )
        return 5
    except KeyboardInterrupt:
        return 130
    if result is not None:
        _print(result, as_json=args.json)
    return 0


def _add_global_options(options: argparse.ArgumentParser, *, typed_only: bool) -> None:
    """--home, --json and --clerk, taken before the command or after it.

    `township-node --home DIR init` is how git, docker and kubectl users type it. The
    program's parser holds the defaults; each command's copy sets an option only when it is
    typed (SUPPRESS), so a command never overwrites the value typed before it.
    """

    def default(value: object) -> object:
        return argparse.SUPPRESS if typed_only else value

    options.add_argument(
        "--home",
        type=Path,
        default=default(os.environ.get("TOWNSHIP_NODE_HOME")),
        help="node home folder (default: $TOWNSHIP_NODE_HOME)",
    )
    options.add_argument(
        "--json", action="store_true", default=default(False), help="print one JSON object"
    )
    options.add_argument(
        "--clerk",
        default=default(os.environ.get("TOWNSHIP_NODE_CLERK", "admin")),
        help="clerk id recorded on events (default: admin)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="township-node", description="Township service node.")
    # No command opens the clerk's window (issue 4).
    parser.set_defaults(handler=_tui)
    common = argparse.ArgumentParser(add_help=False)
    _add_global_options(parser, typed_only=False)
    _add_global_options(common, typed_only=True)
    sub = parser.add_subparsers(title="commands")

    p = sub.add_parser("init", parents=[common], help="create a node home for a center")
    p.add_argument("--center", required=True, help="9-digit township or 6-digit county code")
    p.add_argument("--name", required=True, help="the service center's name")
    p.add_argument("--window", type=int, default=1, help="window number (several PCs)")
    p.set_defaults(handler=_init)

    p = sub.add_parser("enroll", parents=[common], help="enroll with the county hub")
    p.add_argument("--hub", required=True, help="the hub's URL")
    p.add_argument("--code", required=True, help="one-time code from the county admin")
    p.set_defaults(handler=_enroll)

    p = sub.add_parser("tui", parents=[common], help="open the clerk's window (the default)")
    p.set_defaults(handler=_tui)

    add_case_commands(sub, common)
    add_clerk_commands(sub, common)

    add_sync_commands(sub, common)
    add_backup_commands(sub, common)

    catalog = sub.add_parser("catalog", help="the item catalog").add_subparsers(title="catalog")
    p = catalog.add_parser("list", parents=[common], help="items this center may accept")
    p.set_defaults(handler=_catalog_list)
    p = catalog.add_parser("show", parents=[common], help="one item in full")
    p.add_argument("code")
    p.set_defaults(handler=_catalog_show)
    return parser


def _tui(args: argparse.Namespace) -> None:
    from .app import TownshipApp

    TownshipApp(home_path(args)).run()


def _init(args: argparse.Namespace) -> dict[str, Any]:
    with init_home(
        home_path(args), center_code=args.center, name=args.name, window=args.window
    ) as home:
        return {
            "node_id": home.node_id,
            "center": home.center_code,
            "key_id": home.keys.signing.public.key_id,
            "home": str(home.path),
        }


def _enroll(args: argparse.Namespace) -> dict[str, Any]:
    from sync_protocol import HubClient

    from .enrollment import enroll
    from .restore import continue_restored, is_restored

    with _open(args) as home, HubClient(args.hub, software=SOFTWARE) as client:
        hub = enroll(home, client, args.code)
        answer: dict[str, Any] = {
            "enrolled_with": hub.hub_id,
            "hub_name": hub.name,
            "node_id": home.node_id,
        }
        if is_restored(home):  # a PC restored from a backup continues the replaced node
            answer["continued"] = asdict(continue_restored(home, client))
        return answer


def _catalog_list(args: argparse.Namespace) -> dict[str, Any]:
    from .catalog import available_items

    with _open(args) as home:
        return {
            "items": [
                {"code": item.code, "name": item.name, "category": item.category}
                for item in available_items(home)
            ]
        }


def _catalog_show(args: argparse.Namespace) -> dict[str, Any]:
    import casework

    from .catalog import current_catalog
    from .errors import InvalidInput

    with _open(args) as home:
        catalog = current_catalog(home)
        try:
            item = catalog.get(args.code)
        except casework.CaseworkError as exc:
            raise InvalidInput(f"unknown item {args.code!r}", message_zh=exc.message_zh) from exc
        return {"catalog_version": catalog.version, **casework.item_to_dict(item)}


def _print(result: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    for key in ("cases", "items", "alerts"):
        if key in result:
            for row in result[key]:
                print("  ".join(str(value) for value in row.values()))
            return
    if set(result) == {"case_no"}:
        print(result["case_no"])
        return
    for key, value in result.items():
        print(f"{key}: {value}")

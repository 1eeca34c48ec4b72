"""Provides `township-node clerk …`: clerk accounts from the command line.

    township-node clerk set-admin            first run: set the admin PIN
    township-node clerk add ID --name NAME   add a window clerk (asks for both PINs)
    township-node clerk disable ID           disable a clerk (asks for the admin PIN)
    township-node clerk list

PINs are asked for without echo unless given with --pin / --admin-pin (scripts and tests).
"""

from __future__ import annotations

import argparse
import getpass
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..clerks import ADMIN_ID, ClerkBook
from ..errors import NodeError
from ..home import open_home

__all__ = ["add_clerk_commands"]


def add_clerk_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds the `clerk` command group to the CLI's subparsers."""
    clerk = sub.add_parser("clerk", help="clerk accounts and PINs").add_subparsers(title="clerk")
    p = clerk.add_parser("set-admin", parents=[common], help="first run: set the admin PIN")
    p.add_argument("--pin", default=None, help="the admin PIN (6-12 digits; asked if omitted)")
    p.set_defaults(handler=_set_admin)

    p = clerk.add_parser("add", parents=[common], help="add a window clerk")
    p.add_argument("clerk_id")
    p.add_argument("--name", required=True)
    p.add_argument("--pin", default=None, help="the clerk's PIN (4-12 digits; asked if omitted)")
    p.add_argument("--admin-pin", default=None, help="the admin PIN (asked if omitted)")
    p.set_defaults(handler=_add)

    p = clerk.add_parser("disable", parents=[common], help="disable a clerk")
    p.add_argument("clerk_id")
    p.add_argument("--admin-pin", default=None, help="the admin PIN (asked if omitted)")
    p.set_defaults(handler=_disable)

    p = clerk.add_parser("list", parents=[common], help="clerk accounts")
    p.set_defaults(handler=_list)


def _home_path(args: argparse.Namespace) -> Path:
    if not args.home:
        raise NodeError("no node home: pass --home DIR or set TOWNSHIP_NODE_HOME")
    return Path(args.home)


def _pin(given: str | None, prompt: str) -> str:
    return given if given is not None else getpass.getpass(prompt)


def _set_admin(args: argparse.Namespace) -> dict[str, Any]:
    with open_home(_home_path(args)) as home:
        admin = ClerkBook(home).create_admin(_pin(args.pin, "admin PIN: "))
        return asdict(admin)


def _add(args: argparse.Namespace) -> dict[str, Any]:
    with open_home(_home_path(args)) as home:
        book = ClerkBook(home)
        admin = book.sign_in(ADMIN_ID, _pin(args.admin_pin, "admin PIN: "))
        pin = _pin(args.pin, f"PIN for {args.clerk_id}: ")
        return asdict(book.add(args.clerk_id, args.name, pin, authorized_by=admin))


def _disable(args: argparse.Namespace) -> dict[str, Any]:
    with open_home(_home_path(args)) as home:
        book = ClerkBook(home)
        admin = book.sign_in(ADMIN_ID, _pin(args.admin_pin, "admin PIN: "))
        return asdict(book.set_active(args.clerk_id, False, authorized_by=admin))


def _list(args: argparse.Namespace) -> dict[str, Any]:
    with open_home(_home_path(args)) as home:
        return {"clerks": [asdict(clerk) for clerk in ClerkBook(home).list(include_disabled=True)]}

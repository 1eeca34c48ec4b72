"""Provides the `central-hub user …` commands: the dashboard's accounts.

central-hub user add USERNAME --role R [--county CODE] [--name NAME] [--password P]
central-hub user list
central-hub user disable USERNAME
central-hub user password USERNAME [--password P]
central-hub user sign-out USERNAME

Disabling an account, setting its password and signing it out each end every dashboard session
of the account on the server, at once.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from .cli_common import open_from_args as _open
from .web.errors import UserAdminError
from .web.sessions import end_sessions_of
from .web.users import (
    ROLE_LABELS,
    ROLES,
    User,
    add_user,
    disable_user,
    find_user,
    list_users,
    set_password,
)

__all__ = ["add_user_commands"]


def add_user_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    users = sub.add_parser("user", help="dashboard accounts (看板用户)").add_subparsers(
        title="user"
    )
    p = users.add_parser("add", parents=[common], help="create a dashboard account")
    p.add_argument("username", help="2-32 lowercase letters, digits, '.', '_' or '-'")
    p.add_argument(
        "--role",
        choices=ROLES,
        required=True,
        help="prefecture (州级审阅), county_admin (县级管理员) or viewer (只读)",
    )
    p.add_argument(
        "--county",
        default="",
        help="the county a county_admin or viewer sees (e.g. 513431); leave out for all",
    )
    p.add_argument("--name", default="", help="display name, e.g. 吉克·阿依")
    p.add_argument(
        "--password",
        default="",
        help="(asked without echo when left out; read from stdin when it is not a terminal)",
    )
    p.set_defaults(handler=_add)
    p = users.add_parser("list", parents=[common], help="dashboard accounts")
    p.set_defaults(handler=_list)
    p = users.add_parser(
        "disable", parents=[common], help="lock an account out at once (ends its sessions)"
    )
    p.add_argument("username")
    p.set_defaults(handler=_disable)
    p = users.add_parser(
        "password", parents=[common], help="set an account's password (ends its sessions)"
    )
    p.add_argument("username")
    p.add_argument(
        "--password",
        default="",
        help="(asked without echo when left out; read from stdin when it is not a terminal)",
    )
    p.set_defaults(handler=_password)
    p = users.add_parser(
        "sign-out", parents=[common], help="end every dashboard session of an account"
    )
    p.add_argument("username")
    p.set_defaults(handler=_sign_out)


def _add(args: argparse.Namespace) -> dict[str, Any]:
    home = _open(args)
    user = add_user(
        home.engine,
        args.username,
        role=args.role,
        county_code=args.county or None,
        display_name=args.name,
        password=args.password or _ask_password(),
        hub_tier=home.config.tier,
        hub_org_code=home.config.org_code,
    )
    return _described(user)


def _ask_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码 password: ")
    if getpass.getpass("再输入一次 again: ") != first:
        raise UserAdminError("the two passwords differ", message_zh="两次输入的密码不一致")
    return first


def _list(args: argparse.Namespace) -> dict[str, Any]:
    return {"users": [_described(user) for user in list_users(_open(args).engine)]}


def _disable(args: argparse.Namespace) -> dict[str, Any]:
    return _described(disable_user(_open(args).engine, args.username))


def _password(args: argparse.Namespace) -> dict[str, Any]:
    engine = _open(args).engine
    if find_user(engine, args.username) is None:  # before asking for a password
        raise UserAdminError(f"no user {args.username!r}", message_zh="没有这个用户")
    user = set_password(engine, args.username, args.password or _ask_password())
    return _described(user) | {"sessions": "ended"}


def _sign_out(args: argparse.Namespace) -> dict[str, Any]:
    engine = _open(args).engine
    user = find_user(engine, args.username)
    if user is None:
        raise UserAdminError(f"no user {args.username!r}", message_zh="没有这个用户")
    return _described(user) | {"sessions_ended": end_sessions_of(engine, user.username)}


def _described(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "role_label": ROLE_LABELS[user.role],
        "county": user.county_code or "513400",
        "disabled": user.disabled,
    }

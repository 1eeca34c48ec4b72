"""Provides what every `central-hub` command module shares: finding the hub home."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import HubError
from ..home import HubHome, open_home

__all__ = ["home_path", "open_from_args"]


def home_path(args: argparse.Namespace) -> Path:
    if not args.home:
        raise HubError("no hub home: pass --home DIR or set CENTRAL_HUB_HOME")
    return Path(args.home)


def open_from_args(args: argparse.Namespace) -> HubHome:
    return open_home(home_path(args))

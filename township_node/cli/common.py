"""Provides what every `township-node` command module shares: finding the node home."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import NodeError
from ..home import NodeHome, open_home

__all__ = ["home_path", "open_from_args"]


def home_path(args: argparse.Namespace) -> Path:
    if not args.home:
        raise NodeError("no node home: pass --home DIR or set TOWNSHIP_NODE_HOME")
    return Path(args.home)


def open_from_args(args: argparse.Namespace) -> NodeHome:
    return open_home(home_path(args))

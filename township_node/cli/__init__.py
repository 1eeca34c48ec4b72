"""Provides the `township-node` command line, one module per command group: case, clerk,
sync (with the USB round and the daemon), backup (with restore and doctor); program.py holds
the parser, the commands of the node itself and the dispatch."""

from __future__ import annotations

from .program import main

__all__ = ["main"]

"""Provides the `central-hub` command line, one module per command group."""

from __future__ import annotations

from .program import main

__all__ = [
    "main",
]

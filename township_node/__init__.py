"""Provides the township node: the clerk's offline case book and its sync to the county hub."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]

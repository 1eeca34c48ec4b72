"""Provides the clerk's window's screens, one per file."""

from __future__ import annotations

__all__: list[str] = []

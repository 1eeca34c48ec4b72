"""Provides the clerk's window's dialogs, one per file."""

from __future__ import annotations

__all__: list[str] = []

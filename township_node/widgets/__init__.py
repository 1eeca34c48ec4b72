"""Provides the clerk's window's widgets, one per file."""

from __future__ import annotations

__all__: list[str] = []

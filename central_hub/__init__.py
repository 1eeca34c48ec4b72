"""Provides the central hub: one server program for county and prefecture tiers."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]

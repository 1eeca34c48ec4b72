"""Provides the township node: the clerk's offline case book and its sync to the county hub."""

from __future__ import annotations

__version__ = "0.1.0"
SOFTWARE = f"township-node/{__version__}"
"""What the node tells its hub it runs (the Township-Software header of every request)."""

__all__ = ["SOFTWARE", "__version__"]

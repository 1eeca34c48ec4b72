"""Provides the hub's side of USB rounds: import a stick's batches and write the answers
(rounds.py), each file read and written as untrusted input (stick.py)."""

from __future__ import annotations

from .rounds import ImportSummary, export_forward, import_folder, import_forward_receipts
from .stick import Stick

__all__ = ["ImportSummary", "Stick", "export_forward", "import_folder", "import_forward_receipts"]

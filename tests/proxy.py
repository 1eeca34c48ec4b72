"""Provides the recording TCP proxy under its old name; it lives in tests.faults now."""

from __future__ import annotations

from tests.faults import Faults, RecordingProxy

__all__ = ["Faults", "RecordingProxy"]

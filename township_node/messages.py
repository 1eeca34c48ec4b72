"""Provides the messages screens post to the app: what happened at the window, in past tense."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from .clerks import Clerk

__all__ = ["CaseRecorded", "ClerkSignedIn"]


@dataclass
class ClerkSignedIn(Message):
    """A clerk typed the right PIN (or set the admin PIN on first run)."""

    clerk: Clerk


@dataclass
class CaseRecorded(Message):
    """An event was written for a case: the outbox and today's counts changed."""

    case_no: str

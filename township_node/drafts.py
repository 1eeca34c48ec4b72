"""Provides the accept form's draft: what a clerk typed, kept until the case is accepted.

The window saves the open form half a second after each change, one draft per clerk, so a
crash, a kill or a power cut in the middle of a citizen's visit loses at most that half
second; the clerk's next accept form offers it back. Accepting the case or clearing the
form (Ctrl+N) discards it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

from .home import NodeHome

__all__ = ["Draft", "SavedDraft", "discard_draft", "load_draft", "save_draft"]


@dataclass(frozen=True, slots=True)
class Draft:
    item_code: str = ""
    item_text: str = ""
    """What is in the item search field (the item's name once one is chosen)."""
    applicant: dict[str, str] = field(default_factory=dict)
    """name, id_number, phone as typed."""
    missing_materials: tuple[str, ...] = ()
    promised_by: str = ""
    fee_yuan: str = ""

    @property
    def empty(self) -> bool:
        return not (self.item_code or self.item_text or any(self.applicant.values()))


@dataclass(frozen=True, slots=True)
class SavedDraft:
    draft: Draft
    saved_at: str


def save_draft(home: NodeHome, clerk_id: str, draft: Draft, *, at: datetime) -> None:
    """Keeps the clerk's draft (an empty form keeps none)."""
    if draft.empty:
        discard_draft(home, clerk_id)
        return
    with home.database.transaction() as conn:
        conn.execute(
            "INSERT INTO drafts (clerk_id, body, saved_at) VALUES (?, ?, ?) "
            "ON CONFLICT (clerk_id) DO UPDATE SET body = excluded.body, "
            "saved_at = excluded.saved_at",
            (clerk_id, json.dumps(asdict(draft), ensure_ascii=False), at.isoformat()),
        )


def load_draft(home: NodeHome, clerk_id: str) -> SavedDraft | None:
    row = home.conn.execute(
        "SELECT body, saved_at FROM drafts WHERE clerk_id = ?", (clerk_id,)
    ).fetchone()
    if row is None:
        return None
    body = json.loads(row[0])
    draft = Draft(
        item_code=str(body.get("item_code", "")),
        item_text=str(body.get("item_text", "")),
        applicant={str(k): str(v) for k, v in (body.get("applicant") or {}).items()},
        missing_materials=tuple(str(m) for m in body.get("missing_materials") or ()),
        promised_by=str(body.get("promised_by", "")),
        fee_yuan=str(body.get("fee_yuan", "")),
    )
    return SavedDraft(draft, str(row[1]))


def discard_draft(home: NodeHome, clerk_id: str) -> None:
    """Forgets the clerk's draft: the case was accepted, or the form cleared."""
    with home.database.transaction() as conn:
        conn.execute("DELETE FROM drafts WHERE clerk_id = ?", (clerk_id,))

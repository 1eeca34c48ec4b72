"""Provides the node's schema migrations, applied in order, one transaction each.

Never edit a released migration: add a new one. `PRAGMA user_version` records how many ran.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS"]

_V1 = (
    """CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    # The append-only log. `body` holds the canonical bytes exactly as they are signed.
    """CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,
        case_id TEXT NOT NULL,
        type TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        clerk_id TEXT NOT NULL,
        body BLOB NOT NULL
    )""",
    "CREATE INDEX events_by_case ON events (case_id, seq)",
    # Cases are a projection of the log, for listing; the full state is folded from it.
    """CREATE TABLE cases (
        case_id TEXT PRIMARY KEY,
        case_no TEXT NOT NULL UNIQUE,
        item_code TEXT NOT NULL,
        category TEXT NOT NULL,
        status TEXT NOT NULL,
        applicant_name TEXT NOT NULL,
        id_number TEXT NOT NULL,
        phone TEXT NOT NULL,
        accepted_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX cases_by_status ON cases (status, accepted_at)",
    "CREATE INDEX cases_by_id_number ON cases (id_number)",
    # The outbox: batches once cut never change; status follows the hub's receipts.
    """CREATE TABLE batches (
        batch_seq INTEGER PRIMARY KEY,
        first_seq INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        batch_hash TEXT NOT NULL UNIQUE,
        header BLOB NOT NULL,
        signature BLOB NOT NULL,
        body BLOB NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'held', 'applied', 'rejected')),
        receipt TEXT,
        acknowledged_at TEXT
    )""",
    "CREATE INDEX batches_by_status ON batches (status, batch_seq)",
    """CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    )""",
    """CREATE TABLE sync_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        outcome TEXT NOT NULL,
        detail TEXT NOT NULL
    )""",
)

# The working-day deadline of each open case, as the node's calendar computes it; a date in a
# year no calendar layer covers is provisional until a published layer arrives.
_V2 = (
    "ALTER TABLE cases ADD COLUMN due_date TEXT",
    "ALTER TABLE cases ADD COLUMN due_provisional INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE cases ADD COLUMN calendar_version TEXT",
    "CREATE INDEX cases_by_due ON cases (due_date) WHERE due_date IS NOT NULL",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2)

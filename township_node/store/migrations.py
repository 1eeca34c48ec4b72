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

# The search words of a case (see case_search below); char(31) keeps fields from running
# into each other, so a search never matches across two of them.
_WORDS = (
    "replace(replace({row}.applicant_name, '·', ''), '•', '') || char(31) || "
    "upper({row}.case_no) || char(31) || upper({row}.id_number) || char(31) || {row}.phone"
)

# The clerk's window (issue 4): who may sign in, and the indexes its lists and counts need so
# that no screen scans 100,000 cases on a keystroke.
_V3 = (
    """CREATE TABLE clerks (
        clerk_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'clerk')),
        pin_hash TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX cases_by_accepted ON cases (accepted_at)",
    "CREATE INDEX cases_by_item ON cases (item_code, accepted_at)",
    "CREATE INDEX events_by_type ON events (type, occurred_at)",
    # Accept events with 容缺 materials: few, and the today screen looks for them every time.
    "CREATE INDEX events_with_missing ON events (case_id) "
    "WHERE type = 'accept' AND instr(CAST(body AS TEXT), '\"missing_materials\"') > 0",
    # What the case list's search box looks in, newest first: one short string per case
    # (name without the "·" of Yi names, case number, ID number, phone), kept by triggers so
    # every writer of the projection keeps it without knowing. Scanning it is ~3x faster
    # than evaluating the same match over the cases table, and it stops at a page.
    """CREATE TABLE case_search (
        accepted_at TEXT NOT NULL,
        case_id TEXT NOT NULL,
        words TEXT NOT NULL,
        PRIMARY KEY (accepted_at, case_id)
    ) WITHOUT ROWID""",
    f"INSERT INTO case_search SELECT accepted_at, case_id, {_WORDS.format(row='cases')} FROM cases",
    f"""CREATE TRIGGER case_search_insert AFTER INSERT ON cases BEGIN
        INSERT INTO case_search VALUES (NEW.accepted_at, NEW.case_id, {_WORDS.format(row="NEW")});
    END""",
    f"""CREATE TRIGGER case_search_update
    AFTER UPDATE OF applicant_name, case_no, id_number, phone, accepted_at ON cases BEGIN
        DELETE FROM case_search WHERE accepted_at = OLD.accepted_at AND case_id = OLD.case_id;
        INSERT INTO case_search VALUES (NEW.accepted_at, NEW.case_id, {_WORDS.format(row="NEW")});
    END""",
    """CREATE TRIGGER case_search_delete AFTER DELETE ON cases BEGIN
        DELETE FROM case_search WHERE accepted_at = OLD.accepted_at AND case_id = OLD.case_id;
    END""",
)

# Cases that cross levels (issue 6): events other centers recorded on cases this center is
# party to arrive from the hub's feed; the case row says who holds the case since when, and
# alerts tell the clerk what arrived (a case handed here, a result back for delivery).
_V4 = (
    """CREATE TABLE feed_events (
        event_id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL,
        center_code TEXT NOT NULL,
        position INTEGER NOT NULL,
        body BLOB NOT NULL,
        received_at TEXT NOT NULL
    )""",
    "CREATE INDEX feed_events_by_case ON feed_events (case_id, position)",
    "ALTER TABLE cases ADD COLUMN origin_center TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE cases ADD COLUMN holder_center TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE cases ADD COLUMN held_since TEXT",
    "ALTER TABLE cases ADD COLUMN conflicts INTEGER NOT NULL DEFAULT 0",
    # Every case so far was accepted and is held here.
    """UPDATE cases SET
        origin_center = (SELECT value FROM settings WHERE key = 'center_code'),
        holder_center = (SELECT value FROM settings WHERE key = 'center_code'),
        held_since = accepted_at""",
    "CREATE INDEX cases_by_holder ON cases (holder_center, status)",
    """CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        message_zh TEXT NOT NULL,
        message TEXT NOT NULL,
        created_at TEXT NOT NULL,
        seen_at TEXT
    )""",
    "CREATE INDEX alerts_unseen ON alerts (id) WHERE seen_at IS NULL",
)

# The accept form as a clerk left it, so a crash or a power cut does not lose what a citizen
# already told the window (one per clerk; it holds applicant data like the cases table does).
_V5 = (
    """CREATE TABLE drafts (
        clerk_id TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        saved_at TEXT NOT NULL
    )""",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3, _V4, _V5)

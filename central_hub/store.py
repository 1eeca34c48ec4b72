"""Provides the hub's store: SQLAlchemy Core tables over SQLite by default, or PostgreSQL.

Everything goes through SQLAlchemy Core so that the same statements run on both.
Dialect-specific settings live only in `create_engine_for`: on both stores one write
transaction runs at a time (SQLite's BEGIN IMMEDIATE; on PostgreSQL a transaction-scoped
advisory lock), so every correctness argument made for one holds for the other, and
several hub worker processes may share a PostgreSQL database (docs/scaling.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

__all__ = [
    "batches",
    "case_conflicts",
    "case_parties",
    "cases",
    "catalogs",
    "county_backlog",
    "create_database",
    "create_engine_for",
    "cursors",
    "enroll_codes",
    "events",
    "feed",
    "forward_state",
    "held_batches",
    "hub_meta",
    "in_chunks",
    "insert_many",
    "is_sqlite_url",
    "metadata",
    "nodes",
    "normalize_url",
    "pending_events",
    "quarantine",
    "rejected_batches",
    "update_many",
    "upsert",
]

metadata = sa.MetaData()

hub_meta = sa.Table(
    "hub_meta",
    metadata,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# Only the code's id (its first group) and its MAC key are kept; the code itself is not.
enroll_codes = sa.Table(
    "enroll_codes",
    metadata,
    sa.Column("code_key", sa.String(64), primary_key=True),
    sa.Column("code_id", sa.String(8), nullable=False, index=True),
    sa.Column("center_code", sa.String, nullable=False),
    sa.Column("created_at", sa.String, nullable=False),
    sa.Column("expires_at", sa.String, nullable=False),
    sa.Column("used_at", sa.String),
    sa.Column("used_by", sa.String),
    sa.Column("answer", sa.Text),
)

# Nodes are service-center nodes, and at the prefecture also county hubs (kind "hub").
nodes = sa.Table(
    "nodes",
    metadata,
    sa.Column("node_id", sa.String, primary_key=True),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("center_code", sa.String, nullable=False, index=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("sign_key", sa.String, nullable=False),
    sa.Column("seal_suite", sa.String, nullable=False),
    sa.Column("seal_key", sa.String, nullable=False),
    sa.Column("registered_via", sa.String, nullable=False, default=""),
    sa.Column("enrolled_at", sa.String, nullable=False),
    sa.Column("revoked_at", sa.String),
    sa.Column("registration", sa.Text, nullable=False),
)

# What the hub holds of each node; updated in the same transaction as the events.
cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("node_id", sa.String, primary_key=True),
    sa.Column("next_batch_seq", sa.Integer, nullable=False),
    sa.Column("last_event_seq", sa.Integer, nullable=False),
    sa.Column("last_batch_hash", sa.String(64), nullable=False),
    sa.Column("last_contact_at", sa.String, nullable=False),
)

batches = sa.Table(
    "batches",
    metadata,
    sa.Column("node_id", sa.String, primary_key=True),
    sa.Column("batch_seq", sa.Integer, primary_key=True),
    sa.Column("batch_hash", sa.String(64), nullable=False),
    sa.Column("header", sa.LargeBinary, nullable=False),
    sa.Column("signature", sa.LargeBinary, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("event_count", sa.Integer, nullable=False),
    sa.Column("received_at", sa.String, nullable=False),
    sa.Column("receipt", sa.Text, nullable=False),
)

held_batches = sa.Table(
    "held_batches",
    metadata,
    sa.Column("node_id", sa.String, primary_key=True),
    sa.Column("batch_seq", sa.Integer, primary_key=True),
    sa.Column("batch_hash", sa.String(64), nullable=False),
    sa.Column("header", sa.LargeBinary, nullable=False),
    sa.Column("signature", sa.LargeBinary, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("received_at", sa.String, nullable=False),
)

# Every refused batch is kept, bytes and reason, for a human to inspect.
rejected_batches = sa.Table(
    "rejected_batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("node_id", sa.String, nullable=False),
    sa.Column("batch_seq", sa.Integer, nullable=False),
    sa.Column("batch_hash", sa.String, nullable=False),
    sa.Column("reason_code", sa.String, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("blob", sa.LargeBinary, nullable=False),
    sa.Column("received_at", sa.String, nullable=False),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("node_id", sa.String, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("case_id", sa.String(36), nullable=False, index=True),
    sa.Column("type", sa.String, nullable=False),
    sa.Column("occurred_at", sa.String, nullable=False),
    sa.Column("clerk_id", sa.String, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("batch_seq", sa.Integer, nullable=False),
    # Kept in the log, but not applied to its case: it broke a rule (see quarantine).
    sa.Column("quarantined", sa.Boolean, nullable=False, default=False),
    sa.UniqueConstraint("node_id", "seq", name="events_node_seq"),
)

# Why each quarantined event was not applied; the county reviews these.
quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("node_id", sa.String, nullable=False, index=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("case_id", sa.String(36), nullable=False),
    sa.Column("type", sa.String, nullable=False),
    sa.Column("reason_code", sa.String, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("batch_seq", sa.Integer, nullable=False),
    sa.Column("quarantined_at", sa.String, nullable=False),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("case_no", sa.String, nullable=False),
    sa.Column("node_id", sa.String, nullable=False),
    sa.Column("center_code", sa.String, nullable=False, index=True),
    sa.Column("item_code", sa.String, nullable=False),
    sa.Column("category", sa.String, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("accepted_at", sa.String, nullable=False),
    sa.Column("completed_at", sa.String),
    sa.Column("updated_at", sa.String, nullable=False),
    # For reconciliation and compliance (issue 7): scope by county without parsing codes,
    # who holds the case, its working-day deadline as this hub's calendar counts it, and when
    # its acceptance first reached this hub (a case recorded long before it arrived).
    sa.Column("county_code", sa.String, nullable=False, default=""),
    sa.Column("holder_center", sa.String, nullable=False, default=""),
    sa.Column("due_date", sa.String),
    sa.Column("due_provisional", sa.Boolean, nullable=False, default=False),
    sa.Column("received_at", sa.String, nullable=False, default=""),
    sa.Index("cases_by_county", "county_code", "accepted_at"),
    sa.Index("cases_by_due", "due_date"),
)

# Published catalog versions: our own, and (at a county) the prefecture's, as signed.
catalogs = sa.Table(
    "catalogs",
    metadata,
    sa.Column("issuer", sa.String, primary_key=True),
    sa.Column("sequence", sa.Integer, primary_key=True),
    sa.Column("version", sa.String, nullable=False, unique=True),
    sa.Column("published_at", sa.String, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
)

# Prefecture only: each county's last signed statement of what it holds, not yet forwarded.
county_backlog = sa.Table(
    "county_backlog",
    metadata,
    sa.Column("hub_id", sa.String, primary_key=True),
    sa.Column("reported_at", sa.String, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
)

# County hubs only: how far each node's batches went up to the prefecture.
forward_state = sa.Table(
    "forward_state",
    metadata,
    sa.Column("node_id", sa.String, primary_key=True),
    sa.Column("registered_upstream", sa.Boolean, nullable=False, default=False),
    sa.Column("forwarded_batch_seq", sa.Integer, nullable=False, default=0),
    sa.Column("last_forward_at", sa.String),
    sa.Column("last_error", sa.Text),
)

# Cases that cross centers (issue 6). A case with more than one party (the accepting center
# and every center it was handed to) has its parties listed; what one party records goes to
# the feed of the others, which their nodes pull by position.
case_parties = sa.Table(
    "case_parties",
    metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("center_code", sa.String, primary_key=True),
    sa.Column("joined_at", sa.String, nullable=False),
)

feed = sa.Table(
    "feed",
    metadata,
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("center_code", sa.String, nullable=False),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("author_center", sa.String, nullable=False),
    sa.Column("added_at", sa.String, nullable=False),
    sa.Index("feed_by_center", "center_code", "position"),
)

# Events recorded concurrently at two centers on one case (a fork): both are kept; the rule
# order applies one and may set the other aside. Listed for a human to reconcile.
case_conflicts = sa.Table(
    "case_conflicts",
    metadata,
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("case_id", sa.String(36), nullable=False, index=True),
    sa.Column("after_event", sa.String(36), nullable=False),
    sa.Column("outcome", sa.String, nullable=False),  # merged | set_aside
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("detected_at", sa.String, nullable=False),
)

# Events whose predecessor has not arrived (a county's event can reach the prefecture before
# the township's it follows); folded when it does.
pending_events = sa.Table(
    "pending_events",
    metadata,
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("case_id", sa.String(36), nullable=False, index=True),
    sa.Column("after_event", sa.String(36)),
    sa.Column("since", sa.String, nullable=False),
)


IN_CHUNK = 500
"""Ids per IN (...) list: well under every database's limit on bound parameters."""


def in_chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    """The distinct ids in order, IN_CHUNK at a time: one IN (...) list each."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), IN_CHUNK):
        yield ordered[start : start + IN_CHUNK]


_INSERTS: dict[tuple[str, str], Any] = {}


def insert_many(conn: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Inserts rows with one driver-level executemany of a statement compiled once.

    At ingest rates SQLAlchemy's per-row parameter processing cost more than SQLite's insert
    itself (measured: about 8 of 11 µs per event row), so the hot path skips it. The
    statement is still compiled by SQLAlchemy for the connection's dialect.
    """
    if not rows:
        return
    key = (conn.dialect.name, table.name)
    compiled = _INSERTS.get(key)
    if compiled is None:
        compiled = _INSERTS[key] = table.insert().compile(dialect=conn.dialect)
    _execute_many(conn, compiled, rows)


_UPDATES: dict[tuple[str, str, str, tuple[str, ...]], Any] = {}


def update_many(
    conn: sa.Connection, table: sa.Table, key: str, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Updates rows by their `key` column with one driver-level executemany, as insert_many
    does: every row names the same columns (its key among them), set to its values.

    One UPDATE statement a row through SQLAlchemy cost the hub 0.4 ms a case (most of it
    building the statement and its cache key): 4.4 of the 6.0 s a run of batches that went on
    with 2,000 open cases took.
    """
    if not rows:
        return
    columns = tuple(name for name in rows[0] if name != key)
    cache_key = (conn.dialect.name, table.name, key, columns)
    compiled = _UPDATES.get(cache_key)
    if compiled is None:
        statement = (
            table.update()
            .where(table.c[key] == sa.bindparam("key_"))
            .values({name: sa.bindparam(name) for name in columns})
        )
        compiled = _UPDATES[cache_key] = statement.compile(dialect=conn.dialect)
    _execute_many(conn, compiled, [{**row, "key_": row[key]} for row in rows])


def _execute_many(conn: sa.Connection, compiled: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Runs a compiled statement once per row, in one driver-level executemany."""
    if conn.dialect.positional:
        row_values = itemgetter(*(compiled.positiontup or ()))
        conn.exec_driver_sql(compiled.string, [row_values(row) for row in rows])
    else:
        conn.exec_driver_sql(compiled.string, [dict(row) for row in rows])


def upsert(conn: sa.Connection, table: sa.Table, key: dict[str, str], values: dict) -> None:
    """Updates the row with this key, or inserts it when there is none."""
    where = [table.c[name] == value for name, value in key.items()]
    if conn.execute(table.update().where(*where).values(**values)).rowcount == 0:
        conn.execute(table.insert().values(**key, **values))


# Modules that keep their own tables next to the code that uses them; they register them on
# `metadata` when imported, so the engine imports them before creating the tables.
_TABLE_MODULES = (
    "central_hub.ingest.checkpoints",
    "central_hub.ingest.contacts",
    "central_hub.ingest.equivocation",
    "central_hub.reconcile.nodes",
    "central_hub.reconcile.actions",
    "central_hub.enrollment.replacement",
    "central_hub.compliance.rollups.schema",
    "central_hub.compliance.standards",
    "central_hub.web.users",
)


def create_engine_for(url: str) -> sa.Engine:
    """Creates the engine and every table of the hub.

    On SQLite: WAL, synchronous=FULL (a receipt is only signed for what survives a power
    cut), and BEGIN IMMEDIATE so concurrent writers queue instead of failing mid-transaction.
    On PostgreSQL (psycopg 3): every transaction first takes one advisory lock, the same
    queueing across worker processes; PostgreSQL commits durably by default.
    """
    for module in _TABLE_MODULES:
        importlib.import_module(module)
    url = normalize_url(url)
    if is_sqlite_url(url):
        engine = sa.create_engine(url)
        _configure_sqlite(engine)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True)
        if engine.dialect.name == "postgresql":
            _configure_postgresql(engine)
    metadata.create_all(engine)
    return engine


def normalize_url(url: str) -> str:
    """`postgresql://…` means psycopg 3 here (SQLAlchemy's own default is psycopg2)."""
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url[len(bare) :]
    return url


def is_sqlite_url(url: str) -> bool:
    return sa.make_url(url).get_backend_name() == "sqlite"


def create_database(server_url: str, name: str) -> str:
    """Creates database `name` on the PostgreSQL server of `server_url`; returns its URL.

    `server_url` names any database the role may connect to (e.g. `/postgres`); the role
    needs CREATEDB. Used by `central-hub init` when hubs are given a server, not a database.
    """
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise ValueError(f"database name {name!r} must be ASCII letters, digits and _")
    url = sa.make_url(normalize_url(server_url))
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _configure_postgresql(engine: sa.Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # Held until commit or rollback: the hub's single-writer discipline, as on SQLite.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": _PG_LOCK})


# An arbitrary constant: the key of the hub's one advisory lock in its own database.
_PG_LOCK = 0x7A_68_75_62


def _configure_sqlite(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" hook issue BEGIN, not the driver (SQLAlchemy's recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

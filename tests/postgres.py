"""Helpers for running the hub suite against a PostgreSQL server (HUB_TEST_DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from central_hub.store import normalize_url

__all__ = ["drop_databases_except", "hub_databases", "opened_connections"]


def _admin(server_url: str) -> sa.Engine:
    return sa.create_engine(
        normalize_url(server_url), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
    )


def hub_databases(server_url: str) -> set[str]:
    """The databases that `central-hub init` created on the server (named hub_…)."""
    engine = _admin(server_url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT datname FROM pg_database WHERE datname LIKE 'hub\\_%%'"
            )
            return {str(row[0]) for row in rows}
    finally:
        engine.dispose()


def drop_databases_except(server_url: str, kept: set[str]) -> None:
    """Drops hub databases created since `kept` was listed, closing whatever still uses them."""
    engine = _admin(server_url)
    try:
        with engine.connect() as conn:
            for name in sorted(hub_databases(server_url) - kept):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


@contextmanager
def opened_connections() -> Iterator[list[Any]]:
    """Lists every driver connection any engine of this process opens meanwhile."""
    opened: list[Any] = []

    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        opened.append(dbapi_connection)

    sa.event.listen(sa.pool.Pool, "connect", _on_connect)
    try:
        yield opened
    finally:
        sa.event.remove(sa.pool.Pool, "connect", _on_connect)

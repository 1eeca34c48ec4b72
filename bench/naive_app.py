"""The naive baseline the end-to-end benchmark compares against: one POST per event.

What a first version of township sync would be: each event is POSTed as plain JSON to the
county, which inserts its row (SQLite, the hub's settings: WAL, synchronous=FULL, so an
answered event survives a power cut, as a receipt promises) and, when it has an upstream,
POSTs the same JSON on to the prefecture before answering. Same stack as the hub: Starlette
served by uvicorn. No signatures, no sealing, no compression, no case rules.

    .venv/bin/python bench/naive_app.py --db /tmp/naive.db --port 8500 [--upstream URL]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import threading
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = ["create_naive_app"]

_SCHEMA = """CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY,
    node_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    case_id TEXT NOT NULL,
    type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    clerk_id TEXT NOT NULL,
    body BLOB NOT NULL,
    UNIQUE (node_id, seq)
)"""


def create_naive_app(db_path: str, upstream: str = "") -> Starlette:
    conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(_SCHEMA)
    conn.execute("CREATE INDEX IF NOT EXISTS events_by_case ON events (case_id)")
    lock = threading.Lock()
    forward = httpx.Client(base_url=upstream, timeout=30) if upstream else None

    def store(body: bytes) -> dict[str, Any]:
        event = json.loads(body)
        with lock:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    event["event_id"],
                    event["node_id"],
                    event["seq"],
                    event["case_id"],
                    event["type"],
                    event["occurred_at"],
                    event["clerk_id"],
                    body,
                ),
            )
            conn.execute("COMMIT")
        if forward is not None:
            forward.post(
                "/events", content=body, headers={"content-type": "application/json"}
            ).raise_for_status()
        return {"ok": True, "event_id": event["event_id"]}

    def count() -> int:
        with lock:
            return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])

    async def post_event(request: Request) -> JSONResponse:
        from starlette.concurrency import run_in_threadpool

        return JSONResponse(await run_in_threadpool(store, await request.body()))

    async def health(_request: Request) -> JSONResponse:
        from starlette.concurrency import run_in_threadpool

        return JSONResponse({"ok": True, "events": await run_in_threadpool(count)})

    return Starlette(
        routes=[
            Route("/events", post_event, methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
        ]
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", default="")
    args = parser.parse_args()
    app = create_naive_app(args.db, args.upstream)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

"""Provides `central-hub serve`: one uvicorn process, or several workers behind one address.

Several workers share one hub home and one PostgreSQL database: every transaction takes
the store's one lock (central_hub.store), so they apply batches exactly as one process
would, while reading requests, checking signatures and opening sealed batches in parallel.
On SQLite more than one worker is refused: the file admits one writer, and workers would
only queue on it (up to its busy timeout) for no gain.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette

from .errors import HubError
from .home import open_home
from .logs import configure_hub_logging
from .store import is_sqlite_url

__all__ = ["MAX_WORKERS", "app_from_environment", "serve"]

MAX_WORKERS = 32
_HOME_VARIABLE = "CENTRAL_HUB_HOME"
_FORWARD_VARIABLE = "CENTRAL_HUB_FORWARD_INTERVAL"


def serve(
    home_path: Path, *, host: str, port: int, workers: int = 1, forward_interval: float = 30.0
) -> None:
    """Serves the hub until interrupted.

    Raises:
        HubError: a worker count out of range, or more than one worker on SQLite.
    """
    import uvicorn

    from .app import create_app

    if not 1 <= workers <= MAX_WORKERS:
        raise HubError(f"--workers must be between 1 and {MAX_WORKERS}, not {workers}")
    # Opened here first, so a bad home fails once, and tables exist before workers start.
    home = open_home(home_path)
    if workers == 1:
        app = create_app(home, forward_interval=forward_interval)
        # log_config=None: uvicorn keeps our masked JSON handler instead of its own formats.
        configure_hub_logging(serving=True)
        uvicorn.run(app, host=host, port=port, log_level="info", log_config=None)
        return
    if is_sqlite_url(home.config.database_url):
        home.close()
        raise HubError(
            f"--workers {workers} needs a PostgreSQL store; this hub keeps its data in one "
            "SQLite file, which admits one writer at a time. Serve with --workers 1, or "
            "create the hub with `central-hub init --database-url postgresql+psycopg://…` "
            "(see docs/scaling.md)"
        )
    home.close()
    # Workers are fresh processes: they find the hub home in their environment.
    os.environ[_HOME_VARIABLE] = str(home_path.resolve())
    os.environ[_FORWARD_VARIABLE] = repr(forward_interval)
    configure_hub_logging(serving=True)
    uvicorn.run(
        "central_hub.serving:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        log_config=None,
    )


def app_from_environment() -> Starlette:
    """The app of one worker process (uvicorn calls this factory in each)."""
    from .app import create_app

    configure_hub_logging(serving=True)
    return create_app(
        Path(os.environ[_HOME_VARIABLE]),
        forward_interval=float(os.environ.get(_FORWARD_VARIABLE, "30")),
    )

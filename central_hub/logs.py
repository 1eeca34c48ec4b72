"""Provides the hub's logging setup: masked JSON lines on stderr (sync_protocol's format).

`central-hub serve` runs under uvicorn, whose own loggers ("uvicorn", with its children
"uvicorn.error" and "uvicorn.access") get the same handler, so an access line holding a
dashboard search for an ID number is masked like any other line.
"""

from __future__ import annotations

import logging

from sync_protocol import install_log_handler

__all__ = ["HUB_LOGGERS", "SERVER_LOGGERS", "configure_hub_logging"]

HUB_LOGGERS = ("central_hub", "sync_protocol")
SERVER_LOGGERS = ("uvicorn",)


def configure_hub_logging(*, serving: bool = False) -> None:
    """Commands log warnings and errors; a serving hub also logs requests and rounds."""
    if serving:
        install_log_handler((*HUB_LOGGERS, *SERVER_LOGGERS), level=logging.INFO)
    else:
        install_log_handler(HUB_LOGGERS, level=logging.WARNING)

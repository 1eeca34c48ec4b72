"""Provides the node's logging setup: masked JSON lines in `<home>/node.log` (mode 0600).

The clerk's window owns the terminal, so the node never logs to it; the file sits next to
node.db, where a county technician looks when a window reports trouble. Before the home
exists (`township-node init`, `restore`), lines go to stderr. Format and masking are
sync_protocol's.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sync_protocol import install_log_handler

from .home import DATABASE_FILE

__all__ = ["LOG_FILE", "NODE_LOGGERS", "configure_node_logging"]

LOG_FILE = "node.log"
NODE_LOGGERS = ("township_node", "sync_protocol")


def configure_node_logging(home: Path | None, *, level: int = logging.INFO) -> Path | None:
    """Returns the log file's path, or None when lines go to stderr."""
    if home is not None and (home / DATABASE_FILE).exists():  # a node home, not any folder
        path = home / LOG_FILE
        install_log_handler(NODE_LOGGERS, path=path, level=level)
        return path
    install_log_handler(NODE_LOGGERS, level=logging.WARNING)
    return None

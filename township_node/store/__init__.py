"""Provides the node's storage: the SQLite database, its migrations, settings and key file."""

from __future__ import annotations

from .database import NodeDatabase, open_database
from .keys import NodeKeys, load_keys, replace_keys, save_keys
from .migrations import MIGRATIONS
from .settings import get_json_setting, get_setting, set_setting

__all__ = [
    "MIGRATIONS",
    "NodeDatabase",
    "NodeKeys",
    "get_json_setting",
    "get_setting",
    "load_keys",
    "open_database",
    "replace_keys",
    "save_keys",
    "set_setting",
]

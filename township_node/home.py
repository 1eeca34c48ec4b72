"""Provides the node home: one folder holding the database and the key file.

The home and everything in it is private to the account that runs the node: folders 0700,
files 0600 (township_node/permissions.py); opening a home tightens one made looser.
"""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sync_protocol import SUITE_X25519, format_timestamp

from .errors import AlreadyInitialized, InvalidInput, NotInitialized
from .permissions import make_private_dir, tighten_home
from .store import (
    NodeDatabase,
    NodeKeys,
    get_setting,
    load_keys,
    open_database,
    replace_keys,
    save_keys,
    set_setting,
)

__all__ = ["NodeHome", "init_home", "open_home"]

DATABASE_FILE = "node.db"
KEY_FILE = "keys/node-keys.json"


@dataclass(slots=True)
class NodeHome:
    """An opened node home. Close it when done."""

    path: Path
    database: NodeDatabase
    keys: NodeKeys

    @property
    def conn(self) -> sqlite3.Connection:
        return self.database.conn

    def setting(self, key: str, default: str = "") -> str:
        return get_setting(self.database.conn, key, default)

    @property
    def node_id(self) -> str:
        return self.setting("node_id")

    @property
    def center_code(self) -> str:
        return self.setting("center_code")

    def refit_keys(self, suite: str) -> None:
        """Makes the node's keys the kind a hub of `suite` enrolls, if they are not.

        Only before the first enrollment: the keys are the node's identity, and an enrolled
        node's are known to its hub (changing them then is a key rotation).
        """
        if self.keys.fit(suite):
            return
        if self.setting("hub_info"):
            raise InvalidInput(
                f"node {self.node_id} is enrolled with keys of another suite than {suite}",
                message_zh="本节点已登记，其密钥与该中心平台的密码套件不一致，请联系县级管理员",
                field="suite",
            )
        keys = NodeKeys.generate(suite)
        replace_keys(self.path / KEY_FILE, keys)
        self.keys = keys

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> NodeHome:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def init_home(
    path: Path, *, center_code: str, name: str, window: int = 1, suite: str = SUITE_X25519
) -> NodeHome:
    """Creates a node home for a service center: database, keys and node id.

    `suite` is the hub's, when known: a national-suite hub's nodes hold SM2 keys only.
    Enrollment changes them to the hub's kind if they are not (`NodeHome.refit_keys`).

    Raises:
        AlreadyInitialized: a database is already there (we never overwrite one).
        InvalidInput: the center code is not a 6-digit county or 9-digit township code.
    """
    if not (center_code.isdigit() and len(center_code) in (6, 9)):
        raise InvalidInput(
            f"center code {center_code!r} must be a 6-digit county or 9-digit township code",
            message_zh="中心代码应为6位县级或9位乡镇级区划代码",
            field="center_code",
        )
    if (path / DATABASE_FILE).exists() or (path / KEY_FILE).exists():
        raise AlreadyInitialized(f"a node home already exists at {path}")
    make_private_dir(path)
    tighten_home(path)  # a folder made beforehand for the home, under the umask's mode
    keys = NodeKeys.generate(suite)
    save_keys(path / KEY_FILE, keys)
    database = open_database(path / DATABASE_FILE)
    # The random part keeps two PCs of one center (or a re-installed one) apart.
    node_id = f"{center_code}-{secrets.token_hex(4)}"
    with database.transaction() as conn:
        set_setting(conn, "node_id", node_id)
        set_setting(conn, "center_code", center_code)
        set_setting(conn, "center_name", name)
        set_setting(conn, "window", f"{window:02d}")
        set_setting(conn, "created_at", format_timestamp(datetime.now(UTC)))
    return NodeHome(path, database, keys)


def open_home(path: Path) -> NodeHome:
    """Opens an existing node home.

    A home that group or others may read (made by a release before issue 24) is made
    private first: its folders 0700, its files 0600.

    Raises:
        NotInitialized: no node home at `path`.
    """
    if not (path / DATABASE_FILE).exists() or not (path / KEY_FILE).exists():
        raise NotInitialized(
            f"no node home at {path}; run `township-node init --center CODE --name NAME` first",
            message_zh="本机尚未初始化，请先运行 township-node init",
        )
    tighten_home(path)
    return NodeHome(path, open_database(path / DATABASE_FILE), load_keys(path / KEY_FILE))

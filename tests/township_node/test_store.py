"""The node home keeps keys private and never runs on a database newer than itself."""

from __future__ import annotations

import sqlite3
import stat

import pytest

from township_node.errors import AlreadyInitialized, NotInitialized, SchemaTooNew
from township_node.home import DATABASE_FILE, KEY_FILE, init_home, open_home


def test_key_file_is_readable_by_owner_only(tmp_path):
    init_home(tmp_path, center_code="513431100", name="新城镇").close()
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600


def test_init_refuses_to_overwrite_an_existing_home(tmp_path):
    init_home(tmp_path, center_code="513431100", name="新城镇").close()
    with pytest.raises(AlreadyInitialized):
        init_home(tmp_path, center_code="513431100", name="新城镇")


def test_open_explains_how_to_start_when_no_home(tmp_path):
    with pytest.raises(NotInitialized, match="township-node init"):
        open_home(tmp_path)


def test_open_refuses_database_written_by_newer_software(tmp_path):
    init_home(tmp_path, center_code="513431100", name="新城镇").close()
    with sqlite3.connect(tmp_path / DATABASE_FILE) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(SchemaTooNew):
        open_home(tmp_path)


def test_reopened_home_keeps_its_node_id_and_keys(tmp_path):
    with init_home(tmp_path, center_code="513431100", name="新城镇") as home:
        node_id, key_id = home.node_id, home.keys.signing.public.key_id
    with open_home(tmp_path) as home:
        assert (home.node_id, home.keys.signing.public.key_id) == (node_id, key_id)

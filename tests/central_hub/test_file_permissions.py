"""The hub home is private to its account: folders 0700, files 0600, tightened on open.

Issue 24, item 3: files holding cases, keys and settings must not be readable by other
accounts on the hub's machine, whatever the umask.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from central_hub.cli import main
from central_hub.enrollment import issue_code
from central_hub.home import HubHome, init_home, open_home
from central_hub.ingest import Ingestor, Uploads
from central_hub.usb import import_folder
from central_hub.web import create_dashboard
from tests.central_hub.test_compliance import XINCHENG, CaseWriter, prefecture_hub
from tests.file_modes import modes, not_private, umask_022  # noqa: F401 (autouse)
from tests.pairs import make_pair
from township_node.sync import export_batches

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _sqlite_hub(path: Path) -> HubHome:
    """A county hub on its own SQLite file (whatever server the suite's hubs use)."""
    return init_home(
        path,
        tier="county",
        org_code="513431",
        name="昭觉县政务服务中心",
        database_url=f"sqlite:///{path / 'hub.db'}",
    )


def test_new_hub_home_holds_only_private_files_and_folders_under_umask_022(tmp_path):
    home = _sqlite_hub(tmp_path / "hub")
    issue_code(home, center_code="513431100")  # a write: hub.db-wal and -shm now exist
    create_dashboard(home)  # makes the session secret in keys/
    uploads = Uploads(home, Ingestor(home))
    # The first piece of a frame: too short to check, kept in uploads/ for the next one.
    assert uploads.put("ab" * 32, 0, 10_000, b"\x00" * 100).offset == 100
    names = set(modes(home.path))
    assert {"hub.json", "hub.db", "hub.db-wal", "hub.db-shm", "keys/hub-keys.json"} <= names
    assert {"keys/dashboard-secret", f"uploads/{'ab' * 32}.part", "uploads.lock"} <= names
    assert not_private(home.path) == {}
    home.close()


def test_receipts_the_hub_writes_to_a_stick_are_private(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(2)
    stick = tmp_path / "stick"
    export_batches(pair.node, stick)
    summary = import_folder(pair.hub, stick)
    assert summary.applied == 1
    assert any(name.startswith("township-sync/from-") for name in modes(stick))
    assert not_private(stick) == {}


def test_compliance_table_written_as_csv_is_private(tmp_path, capsys):
    home = prefecture_hub(tmp_path)
    CaseWriter(home).add(XINCHENG, "2026-03-02 09:00", completed="2026-03-03 09:00")
    target = tmp_path / "compliance.csv"
    argv = ["compliance", "--home", str(home.path), "--csv", str(target)]
    assert main([*argv, "--since", "2026-03-01", "--until", "2026-03-31"]) == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_old_hub_home_is_tightened_when_opened_and_says_so(tmp_path, caplog):
    home = _sqlite_hub(tmp_path / "hub")
    home.close()
    for path in [home.path, *home.path.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # what a release before issue 24 left
    with caplog.at_level(logging.WARNING, logger="central_hub.home"):
        open_home(home.path).close()
    assert not_private(home.path) == {}
    database = home.path / "hub.db"
    assert (
        f"tightened {database} from mode 0644 to 0600: it was readable by other accounts"
        in caplog.messages
    )
    assert f"tightened {home.path} from mode 0755 to 0700" in caplog.text


def test_opening_a_private_hub_home_logs_nothing(tmp_path, caplog):
    _sqlite_hub(tmp_path / "hub").close()
    with caplog.at_level(logging.DEBUG, logger="central_hub.home"):
        open_home(tmp_path / "hub").close()
    assert caplog.records == []


@pytest.mark.skipif(os.name == "posix" and os.geteuid() != 0, reason="chown needs root")
def test_file_of_another_account_is_left_as_it_is_with_the_chmod_to_run(tmp_path, caplog):
    home = _sqlite_hub(tmp_path / "hub")
    home.close()
    stray = home.path / "notes.txt"
    stray.write_text("someone else's", encoding="utf-8")
    os.chown(stray, 65534, 65534)
    with caplog.at_level(logging.WARNING, logger="central_hub.home"):
        open_home(home.path).close()
    assert stat.S_IMODE(stray.stat().st_mode) == 0o644
    assert f"run chmod 600 {stray}" in caplog.text

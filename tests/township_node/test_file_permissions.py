"""The node home is private to its account: folders 0700, files 0600, checked by doctor.

Issue 24, item 3: node.db was 0644 in a 0755 home, so any account on the PC read every case.
"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
from pathlib import Path

import pytest

from sync_protocol import HubClient
from tests.conftest import free_port
from tests.file_modes import modes, not_private, umask_022  # noqa: F401 (autouse)
from tests.pairs import make_pair
from township_node.backup import BACKUP_FOLDER, take_rolling_backup, write_backup
from township_node.doctor import run_checks
from township_node.errors import SyncFailed
from township_node.home import DATABASE_FILE, init_home, open_home
from township_node.logs import LOG_FILE, configure_node_logging
from township_node.receipts import receipt_facts, receipt_text, save_receipt
from township_node.restore import restore_backup
from township_node.store import MIGRATIONS, open_database
from township_node.sync import export_batches, sync_once

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


@pytest.fixture(autouse=True)
def logging_back_to_stderr():
    yield
    configure_node_logging(None)  # no test leaves a handler on a removed home's node.log


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _facts(pair, number):
    return receipt_facts(pair.book, number, center_name="新城镇", window="01", clerk_name="张三")


def test_new_node_home_holds_only_private_files_and_folders_under_umask_022(tmp_path):
    pair = make_pair(tmp_path)
    home = pair.node
    configure_node_logging(home.path)
    logging.getLogger("township_node.test").warning("a line, so node.log is written")
    number = pair.accept(1)[0]
    save_receipt(home.path, _facts(pair, number), "回执")
    take_rolling_backup(home)
    export_batches(home, tmp_path / "stick")  # leaves the sealed copies in outgoing/
    with pytest.raises(SyncFailed):
        sync_once(home, HubClient(f"http://127.0.0.1:{free_port()}", attempts=1))
    names = set(modes(home.path))
    # While the database is open its -wal and -shm files exist: SQLite gives them node.db's mode.
    assert {"node.db", "node.db-wal", "node.db-shm", LOG_FILE, "keys/node-keys.json"} <= names
    assert {"receipts", "backups", "outgoing", "sync.lock"} <= names
    assert not_private(home.path) == {}
    assert not_private(tmp_path / "stick") == {}


def test_receipt_file_is_private_and_readable_by_its_clerk(tmp_path):
    pair = make_pair(tmp_path)
    number = pair.accept(1)[0]
    facts = _facts(pair, number)
    path = save_receipt(pair.node.path, facts, receipt_text(facts))
    assert (_mode(path), _mode(path.parent)) == (0o600, 0o700)
    assert path.read_text(encoding="utf-8-sig") == receipt_text(facts)


def test_backup_on_a_stick_is_0600_in_a_new_0700_folder_with_its_manifest(tmp_path):
    home = init_home(tmp_path / "node", center_code="513431100", name="新城镇便民服务中心")
    stick = tmp_path / "stick"
    stick.mkdir()  # the stick's own folder is not ours to change
    path, manifest = write_backup(home, stick / "backups")
    assert _mode(stick) == 0o755
    assert modes(stick / "backups") == {
        ".": "0700",
        path.name: "0600",
        manifest.path_name: "0600",
    }
    rolling = take_rolling_backup(home)
    assert rolling is not None
    assert (_mode(rolling), _mode(home.path / BACKUP_FOLDER)) == (0o600, 0o700)


def test_home_restored_from_a_backup_is_private(tmp_path):
    home = init_home(tmp_path / "node", center_code="513431100", name="新城镇便民服务中心")
    backup, _ = write_backup(home, tmp_path / "stick")
    restored, _ = restore_backup(backup, tmp_path / "new-pc")
    assert not_private(restored.path) == {}
    restored.close()


def test_copy_taken_before_a_migration_is_private(tmp_path):
    path = tmp_path / DATABASE_FILE
    open_database(path, migrations=MIGRATIONS[:3]).close()
    database = open_database(path)
    database.close()
    (copy,) = (tmp_path / BACKUP_FOLDER).glob("pre-migration-v3-*.db")
    assert (_mode(path), _mode(copy), _mode(copy.parent)) == (0o600, 0o600, 0o700)


def _loosen(home: Path) -> None:
    """What a release before issue 24 left under umask 022."""
    for path in [home, *home.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def test_old_home_with_readable_node_db_is_tightened_when_opened_and_says_so(tmp_path, caplog):
    home = init_home(tmp_path / "node", center_code="513431100", name="新城镇便民服务中心")
    take_rolling_backup(home)
    home.close()
    _loosen(home.path)
    assert _mode(home.path / DATABASE_FILE) == 0o644
    with caplog.at_level(logging.WARNING, logger="township_node.permissions"):
        reopened = open_home(home.path)
    reopened.close()
    assert not_private(home.path) == {}
    assert (
        f"tightened {home.path / DATABASE_FILE} from mode 0644 to 0600: it was readable by "
        "other accounts"
    ) in caplog.messages
    assert f"tightened {home.path} from mode 0755 to 0700" in caplog.text


def test_tightening_keeps_what_the_owner_may_do(tmp_path):
    home = init_home(tmp_path / "node", center_code="513431100", name="新城镇便民服务中心")
    home.close()
    script = home.path / "start-window.sh"  # a technician's, run by the clerk's account
    script.write_text("township-node tui\n", encoding="utf-8")
    script.chmod(0o755)
    open_home(home.path).close()
    assert _mode(script) == 0o700  # as chmod go-rwx: still runs, for its owner only


def test_opening_a_private_home_logs_nothing(tmp_path, caplog):
    init_home(tmp_path / "node", center_code="513431100", name="新城镇便民服务中心").close()
    with caplog.at_level(logging.DEBUG, logger="township_node.permissions"):
        open_home(tmp_path / "node").close()
    assert caplog.records == []


def _permissions_check(home: Path):
    checks = run_checks(home, network=False, min_free_mb=1)
    (check,) = [c for c in checks if c.name == "permissions"]
    return check


def test_doctor_flags_a_readable_file_in_chinese_with_its_chmod(tmp_path):
    home = init_home(tmp_path / "node", center_code="513431100", name="新城镇便民服务中心")
    take_rolling_backup(home)
    home.close()
    assert _permissions_check(home.path).status == "ok"
    database = home.path / DATABASE_FILE
    database.chmod(0o644)
    check = _permissions_check(home.path)
    assert check.status == "error"
    assert check.detail_zh == f"{database} 权限为 0644，其他用户可读"
    assert check.fix_zh == f"请运行 chmod 600 {database}"
    assert _mode(database) == 0o644  # doctor only reads


def test_doctor_finds_a_readable_backup_inside_a_private_folder(tmp_path):
    home = init_home(tmp_path / "node", center_code="513431100", name="新城镇便民服务中心")
    backup = take_rolling_backup(home)
    home.close()
    assert backup is not None
    backup.chmod(0o644)  # out of other accounts' reach in its 0700 folder, still not 0600
    check = _permissions_check(home.path)
    assert (check.status, check.fix_zh) == ("error", f"请运行 chmod 600 {backup}")


def test_doctor_gives_one_recursive_chmod_for_a_loosened_home(tmp_path):
    home = init_home(tmp_path / "node", center_code="513431100", name="新城镇便民服务中心")
    take_rolling_backup(home)
    home.close()
    _loosen(home.path)
    check = _permissions_check(home.path)
    assert check.status == "error"
    assert "其他用户可读" in check.detail_zh and "个文件或文件夹" in check.detail_zh
    assert check.fix_zh == f"请运行 chmod -R go-rwx {home.path}"
    subprocess.run(check.fix_zh.removeprefix("请运行 ").split(), check=True)  # as printed
    assert _permissions_check(home.path).status == "ok"


@pytest.mark.skipif(os.name == "posix" and os.geteuid() != 0, reason="chown needs root")
def test_file_of_another_account_is_left_as_it_is_and_reported(tmp_path, caplog):
    home = init_home(tmp_path / "node", center_code="513431100", name="新城镇便民服务中心")
    home.close()
    stray = home.path / "notes.txt"
    stray.write_text("someone else's", encoding="utf-8")
    os.chown(stray, 65534, 65534)
    with caplog.at_level(logging.WARNING, logger="township_node.permissions"):
        open_home(home.path).close()
    assert _mode(stray) == 0o644
    assert f"run chmod 600 {stray}" in caplog.text
    check = _permissions_check(home.path)
    assert check.status == "error" and "需由管理员运行" in check.fix_zh

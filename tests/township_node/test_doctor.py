"""`township-node doctor` tells a healthy installation from each kind of broken one."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import free_port, run_cli, start_hub
from tests.pairs import make_pair
from township_node.backup import take_rolling_backup
from township_node.doctor import exit_code, format_report, run_checks
from township_node.home import DATABASE_FILE, KEY_FILE
from township_node.store import set_setting
from township_node.sync import Outbox


def _by_name(checks):
    return {check.name: check for check in checks}


@pytest.fixture
def node(tmp_path):
    """An enrolled node home with one synced case and a fresh backup, closed for doctor."""
    pair = make_pair(tmp_path)
    pair.accept(1)
    for blob in pair.sealed_batches():
        result = pair.ingestor.ingest(blob)
        from sync_protocol import Receipt

        receipt = Receipt.verify(result.receipt, pair.hub_info.verify_key())
        Outbox(pair.node).record_receipt(receipt, result.receipt)
    take_rolling_backup(pair.node)
    path = pair.node.path
    pair.node.close()
    return path


def _check(home, name, **kwargs):
    kwargs.setdefault("network", False)
    kwargs.setdefault("min_free_mb", 1)
    return _by_name(run_checks(home, **kwargs))[name]


def test_healthy_home_passes_every_check_and_exits_0(node):
    checks = run_checks(node, network=False, min_free_mb=1)
    assert {c.name: c.status for c in checks} == {
        "integrity": "ok",
        "schema": "ok",
        "disk": "ok",
        "keys": "ok",
        "permissions": "ok",
        "enrollment": "ok",
        "clock": "ok",
        "backup": "ok",
        "outbox": "ok",
    }
    assert exit_code(checks) == 0
    assert "结论：一切正常" in format_report(checks)


def test_corrupt_database_is_an_error_with_restore_advice(node):
    path = node / DATABASE_FILE
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    data[2 * page : 3 * page] = b"\xa5" * page  # a table page overwritten with garbage
    path.write_bytes(bytes(data))
    check = _check(node, "integrity")
    assert check.status == "error"
    assert "township-node restore" in check.fix_zh


def test_schema_newer_than_software_is_an_error_and_older_a_warning(node):
    with sqlite3.connect(node / DATABASE_FILE) as conn:
        conn.execute("PRAGMA user_version=99")
    assert _check(node, "schema").status == "error"
    with sqlite3.connect(node / DATABASE_FILE) as conn:
        conn.execute("PRAGMA user_version=3")
    check = _check(node, "schema")
    assert (check.status, "自动升级" in check.fix_zh) == ("warn", True)


def test_key_readable_by_others_or_missing_is_an_error(node):
    key = node / KEY_FILE
    key.chmod(0o644)
    check = _check(node, "keys")
    assert check.status == "error" and f"chmod 600 {key}" in check.fix_zh
    key.chmod(0o600)
    assert _check(node, "keys").status == "ok"
    key.unlink()
    assert _check(node, "keys").status == "error"


def test_disk_below_threshold_is_a_warning(node):
    free_mb = shutil.disk_usage(node).free // (1024 * 1024)
    assert _check(node, "disk", min_free_mb=free_mb + 1000).status == "warn"
    assert _check(node, "disk", min_free_mb=1).status == "ok"


def test_clock_skew_against_last_receipt_warns_then_errors(node):
    def skew_by(delta: timedelta) -> str:
        with sqlite3.connect(node / DATABASE_FILE) as conn:
            receipt, acked = conn.execute(
                "SELECT receipt, acknowledged_at FROM batches WHERE batch_seq = 1"
            ).fetchone()
            document = json.loads(receipt)
            issued = datetime.fromisoformat(acked) - delta
            document["body"]["issued_at"] = issued.strftime("%Y-%m-%dT%H:%M:%S.000Z")
            conn.execute("UPDATE batches SET receipt = ?", (json.dumps(document),))
        return _check(node, "clock").status

    assert skew_by(timedelta(minutes=1)) == "ok"
    assert skew_by(timedelta(hours=2)) == "warn"
    assert skew_by(timedelta(hours=-13)) == "error"


def test_stale_or_missing_backup_is_a_warning(node):
    later = datetime.now(UTC) + timedelta(days=3)
    assert _check(node, "backup", now=later).status == "warn"
    shutil.rmtree(node / "backups")
    assert _check(node, "backup").status == "warn"


def test_events_waiting_long_warn_after_a_day_and_error_after_a_week(node):
    with sqlite3.connect(node / DATABASE_FILE) as conn:
        conn.execute("DELETE FROM batches")  # as if the case had never been sent
        (recorded,) = conn.execute("SELECT occurred_at FROM events").fetchone()
    now = datetime.fromisoformat(recorded)
    assert _check(node, "outbox", now=now + timedelta(hours=1)).status == "ok"
    assert _check(node, "outbox", now=now + timedelta(days=2)).status == "warn"
    assert _check(node, "outbox", now=now + timedelta(days=8)).status == "error"


def test_revoked_node_is_an_error(node):
    with sqlite3.connect(node / DATABASE_FILE, isolation_level=None) as conn:
        set_setting(conn, "revoked_at", "2026-11-20T08:00:00.000Z")
    assert _check(node, "enrollment").status == "error"


def test_hub_offline_is_a_warning_and_reachable_hub_ok(node, tmp_path, hubs):
    with sqlite3.connect(node / DATABASE_FILE, isolation_level=None) as conn:
        set_setting(conn, "hub_url", f"http://127.0.0.1:{free_port()}")
    offline = _check(node, "hub", network=True, timeout=1.0)
    assert offline.status == "warn" and "照常办件" in offline.fix_zh
    hub = start_hub(tmp_path / "hub")
    hubs.append(hub)
    with sqlite3.connect(node / DATABASE_FILE, isolation_level=None) as conn:
        set_setting(conn, "hub_url", hub.url)
    assert _check(node, "hub", network=True).status == "ok"


def test_doctor_command_prints_chinese_report_and_exit_code(node):
    (node / KEY_FILE).chmod(0o644)
    result = run_cli(
        "township-node",
        "doctor",
        "--home",
        str(node),
        "--no-network",
        "--min-free-mb",
        "1",
        check=False,
    )
    assert result.returncode == 2
    assert "✗ 密钥文件" in result.stdout and "结论：1 项错误" in result.stdout
    (node / KEY_FILE).chmod(0o600)
    result = run_cli(
        "township-node", "doctor", "--home", str(node), "--no-network", "--json", check=False
    )
    assert result.returncode == json.loads(result.stdout)["exit_code"]

"""Provides `township-node doctor`: checks an installation and says, in Chinese, what to do.

Every check reads only: the database is opened read-only (a damaged file is never written
to, and an old schema is not upgraded by looking at it). Each check ends ✓ (ok), ! (warn:
the PC works, but someone should act) or ✗ (error: fix before going on). Being offline is a
warning, never an error: a township often has no link for days, and nothing is lost.
Exit codes: 0 all ok, 1 warnings, 2 errors (docs/operations.md "Reading doctor").
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sync_protocol import parse_timestamp

from .backup import BACKUP_FOLDER, list_backups
from .home import DATABASE_FILE, KEY_FILE
from .permissions import chmod_command, find_loose_paths
from .store import MIGRATIONS, load_keys

__all__ = [
    "DEFAULT_MIN_FREE_MB",
    "Check",
    "exit_code",
    "format_report",
    "report_json",
    "run_checks",
]

DEFAULT_MIN_FREE_MB = 500
CRITICAL_FREE_MB = 50
SKEW_WARN = timedelta(minutes=10)
SKEW_ERROR = timedelta(hours=12)
BACKUP_STALE = timedelta(days=2)
UNSENT_WARN = timedelta(days=1)
UNSENT_ERROR = timedelta(days=7)

_MARKS = {"ok": "✓", "warn": "!", "error": "✗"}


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    title_zh: str
    status: str
    """ok, warn or error."""
    detail_zh: str
    fix_zh: str = ""
    detail: str = ""
    """The same in English, for logs and the county's helpdesk."""


def run_checks(
    home: Path,
    *,
    min_free_mb: int = DEFAULT_MIN_FREE_MB,
    network: bool = True,
    timeout: float = 3.0,
    now: datetime | None = None,
) -> list[Check]:
    """Runs every check on the node home at `home`, in the order a person would fix them."""
    now = now or datetime.now(UTC)
    checks = [_disk(home, min_free_mb), _keys(home), _permissions(home)]
    database = home / DATABASE_FILE
    if not database.exists():
        return [
            Check(
                "database",
                "数据库",
                "error",
                f"{database} 不存在",
                "本机尚未初始化：运行 township-node init；若是换了新电脑，用备份恢复",
                f"no database at {database}",
            ),
            *checks,
        ]
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        integrity = _integrity(conn)
        checks.insert(0, integrity)
        if integrity.status == "error":
            return checks
        schema = _schema(conn)
        checks.insert(1, schema)
        if schema.status == "error":
            return checks
        settings = dict(conn.execute("SELECT key, value FROM settings"))
        checks += [_enrollment(settings), _clock_skew(conn)]
        if network:
            checks.append(_hub_reachable(settings, timeout))
        checks += [_backups(home, now), _outbox_age(conn, settings, now)]
    finally:
        conn.close()
    return checks


def _integrity(conn: sqlite3.Connection) -> Check:
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        result = str(exc)
    if result == "ok":
        return Check("integrity", "数据库完整性", "ok", "完好", detail="quick_check ok")
    return Check(
        "integrity",
        "数据库完整性",
        "error",
        f"数据库已损坏（{result}）",
        "立即停止办件，联系县级管理员；用最近的备份在本机或新电脑上恢复"
        "（township-node restore --from 备份文件 --home 新文件夹）",
        f"quick_check failed: {result}",
    )


def _schema(conn: sqlite3.Connection) -> Check:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    known = len(MIGRATIONS)
    if version > known:
        return Check(
            "schema",
            "数据库版本",
            "error",
            f"数据库版本 {version} 高于本软件（{known}）",
            "请安装新版本软件，不能降级使用",
            f"schema {version} is newer than this software ({known})",
        )
    if version < known:
        return Check(
            "schema",
            "数据库版本",
            "warn",
            f"数据库版本 {version}，本软件为 {known}",
            "下次打开办件窗口时会自动升级；升级前建议先备份（township-node backup）",
            f"schema {version} will be upgraded to {known} on the next start",
        )
    return Check("schema", "数据库版本", "ok", f"版本 {version}", detail=f"schema {version}")


def _keys(home: Path) -> Check:
    path = home / KEY_FILE
    if not path.exists():
        return Check(
            "keys",
            "密钥文件",
            "error",
            f"{path} 不存在",
            "密钥丢失后本机无法再发送数据：请联系县级管理员吊销本机，再用备份恢复并重新注册",
            f"no key file at {path}",
        )
    try:
        load_keys(path)
    except (OSError, ValueError, KeyError) as exc:
        return Check(
            "keys",
            "密钥文件",
            "error",
            "密钥文件无法读取",
            "密钥文件已损坏：请联系县级管理员吊销本机，再用备份恢复并重新注册",
            f"key file unreadable: {exc}",
        )
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.name == "posix" and mode & 0o077:
        return Check(
            "keys",
            "密钥文件",
            "error",
            f"密钥文件权限为 {mode:04o}，其他用户可读",
            f"请运行 chmod 600 {path}；若怀疑密钥已泄露，请联系县级管理员吊销本机",
            f"key file mode {mode:04o} lets other users read it",
        )
    return Check("keys", "密钥文件", "ok", "存在，仅本用户可读", detail=f"mode {mode:04o}")


def _permissions(home: Path) -> Check:
    """Every folder 0700 and every file 0600: the home holds every case (issue 24). The key
    file is the keys check's."""
    loose = [found for found in find_loose_paths(home) if found.path != home / KEY_FILE]
    if not loose:
        return Check(
            "permissions",
            "文件权限",
            "ok",
            "本机数据仅本用户可读",
            detail="every folder 0700, every file 0600",
        )
    first = loose[0]
    command = chmod_command(loose, home)
    owned = all(found.owned for found in loose)
    others = "" if owned else "；其中有不属于本用户的文件，需由管理员运行"
    return Check(
        "permissions",
        "文件权限",
        "error",
        f"{first.path} 权限为 {first.mode:04o}，其他用户可读"
        + (f"（共 {len(loose)} 个文件或文件夹）" if len(loose) > 1 else ""),
        f"请运行 {command}{others}",
        f"{len(loose)} paths readable by other accounts, first {first.path} "
        f"mode {first.mode:04o}; run {command}",
    )


def _disk(home: Path, min_free_mb: int) -> Check:
    usage = shutil.disk_usage(home if home.exists() else home.parent)
    free_mb = usage.free // (1024 * 1024)
    detail = f"{free_mb} MB free"
    if free_mb < min(CRITICAL_FREE_MB, min_free_mb):
        return Check(
            "disk",
            "磁盘空间",
            "error",
            f"仅剩 {free_mb} MB",
            "磁盘将满，新办件可能无法保存：请立即清理磁盘（删除无用文件），或更换硬盘",
            detail,
        )
    if free_mb < min_free_mb:
        return Check(
            "disk",
            "磁盘空间",
            "warn",
            f"剩余 {free_mb} MB，低于 {min_free_mb} MB",
            "请清理磁盘或更换更大的硬盘",
            detail,
        )
    return Check("disk", "磁盘空间", "ok", f"剩余 {free_mb} MB", detail=detail)


def _enrollment(settings: dict[str, str]) -> Check:
    if settings.get("restored_from"):
        old = json.loads(settings["restored_from"]).get("node_id", "")
        return Check(
            "enrollment",
            "注册状态",
            "warn",
            "本机由备份恢复，尚未重新注册",
            f"请县级管理员发放替换旧节点 {old} 的注册码（enroll-code --replaces {old}），"
            "再运行 township-node enroll",
            f"restored from a backup of {old}; enroll with a --replaces code",
        )
    if settings.get("revoked_at"):
        return Check(
            "enrollment",
            "注册状态",
            "error",
            f"本机已被县级中心吊销（{settings['revoked_at']}）",
            "本机数据不会再被接收：请联系县级管理员",
            f"revoked on {settings['revoked_at']}",
        )
    if not settings.get("hub_info"):
        return Check(
            "enrollment",
            "注册状态",
            "warn",
            "尚未注册到县级中心",
            "请向县级管理员索取注册码，运行 township-node enroll --hub 地址 --code 注册码",
            "not enrolled",
        )
    return Check(
        "enrollment", "注册状态", "ok", f"已注册：{settings.get('hub_url', '')}", detail="enrolled"
    )


def _clock_skew(conn: sqlite3.Connection) -> Check:
    row = conn.execute(
        "SELECT acknowledged_at, receipt FROM batches WHERE acknowledged_at IS NOT NULL "
        "ORDER BY acknowledged_at DESC LIMIT 1"
    ).fetchone()
    issued = json.loads(row[1]).get("body", {}).get("issued_at") if row and row[1] else None
    if not issued:
        return Check(
            "clock", "时钟", "ok", "尚无县级回执，暂不能比对", detail="no receipt to compare with"
        )
    # Our clock when the receipt was stored, minus the hub's when it signed it (plus the
    # transfer time, which is small next to the thresholds).
    skew = parse_timestamp(row[0]) - parse_timestamp(issued)
    minutes = round(skew.total_seconds() / 60)
    detail = f"{minutes:+d} min against the hub's last receipt"
    if abs(skew) >= SKEW_WARN:
        status = "error" if abs(skew) >= SKEW_ERROR else "warn"
        return Check(
            "clock",
            "时钟",
            status,
            f"本机时间与县级中心相差约 {abs(minutes)} 分钟（本机{'快' if minutes > 0 else '慢'}）",
            "请校准本机日期和时间（办件时限按本机时间计算）",
            detail,
        )
    return Check("clock", "时钟", "ok", f"与县级中心相差 {abs(minutes)} 分钟以内", detail=detail)


def _hub_reachable(settings: dict[str, str], timeout: float) -> Check:
    url = settings.get("hub_url", "")
    if not url or not settings.get("hub_info"):
        return Check("hub", "县级中心连接", "ok", "未注册，跳过", detail="not enrolled: skipped")
    from sync_protocol import HubClient, ProtocolError

    try:
        with HubClient(url, timeout=timeout, attempts=1) as client:
            client.call_json("GET", "/healthz")
    except ProtocolError as exc:
        return Check(
            "hub",
            "县级中心连接",
            "warn",
            f"连不上 {url}",
            "离线时可照常办件，数据保存在本机，联网后自动上传；"
            "长期不通请检查网线或用U盘导出（township-node export）",
            f"hub unreachable: {exc}",
        )
    return Check("hub", "县级中心连接", "ok", f"{url} 可以连通", detail="hub answered /healthz")


def _backups(home: Path, now: datetime) -> Check:
    backups = list_backups(home / BACKUP_FOLDER)
    if not backups:
        return Check(
            "backup",
            "本机备份",
            "warn",
            "还没有备份",
            "运行 township-node backup；并定期用 township-node backup --to U盘 把备份带离本机",
            "no backup yet",
        )
    newest = parse_timestamp(backups[-1][1].created_at)
    hours = int((now - newest).total_seconds() // 3600)
    if now - newest > BACKUP_STALE:
        return Check(
            "backup",
            "本机备份",
            "warn",
            f"最新备份已是 {hours // 24} 天前",
            "运行 township-node backup（同步一次也会自动备份）",
            f"newest backup is {hours} h old",
        )
    return Check(
        "backup", "本机备份", "ok", f"最新备份 {hours} 小时前", detail=f"newest {hours} h old"
    )


def _outbox_age(conn: sqlite3.Connection, settings: dict[str, str], now: datetime) -> Check:
    base = json.loads(settings["chain_base"])["last_seq"] if settings.get("chain_base") else 0
    acked = conn.execute(
        "SELECT coalesce(max(last_seq), 0) FROM batches WHERE status = 'applied'"
    ).fetchone()[0]
    count, oldest = conn.execute(
        "SELECT count(*), min(occurred_at) FROM events WHERE seq > ?", (max(acked, base),)
    ).fetchone()
    if not count:
        return Check("outbox", "待上传", "ok", "没有待上传的记录", detail="nothing unsent")
    age = now - parse_timestamp(oldest)
    days = age.days
    detail = f"{count} events unsent, oldest {int(age.total_seconds() // 3600)} h"
    status = "error" if age >= UNSENT_ERROR else "warn" if age >= UNSENT_WARN else "ok"
    fix = {
        "ok": "",
        "warn": "请检查网络后同步；长期不通可用U盘导出（township-node export --to U盘）",
        "error": "已超过一周未上传：请立即联网同步或用U盘送到县级中心，并告知县级管理员",
    }[status]
    return Check(
        "outbox", "待上传", status, f"{count} 条记录待上传，最早的已等 {days} 天", fix, detail
    )


def exit_code(checks: list[Check]) -> int:
    """0 when all are ok, 1 with a warning, 2 with an error."""
    statuses = {check.status for check in checks}
    return 2 if "error" in statuses else 1 if "warn" in statuses else 0


def format_report(checks: list[Check]) -> str:
    """The report a clerk reads: one line per check, what to do under each problem."""
    lines = ["本机自检 township-node doctor"]
    for check in checks:
        lines.append(f"{_MARKS[check.status]} {check.title_zh}：{check.detail_zh}")
        if check.fix_zh:
            lines.append(f"    → {check.fix_zh}")
    errors = sum(c.status == "error" for c in checks)
    warnings = sum(c.status == "warn" for c in checks)
    if errors or warnings:
        lines.append(f"结论：{errors} 项错误，{warnings} 项警告。请按箭头提示处理。")
    else:
        lines.append("结论：一切正常。")
    return "\n".join(lines)


def report_json(checks: list[Check]) -> str:
    return json.dumps(
        {"checks": [asdict(c) for c in checks], "exit_code": exit_code(checks)},
        ensure_ascii=False,
    )

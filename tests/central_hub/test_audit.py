"""The audit log reads in Chinese on the dashboard and stays English on the command line, for
rows written now and rows an earlier hub wrote (the same stored phrases, never migrated)."""

from __future__ import annotations

import pytest

from central_hub.audit import (
    REVOKE_ACTION,
    SIGN_IN_REASON,
    accept_gap_action,
    action_zh,
    actor_zh,
    audit_log,
    audit_table,
    reason_zh,
    resend_action,
    sign_in_slowed_action,
)
from central_hub.home import init_home

# Exactly as earlier hubs wrote them (node_actions.py and replacement.py before audit.py).
OLD_ROWS = [
    ("admin", "resend from batch 1", "n-1", "513431100", "恢复备份"),
    ("李主任", "accept gap: batches 3..7", "n-1", "513431100", "电脑硬盘损坏"),
    ("admin", "revoke", "n-1", "513431100", "电脑被盗"),
    (
        "enrollment",
        "replace by 513431100-abcd1234",
        "n-1",
        "513431100",
        "PC restored from a backup; the new node continues this node's sequence",
    ),
    (
        "county-hub-1",
        "replace by n-2",
        "n-1",
        "513431100",
        "county 513431 re-enrolled a restored PC",
    ),
]


@pytest.mark.parametrize(
    ("phrase", "chinese"),
    [
        (resend_action(12), "要求从第 12 批起重发"),
        (accept_gap_action(3, 7), "确认缺号，放弃第 3–7 批"),
        (REVOKE_ACTION, "吊销终端密钥"),
        (
            sign_in_slowed_action("name", "zj-admin", failures=6, seconds=1),
            "登录限速：账号 zj-admin 连续 6 次密码错误，1 秒内不再受理其登录",
        ),
        (
            sign_in_slowed_action("address", "10.0.0.5", failures=11, seconds=900),
            "登录限速：地址 10.0.0.5 连续 11 次密码错误，900 秒内不再受理其登录",
        ),
    ],
)
def test_every_action_phrase_the_hub_writes_reads_in_chinese(phrase, chinese):
    assert action_zh(phrase) == chinese


def test_a_persons_reason_and_an_unknown_phrase_are_shown_as_written():
    assert reason_zh("电脑被盗") == "电脑被盗"
    assert action_zh("something a future hub writes") == "something a future hub writes"
    assert actor_zh("李主任") == "李主任"
    assert reason_zh(SIGN_IN_REASON) == "多次输入错误密码"


def test_rows_an_earlier_hub_wrote_render_in_chinese_and_stay_english_for_the_cli(tmp_path):
    home = init_home(tmp_path / "hub", tier="county", org_code="513431", name="昭觉县政务服务中心")
    with home.engine.begin() as conn:
        for i, (actor, action, node_id, center, reason) in enumerate(OLD_ROWS):
            conn.execute(
                audit_log.insert().values(
                    at=f"2025-01-0{i + 1}T00:00:00.000Z",
                    actor=actor,
                    action=action,
                    node_id=node_id,
                    center_code=center,
                    reason=reason,
                )
            )
    shown = [(r["actor"], r["action"], r["reason"]) for r in audit_table(home, chinese=True).rows]
    assert shown == [
        ("county-hub-1", "由新终端 n-2 接替（电脑从备份恢复）", "513431 为恢复的电脑重新注册"),
        (
            "终端注册",
            "由新终端 513431100-abcd1234 接替（电脑从备份恢复）",
            "电脑从备份恢复，新终端接续本终端的批次序号",
        ),
        ("admin", "吊销终端密钥", "电脑被盗"),
        ("李主任", "确认缺号，放弃第 3–7 批", "电脑硬盘损坏"),
        ("admin", "要求从第 1 批起重发", "恢复备份"),
    ]
    stored = audit_table(home).rows
    assert [row["action"] for row in reversed(stored)] == [row[1] for row in OLD_ROWS]
    assert [row["reason"] for row in reversed(stored)] == [row[4] for row in OLD_ROWS]
    home.close()

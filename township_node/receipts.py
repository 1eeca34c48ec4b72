"""Provides the acceptance receipt (受理回执) the citizen takes home: text, file and printing.

The receipt is always Chinese, whatever the window's language: it is the citizen's paper. It
names the case number to ask about, the due date (marked 暂定 while no published calendar
covers it) and what is still owed. The ID number is masked: the paper may be lost.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import casework
from sync_protocol import parse_timestamp

from .casebook import CaseBook
from .permissions import make_private_dir, make_private_file

__all__ = ["ReceiptFacts", "print_receipt", "receipt_facts", "receipt_text", "save_receipt"]

RECEIPTS_FOLDER = "receipts"


@dataclass(frozen=True, slots=True)
class ReceiptFacts:
    """Everything printed on a receipt."""

    center_name: str
    window: str
    case_no: str
    item_name: str
    applicant_name: str
    id_number: str
    accepted_at: str
    promised_limit_days: int | None
    due_date: str | None
    due_provisional: bool
    fee_yuan: str
    missing_materials: tuple[str, ...]
    promised_by: date | None
    clerk_name: str


def receipt_facts(
    book: CaseBook, case_no: str, *, center_name: str, window: str, clerk_name: str
) -> ReceiptFacts:
    """Gathers a receipt's facts from the case as recorded."""
    case, state = book.get(case_no), book.state(case_no)
    accept = book.history(case_no)[0].payload
    return ReceiptFacts(
        center_name=center_name,
        window=window,
        case_no=case.case_no,
        item_name=str(accept.get("item_name") or case.item_code),
        applicant_name=case.applicant_name,
        id_number=case.id_number,
        accepted_at=case.accepted_at,
        promised_limit_days=state.promised_limit_days,
        due_date=case.due_date,
        due_provisional=case.due_provisional,
        fee_yuan=str(accept.get("fee_yuan", "")),
        missing_materials=tuple(state.missing_materials),
        promised_by=state.missing_promised_by,
        clerk_name=clerk_name,
    )


def receipt_text(facts: ReceiptFacts) -> str:
    """The receipt as plain text, at most 48 cells wide, for any printer."""
    accepted = parse_timestamp(facts.accepted_at).astimezone(casework.CHINA_TZ)
    lines = [
        facts.center_name.center(20, "　"),
        "受 理 回 执".center(20, "　"),
        "",
        f"办件编号：{facts.case_no}",
        f"办理事项：{facts.item_name}",
        f"申 请 人：{facts.applicant_name}",
        f"身份证号：{mask_id(facts.id_number)}",
        f"受理时间：{accepted:%Y-%m-%d %H:%M}",
        f"承诺时限：{_limit(facts.promised_limit_days)}",
        f"办结期限：{_due(facts)}",
        f"收　　费：{_fee(facts.fee_yuan)}",
    ]
    lines += _owed(facts)
    lines += [
        f"受 理 人：{facts.clerk_name}（{facts.window}号窗口）",
        "",
        "凭本回执的办件编号查询办理进度、领取结果。",
    ]
    if facts.due_provisional:
        lines.append("注：“暂定”期限待上级发布本年节假日安排后确定。")
    return "\n".join(lines) + "\n"


def save_receipt(home_path: Path, facts: ReceiptFacts, text: str) -> Path:
    """Writes the receipt under the node home's receipts/ folder; returns the file."""
    folder = make_private_dir(home_path / RECEIPTS_FOLDER)
    # 0600: a receipt names the applicant and the ID number.
    path = make_private_file(folder / f"{facts.case_no}.txt")
    # utf-8-sig: Notepad on an old Windows PC reads it as Chinese, not as mojibake.
    path.write_text(text, encoding="utf-8-sig")
    return path


def print_receipt(path: Path) -> bool:
    """Sends the file to the default printer with `lp`; False when this PC has no `lp`.

    Raises:
        subprocess.CalledProcessError: `lp` refused the job (no printer set up, say).
    """
    lp = shutil.which("lp")
    if lp is None:
        return False
    subprocess.run([lp, str(path)], check=True, capture_output=True, timeout=30)
    return True


def mask_id(id_number: str) -> str:
    """Keeps the area code and the last four characters: 513431********0222."""
    if len(id_number) <= 10:
        return id_number
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def _limit(days: int | None) -> str:
    if days is None:
        return "见办事指南"
    return "即办" if days == 0 else f"{days} 个工作日"


def _due(facts: ReceiptFacts) -> str:
    if not facts.due_date:
        return "—"
    return f"{facts.due_date}（暂定）" if facts.due_provisional else facts.due_date


def _fee(fee_yuan: str) -> str:
    return f"{fee_yuan} 元" if fee_yuan not in ("", "0", "0.00") else "不收费"


def _owed(facts: ReceiptFacts) -> list[str]:
    if not facts.missing_materials:
        return ["材料情况：齐全"]
    promised = facts.promised_by.isoformat() if facts.promised_by else "尽快"
    lines = ["容缺材料：" + "、".join(facts.missing_materials)]
    lines.append(f"　　　　　申请人书面承诺于 {promised} 前补交")
    return lines

"""Provides the words the clerk's window shows: Chinese first, English by the node's setting.

The code is written with the Chinese text itself as the key, so a screen reads as the clerk
sees it; English is a lookup that falls back to the Chinese when a phrase has no translation.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

import casework

from .store import get_setting, set_setting

__all__ = [
    "LANGUAGES",
    "Texts",
    "center_name",
    "clip",
    "load_language",
    "local_time",
    "pad",
    "save_language",
]

LANGUAGES = ("zh", "en")
LANGUAGE_SETTING = "ui_language"

_STATUS_EN = {
    "accepted": "Accepted",
    "handled": "Handled",
    "reviewed": "Reviewed",
    "approved": "Approved",
    "awaiting_supplement": "Awaiting materials",
    "escalated": "Escalated",
    "completed": "Completed",
    "refused": "Refused",
    "delivered": "Delivered",
}
_EVENT_EN = {
    "accept": "Accept",
    "handle": "Handle",
    "review": "Review",
    "approve": "Approve",
    "review_and_approve": "Review & approve",
    "request_supplement": "Request materials",
    "receive_supplement": "Materials received",
    "return": "Return",
    "escalate": "Escalate",
    "extend": "Extend",
    "refuse": "Refuse",
    "complete": "Complete",
    "deliver": "Deliver",
}
_CATEGORY_EN = {
    "licensing": "Licensing",
    "other_admin": "Other admin",
    "public_service": "Public service",
    "convenience": "Convenience",
}

_EN: dict[str, str] = {
    # navigation and bars
    "今日": "Today",
    "受理": "Accept",
    "办件": "Cases",
    "统计": "Stats",
    "同步": "Sync",
    "人员": "Clerks",
    "锁屏": "Lock",
    "退出": "Quit",
    "返回": "Back",
    "刷新": "Refresh",
    "保存": "Save",
    "取消": "Cancel",
    "确定": "OK",
    "窗口": "window",
    "在线": "online",
    "离线": "offline",
    "未注册": "not enrolled",
    "未同步过": "never synced",
    "待发 {n}": "{n} waiting",
    "回执 {at}": "receipt {at}",
    "同步中…": "syncing…",
    # sign-in
    "窗口人员登录": "Clerk sign-in",
    "请选择工号，输入密码后按回车": "Pick your clerk id, type your PIN, press Enter",
    "密码": "PIN",
    "登录": "Sign in",
    "首次使用：设置管理员密码": "First run: set the admin PIN",
    "管理员密码（6至12位数字）": "Admin PIN (6-12 digits)",
    "再输一次": "Again",
    "两次输入的密码不一致": "The two PINs differ",
    "已锁屏，请重新输入密码": "Locked: type your PIN again",
    "English": "中文",
    "欢迎，{name}": "Welcome, {name}",
    # today
    "今日受理": "Accepted today",
    "今日办结": "Completed today",
    "在办": "Open",
    "即将到期": "Due soon",
    "已超期": "Overdue",
    "期限内": "In time",
    "帮助": "Help",
    "命令": "Commands",
    "帮助 · {screen}": "Help · {screen}",
    "Ctrl+P 打开命令面板，可输入命令名称或拼音首字母（如 sl 受理）；Esc 关闭本帮助": (
        "Ctrl+P opens the command palette (type a command's name or its pinyin initials, "
        "e.g. sl for 受理); Esc closes this help"
    ),
    "输入命令名称或拼音首字母，如 sl 受理": "Type a command, or its pinyin initials (sl: 受理)",
    "受理新办件": "Accept a new case",
    "办件查询": "Find a case",
    "切换语言 English": "Switch language 中文",
    "退出程序": "Quit",
    "首次使用": "First use",
    "办件详情": "Case",
    "受理表草稿未能保存（{error}），请尽快受理或检查磁盘空间": (
        "The accept form's draft could not be saved ({error}): accept soon, or check the disk"
    ),
    "超": "!!",
    "急": "!",
    "补": "+",
    "发送 {batches} 批、{events} 个事件，收到其他中心的动态 {fed} 个": (
        "{batches} batches, {events} events sent, {fed} received from other centers"
    ),
    "待补材料": "Awaiting materials",
    "灯": "Light",
    "办件编号": "Case no.",
    "申请人": "Applicant",
    "事项": "Item",
    "状态": "Status",
    "期限": "Due",
    "暂定": "provisional",
    "没有需要关注的办件": "Nothing needs attention",
    "打开": "Open",
    "跨中心办件": "Cases across centers",
    "转来待办": "Handed here",
    "待送达": "To deliver",
    "已转出": "Held elsewhere",
    "结果已返回": "Result back",
    "操作冲突": "Conflict",
    "由 {center} 转来，自 {since} 起": "from {center} since {since}",
    "在 {center} 办理中（自 {since} 起）": "at {center} since {since}",
    "办结于 {at}": "completed {at}",
    "提醒已阅": "Alerts seen",
    "按 M 标记以上提醒为已阅": "M marks these alerts seen",
    "另有 {n} 条提醒": "{n} more alerts",
    # accept
    "查找事项（汉字、拼音或首字母）": "Find the item (Chinese, pinyin or initials)",
    "申请人姓名": "Applicant name",
    "身份证号": "ID number",
    "联系电话": "Phone",
    "申请材料（空格切换：已收 / 容缺）": "Materials (space: received / missing)",
    "承诺补交日期": "Promised by",
    "收费（元）": "Fee (yuan)",
    "受理并出具回执": "Accept and print receipt",
    "承诺时限 {days} 个工作日": "promised within {days} working days",
    "即办": "on the spot",
    "收费 {fee} 元": "fee {fee} yuan",
    "不收费": "free",
    "还差 {n} 位": "{n} more digits",
    "请先选择事项": "Choose an item first",
    "已恢复 {at} 未提交的受理表，请核对；不需要时按 Ctrl+N 清空": (
        "The accept form left unsaved at {at} is back: check it, or clear it with Ctrl+N"
    ),
    "关键": "key",
    "可告知承诺": "promise allowed",
    "已取消的证明，不得要求提供": "cancelled certificate: never ask for it",
    "已受理，办件编号 {case_no}": "Accepted: case {case_no}",
    "清空": "Clear",
    # receipt
    "受理回执": "Acceptance receipt",
    "打印": "Print",
    "关闭": "Close",
    "回执已保存：{path}": "Receipt saved: {path}",
    "已送打印机": "Sent to the printer",
    "本机没有打印命令 lp，回执已保存为文件：{path}": "No `lp` here; the receipt is saved as {path}",
    # cases
    "搜索 姓名/身份证/编号/电话": "Search name/ID/case no./phone",
    "全部状态": "All statuses",
    "全部事项": "All items",
    "仅超期": "Overdue only",
    "搜索": "Search",
    "共 {n} 件": "{n} cases",
    "超过 {n} 件": "more than {n} cases",
    "办理过程": "Timeline",
    "可办理": "Next actions",
    "时间": "Time",
    "环节": "Step",
    "经办人": "Clerk",
    "说明": "Note",
    "本中心不能再操作此办件": "No further action here",
    "受理中心": "Accepted at",
    "办理中心": "Held by",
    "现由 {center} 办理，自 {since} 起": "{center} holds it since {since}",
    "本中心": "this center",
    "结果已返回本中心，请通知申请人领取并登记送达": (
        "The result is back here: tell the applicant and record the delivery"
    ),
    "冲突": "conflict",
    "未采用": "not applied",
    "冲突与未采用的操作": "Conflicts and actions not applied",
    "撤回": "Withdraw",
    # action dialog
    "原因": "Reason",
    "需补正的材料": "Materials to bring",
    "其他材料（用逗号分隔）": "Other materials (comma separated)",
    "上报至中心代码": "Escalate to center code",
    "延长工作日数": "Extra working days",
    "批准人": "Approved by",
    "办结结果": "Result",
    "送达方式": "Delivery method",
    "领取人": "Received by",
    "撤回原因": "Why the applicant withdraws",
    "意见（可不填）": "Note (optional)",
    "请填写{label}": "Please fill in {label}",
    # statistics
    "办件统计": "Case statistics",
    "类别": "Category",
    "本月受理": "Month accepted",
    "本月办结": "Month completed",
    "本年受理": "Year accepted",
    "本年办结": "Year completed",
    "办结率": "Rate",
    "合计": "Total",
    "本年各月受理": "Accepted per month this year",
    "上月": "Prev month",
    "下月": "Next month",
    # sync
    "同步状态": "Sync status",
    "县级中心": "County hub",
    "链路": "Link",
    "待发送事件": "Events waiting",
    "已确认批次": "Batches acknowledged",
    "被拒批次": "Batches rejected",
    "最早未发": "Oldest unsent",
    "最近回执": "Last receipt",
    "最近同步": "Last sync",
    "最近错误": "Last error",
    "无": "none",
    "立即同步": "Sync now",
    "导出到U盘": "Export to USB",
    "从U盘导入回执": "Import receipts from USB",
    "导出U盘": "Export USB",
    "导入回执": "Import receipts",
    "U盘文件夹": "USB folder",
    "同步完成：发送 {events} 个事件": "Synced: {events} events sent",
    "U盘交换功能尚未提供，请等待同步模块更新": "USB exchange is not available yet",
    "已导出 {batches} 批、{events} 个事件到 {folder}": (
        "Exported {batches} batches, {events} events to {folder}"
    ),
    "已导入回执 {applied} 份（共 {receipts} 份）": "Imported {applied} of {receipts} receipts",
    "；{count} 个文件未导入：{reasons}": "; {count} files not taken: {reasons}",
    "其他中心的办件动态": "News from other centers",
    "未阅提醒 {n} 条（在今日页查看）": "{n} unseen alerts (see Today)",
    "收到其他中心的办件动态，未阅提醒 {n} 条": "News from other centers: {n} unseen alerts",
    "，收到 {n} 个": ", received {n}",
    "代收件：本窗口受理后须上报县级审批": "Received for the county: escalate it after accepting",
    "已移出本中心": "Left this center",
    "成功": "ok",
    "失败": "failed",
    "被拒": "rejected",
    # clerks
    "窗口人员": "Clerks",
    "工号": "Clerk id",
    "姓名": "Name",
    "角色": "Role",
    "管理员": "Admin",
    "窗口人员（普通）": "Clerk",
    "在用": "Active",
    "已停用": "Disabled",
    "添加": "Add",
    "停用": "Disable",
    "启用": "Enable",
    "管理员密码": "Admin PIN",
    "新人员的密码（4至12位数字）": "New clerk's PIN (4-12 digits)",
    "语言": "Language",
}


class Texts:
    """Looks up what to show in the node's language.

    Args:
        language: ``zh`` (default) or ``en``.
    """

    def __init__(self, language: str = "zh") -> None:
        self.language = language if language in LANGUAGES else "zh"

    def __call__(self, zh: str, **values: object) -> str:
        text = zh if self.language == "zh" else _EN.get(zh, zh)
        return text.format(**values) if values else text

    def error(self, exc: Exception) -> str:
        """A node or casework error as the clerk should read it."""
        if self.language == "en":
            return str(getattr(exc, "message", exc))
        return str(getattr(exc, "message_zh", "") or exc)

    def status(self, status: str, *, short: bool = False) -> str:
        """A status label; short drops the part in brackets (for narrow tables)."""
        if self.language == "en":
            return _STATUS_EN.get(status, status)
        label = casework.STATUS_LABELS_ZH.get(status, status)
        return label.split("（")[0] if short else label

    def event(self, event_type: str) -> str:
        if self.language == "en":
            return _EVENT_EN.get(event_type, event_type)
        return casework.EVENT_LABELS_ZH.get(event_type, event_type)

    def category(self, category: str) -> str:
        if self.language == "en":
            return _CATEGORY_EN.get(category, category)
        return casework.CATEGORIES.get(category, category)


def center_name(code: str) -> str:
    """A center's short name from the org tree (昭觉县, 新城镇), or its code if unknown."""
    try:
        return casework.org(code).name
    except casework.CaseworkError:
        return code


def load_language(conn: sqlite3.Connection) -> str:
    return get_setting(conn, LANGUAGE_SETTING, "zh")


def save_language(conn: sqlite3.Connection, language: str) -> None:
    """Stores the window's language; call inside a transaction."""
    set_setting(conn, LANGUAGE_SETTING, language if language in LANGUAGES else "zh")


def clip(text: str, cells: int) -> str:
    """Cuts text to fit `cells` terminal cells (a Chinese character takes two), with "…"."""
    from rich.cells import cell_len

    if cell_len(text) <= cells:
        return text
    kept = ""
    for char in text:
        if cell_len(kept + char) > cells - 1:
            break
        kept += char
    return kept + "…"


def pad(text: str, cells: int) -> str:
    """Pads text with spaces to `cells` terminal cells, counting a Chinese character as two."""
    from rich.cells import cell_len

    return text + " " * max(0, cells - cell_len(text))


def local_time(timestamp: str, *, today: date | None = None) -> str:
    """A stored UTC timestamp as China time: "10:32" today, "11-27 10:32" another day."""
    if not timestamp:
        return ""
    moment = datetime.fromisoformat(timestamp).astimezone(casework.CHINA_TZ)
    if today is not None and moment.date() == today:
        return f"{moment:%H:%M}"
    return f"{moment:%m-%d %H:%M}" if today is not None else f"{moment:%Y-%m-%d %H:%M}"

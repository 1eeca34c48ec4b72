"""Provides the case page: the case, its timeline, and only the actions legal now."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.widgets import Button, DataTable, Label, Static

import casework

from ..dialogs.action_fields import fields_for, payload_for
from ..dialogs.form_dialog import FormDialog, FormError
from ..errors import NodeError
from ..messages import CaseRecorded
from ..receipts import mask_id
from ..texts import local_time
from ..widgets.case_table import light_of
from ._base import WindowScreen

__all__ = ["CaseScreen"]

_LIGHT_WORDS = {"red": "已超期", "yellow": "即将到期", "green": "", "paused": "待补材料"}
_LIGHT_STYLE = {"red": "bold red", "yellow": "bold yellow", "green": "green", "paused": "cyan"}


class CaseScreen(WindowScreen):
    """Keys 1–9 run the actions listed (the same as the buttons); Esc goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "返回"),
        *(Binding(str(n), f"act({n})", show=False) for n in range(1, 10)),
    ]

    def __init__(self, case_no: str) -> None:
        super().__init__()
        self.case_no = case_no
        self._legal: tuple[str, ...] = ()

    def compose_body(self) -> ComposeResult:
        t = self.t
        with VerticalScroll(id="case", classes="body"):
            yield Static(id="case-head")
            yield Label(t("可办理"), classes="section")
            yield Grid(id="actions")
            yield Label(t("办理过程"), classes="section")
            yield DataTable(id="timeline", cursor_type="row", show_cursor=False)

    async def on_mount(self) -> None:
        t = self.t
        timeline = self.query_one("#timeline", DataTable)
        timeline.add_column(t("时间"), width=11)
        timeline.add_column(t("环节"), width=10)
        timeline.add_column(t("经办人"), width=8)
        timeline.add_column(t("说明"), width=40)
        await self.reload()

    async def reload(self) -> None:
        book = self.session.casebook
        state = book.state(self.case_no)
        held_here = state.holder_center == self.session.home.center_code
        self._legal = casework.legal_actions(state) if held_here else ()
        self.query_one("#case-head", Static).update(self._head(state))
        await self._show_actions()
        self._show_timeline(book.history(self.case_no))

    def _head(self, state: casework.CaseState) -> str:
        t, session = self.t, self.session
        case = session.casebook.get(self.case_no)
        light = light_of(case, today=session.today(), soon_until=session.soon_until())
        warning = f"  [{_LIGHT_STYLE[light]}]● {t(_LIGHT_WORDS[light])}[/]" if light else ""
        due = case.due_date or "—"
        if case.due_date and case.due_provisional:
            due += f"（{t('暂定')}）"
        lines = [
            f"[b]{t('办件')} {case.case_no}[/]{warning}",
            f"{t('事项')}：{session.item_name(case.item_code)}  [dim]{case.item_code}[/]",
            f"{t('申请人')}：{case.applicant_name}  {t('身份证号')}：{mask_id(case.id_number)}"
            + (f"  {t('联系电话')}：{case.phone}" if case.phone else ""),
            f"{t('状态')}：{t.status(state.status)}  {t('期限')}：{due}",
        ]
        if state.missing_materials:
            promised = state.missing_promised_by.isoformat() if state.missing_promised_by else ""
            lines.append(
                f"{t('待补材料')}：{'、'.join(state.missing_materials)}  "
                f"{t('承诺补交日期')}：{promised}"
            )
        if not self._legal and state.is_open:
            lines.append(f"[dim]{t('本中心不能再操作此办件')}（{state.holder_center}）[/]")
        return "\n".join(lines)

    async def _show_actions(self) -> None:
        actions = self.query_one("#actions", Grid)
        await actions.remove_children()
        await actions.mount_all(
            Button(f"{n} {self.t.event(action)}", id=f"act-{action}", compact=True)
            for n, action in enumerate(self._legal, start=1)
        )

    def _show_timeline(self, history: list[Any]) -> None:
        timeline = self.query_one("#timeline", DataTable)
        timeline.clear()
        today = self.session.today()
        names = {
            clerk.clerk_id: clerk.name for clerk in self.session.clerks.list(include_disabled=True)
        }
        for event in history:
            timeline.add_row(
                local_time(event.occurred_at, today=today),
                self.t.event(event.type),
                names.get(event.clerk_id, event.clerk_id),
                _describe(event.payload),
            )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("act-"):
            self._start(event.button.id.removeprefix("act-"))

    def action_act(self, number: int) -> None:
        if 0 < number <= len(self._legal):
            self._start(self._legal[number - 1])

    def action_back(self) -> None:
        self.dismiss(None) if self.is_modal else self.app.pop_screen()

    def _start(self, action: str) -> None:
        state = self.session.casebook.state(self.case_no)
        item = self.session.catalog.items.get(state.item_code)
        fields = fields_for(action, state, item)
        if not fields:
            error = self._record(action, {})
            if error:
                self.notify(error.message, severity="error", timeout=8)
            return
        title = f"{self.t.event(action)} · {self.case_no}"
        self.app.push_screen(FormDialog(title, fields, lambda values: self._record(action, values)))

    def _record(self, action: str, values: dict[str, Any]) -> FormError | None:
        session = self.session
        try:
            session.casebook.act(
                self.case_no, action, clerk_id=session.clerk_id, payload=payload_for(action, values)
            )
        except NodeError as exc:
            return FormError(self.t.error(exc), exc.field)
        self.post_message(CaseRecorded(self.case_no))
        self.notify(f"{self.t.event(action)} ✓")
        self.call_later(self.reload)
        return None


def _describe(payload: dict[str, Any]) -> str:
    """The parts of a payload a clerk reads in a timeline: note, reason, materials, result."""
    parts = [
        str(payload[key])
        for key in ("result_label", "reason", "note", "to_center", "method", "receiver")
        if payload.get(key)
    ]
    for key in ("materials", "missing_materials"):
        if payload.get(key):
            parts.append("、".join(payload[key]))
    if payload.get("days"):
        parts.append(f"+{payload['days']}")
    return "；".join(parts)

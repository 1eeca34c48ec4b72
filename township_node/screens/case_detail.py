"""Provides the case page: the case, who holds it since when, its conflicts, its timeline, and
only the actions this center may record now."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.markup import escape
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.widgets import Button, DataTable, Label, Static

import casework
from sync_protocol import Event, format_timestamp

from ..dialogs import ConfirmDialog, FormDialog, FormError, fields_for, payload_for
from ..errors import NodeError
from ..messages import CaseRecorded
from ..receipts import mask_id
from ..texts import center_name, local_time
from ..widgets import LIGHTS, light_of
from ._base import WindowScreen
from .case_keys import CASE_KEYS, KeyState, key_states, what_happens

__all__ = ["CaseScreen"]


class CaseScreen(WindowScreen):
    """Each action has its own key (case_keys.CASE_KEYS), the same on every case, shown on
    its button and in the footer; a key the case does not allow now is dimmed and, pressed,
    says why. Every step asks before it is recorded. Esc goes back."""

    HELP_TITLE = "办件详情"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "返回"),
        *(Binding(key.key, f"press('{key.key}')", key.name) for key in CASE_KEYS),
    ]

    def __init__(self, case_no: str) -> None:
        super().__init__()
        self.case_no = case_no
        self._legal: tuple[str, ...] = ()
        self._keys: dict[str, KeyState] = {}

    def compose_body(self) -> ComposeResult:
        t = self.t
        with VerticalScroll(id="case", classes="body"):
            yield Static(id="case-head")
            yield Static(id="case-conflicts")
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
        folded = book.folded(self.case_no)
        assert folded.state is not None, "a case row always has its accept event"
        self._legal = book.actions(self.case_no)
        center = self.session.home.center_code
        states = key_states(folded.state, self._legal, center=center, t=self.t)
        self._keys = {state.key.key: state for state in states}
        history = book.history(self.case_no)
        self.query_one("#case-head", Static).update(self._head(folded.state))
        self._show_conflicts(folded, history)
        await self._show_actions()
        self._show_timeline(history, folded)
        self.refresh_bindings()

    def _head(self, state: casework.CaseState) -> str:
        t, session = self.t, self.session
        case = session.casebook.get(self.case_no)
        light = light_of(case, today=session.today(), soon_until=session.soon_until())
        warning = f"  [{LIGHTS[light].style}]● {t(LIGHTS[light].word)}[/]" if light else ""
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
        lines.extend(self._holder_lines(state))
        if not self._legal and state.is_open:
            lines.append(f"[dim]{t('本中心不能再操作此办件')}（{state.holder_center}）[/]")
        return "\n".join(lines)

    def _holder_lines(self, state: casework.CaseState) -> list[str]:
        """Who holds the case since when, for a case that crossed centers (none otherwise)."""
        t, here = self.t, self.session.home.center_code
        if state.holder_center == state.center_code == here and not state.holder_trail:
            return []
        held = format_timestamp(state.held_since) if state.held_since else ""
        since = local_time(held, today=self.session.today())
        lines = []
        if state.center_code != here:
            lines.append(f"{t('受理中心')}：{self._center(state.center_code)}")
        holder = self._center(state.holder_center)
        lines.append(
            f"{t('办理中心')}：{t('现由 {center} 办理，自 {since} 起', center=holder, since=since)}"
        )
        if state.status == "completed" and state.holder_center == here:
            lines.append(f"[b green]{t('结果已返回本中心，请通知申请人领取并登记送达')}[/]")
        return lines

    def _center(self, code: str) -> str:
        if code == self.session.home.center_code:
            return self.t("本中心")
        return f"{center_name(code)}[dim]（{code}）[/]"

    def _show_conflicts(self, folded: casework.CaseHistory, history: list[Event]) -> None:
        """Events kept but not applied: 冲突 when two centers acted at once, else 未采用."""
        t, today = self.t, self.session.today()
        events = {event.event_id: event for event in history}
        lines = []
        for aside in folded.set_aside:
            event = events[aside.event_id]
            mark = f"[b red]{t('冲突')}[/]" if aside.conflict else f"[b yellow]{t('未采用')}[/]"
            reason = escape(aside.reason_zh if t.language == "zh" else aside.reason)
            lines.append(
                f"{mark} {t.event(event.type)} {local_time(event.occurred_at, today=today)} "
                f"{self._center(_center_of(event))}：{reason}"
            )
        conflicts = self.query_one("#case-conflicts", Static)
        conflicts.update("\n".join([f"[b]{t('冲突与未采用的操作')}[/]", *lines]))
        conflicts.display = bool(lines)

    async def _show_actions(self) -> None:
        """Every key with its name; the ones the case does not allow now are dimmed."""
        actions = self.query_one("#actions", Grid)
        await actions.remove_children()
        await actions.mount_all(
            Button(
                f"{state.key.key.upper()} {self.t(state.key.name)}",
                id=f"act-{state.key.key}",
                compact=True,
                disabled=not state.allowed,
                tooltip=state.why_not or None,
            )
            for state in self._keys.values()
        )

    def _show_timeline(self, history: list[Event], folded: casework.CaseHistory) -> None:
        t, here = self.t, self.session.home.center_code
        timeline = self.query_one("#timeline", DataTable)
        timeline.clear()
        today = self.session.today()
        names = {
            clerk.clerk_id: clerk.name for clerk in self.session.clerks.list(include_disabled=True)
        }
        asides = {aside.event_id: aside for aside in folded.set_aside}
        for event in history:
            center = _center_of(event)
            who = (
                names.get(event.clerk_id, event.clerk_id) if center == here else center_name(center)
            )
            aside = asides.get(event.event_id)
            said = _describe(event.payload)
            if aside is not None:
                said = f"【{t('冲突') if aside.conflict else t('未采用')}】{said}"
            timeline.add_row(
                local_time(event.occurred_at, today=today), t.event(event.type), who, said
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action != "press":
            return True
        state = self._keys.get(str(parameters[0]))
        return None if state is None or not state.allowed else True  # None: shown dimmed

    def on_key(self, event: events.Key) -> None:
        # A dimmed key does not run its action; the clerk still learns why it is off.
        state = self._keys.get(event.key)
        if state is not None and not state.allowed:
            event.stop()
            self.notify(state.why_not, severity="warning", timeout=6)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("act-"):
            self.action_press(event.button.id.removeprefix("act-"))

    def action_press(self, key: str) -> None:
        state = self._keys.get(key)
        if state is not None and state.allowed:
            self._start(state)

    def action_back(self) -> None:
        self.dismiss(None) if self.is_modal else self.app.pop_screen()

    def _start(self, key: KeyState) -> None:
        t, action = self.t, key.key.action
        state = self.session.casebook.state(self.case_no)
        item = self.session.catalog.items.get(state.item_code)
        center = self.session.home.center_code
        fields = fields_for(action, state, item, center=center, results=key.results)
        title = f"{t(key.key.name)} · {self.case_no}"
        said = what_happens(key, state, t=t)
        if not fields:
            self.app.push_screen(
                ConfirmDialog(title, said, confirm=t(key.key.name)),
                callback=lambda confirmed: self._confirmed(action, confirmed),
            )
            return
        self.app.push_screen(
            FormDialog(
                title,
                fields,
                lambda values: self._record(action, values),
                note=said,
                confirm_first=said if key.key.ends_case else "",
                danger=key.key.danger,
            )
        )

    def _confirmed(self, action: str, confirmed: bool | None) -> None:
        if confirmed:
            error = self._record(action, {})
            if error:
                self.notify(error.message, severity="error", timeout=8)

    def _record(self, action: str, values: dict[str, Any]) -> FormError | None:
        session = self.session
        if action == "escalate":
            unknown = _unknown_center(str(values.get("to_center", "")))
            if unknown is not None:
                return FormError(self.t.error(unknown), "to_center")
        try:
            session.casebook.act(
                self.case_no, action, clerk_id=session.clerk_id, payload=payload_for(action, values)
            )
        except NodeError as exc:
            return FormError(self.t.error(exc), exc.field)
        self.post_message(CaseRecorded(self.case_no))
        self.notify(self.t("已记录：{step}", step=self.t.event(action)))
        self.call_later(self.reload)
        return None


def _center_of(event: Event) -> str:
    """The center whose node recorded an event: node ids start with the center code."""
    return event.node_id.split("-", 1)[0]


def _unknown_center(code: str) -> casework.CaseworkError | None:
    try:
        casework.org(code)
    except casework.CaseworkError as exc:
        return exc
    return None


def _describe(payload: dict[str, Any]) -> str:
    """The parts of a payload a clerk reads in a timeline: note, reason, materials, result."""
    result = casework.RESULT_CODES.get(str(payload.get("result_code", "")))
    label = payload.get("result_label") or (result.label_zh if result else "")
    parts = [label] if label else []
    parts.extend(
        str(payload[key]) for key in ("reason", "note", "method", "receiver") if payload.get(key)
    )
    if payload.get("to_center"):
        parts.append(f"→ {center_name(str(payload['to_center']))}")
    for key in ("materials", "missing_materials"):
        if payload.get(key):
            parts.append("、".join(payload[key]))
    if payload.get("days"):
        parts.append(f"+{payload['days']}")
    return "；".join(parts)

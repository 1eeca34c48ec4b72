"""Provides the accept screen: item, applicant, materials, fee; on save, the receipt."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, SelectionList, Static

import casework

from ..dialogs import ReceiptDialog
from ..drafts import Draft, SavedDraft, discard_draft, load_draft, save_draft
from ..errors import NodeError
from ..messages import CaseRecorded
from ..receipts import receipt_facts, receipt_text, save_receipt
from ..texts import local_time
from ..widgets import FIELDS, ApplicantForm, ItemPicker, MaterialsChecklist
from ._base import WindowScreen

__all__ = ["AcceptScreen"]

_MATERIAL_FIELDS = ("missing_materials", "required_materials")
_PROMISE_DAYS = 5  # a default the clerk changes: a week of working days to bring what is owed
DRAFT_EVERY = 0.5
"""Seconds between saves of a changed form: a crash loses at most this much typing."""


class AcceptScreen(WindowScreen):
    """Enter moves to the next field; Ctrl+S accepts and shows the receipt."""

    HELP_TITLE = "受理"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "保存", priority=True),
        Binding("ctrl+n", "new", "清空"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._item: casework.Item | None = None
        self._refusal = ""
        self._draft_changed = False
        self._draft_failed = False
        self._restoring: Draft | None = None

    def compose_body(self) -> ComposeResult:
        t = self.t
        with VerticalScroll(id="accept", classes="body"):
            yield ItemPicker(id="picker")
            yield ApplicantForm(id="applicant")
            yield Label(t("申请材料（空格切换：已收 / 容缺）"), classes="section")
            yield MaterialsChecklist(id="materials")
            yield Static(id="cancelled-note", classes="hint")
            yield Label("", id="error-missing_materials", classes="field-error")
            with Horizontal(classes="field-row", id="promised-row"):
                yield Label(t("承诺补交日期"), classes="field-label")
                yield Input(placeholder="YYYY-MM-DD", id="promised_by", compact=True)
            yield Label("", id="error-promised_by", classes="field-error")
            with Horizontal(classes="field-row", id="fee-row"):
                yield Label(t("收费（元）"), classes="field-label")
                yield Input(id="fee_yuan", compact=True)
            yield Label("", id="error-fee_yuan", classes="field-error")
            yield Button(
                f"{t('受理并出具回执')} (Ctrl+S)", id="save", variant="primary", compact=True
            )

    def on_mount(self) -> None:
        saved = load_draft(self.session.home, self.session.clerk_id) if self.session.clerk else None
        self._clear()
        if saved is not None:
            self._restore(saved)
        self.set_interval(DRAFT_EVERY, self.save_draft_if_changed)

    def action_new(self) -> None:
        """Clears the form for the next citizen (and forgets its draft)."""
        self._clear()
        self._draft_changed = False
        if self.session.clerk:
            discard_draft(self.session.home, self.session.clerk_id)

    def _clear(self) -> None:
        self._item, self._refusal = None, ""
        self.query_one(ItemPicker).reset()
        self.query_one(ApplicantForm).reset()
        self.query_one(MaterialsChecklist).show_item(None)
        self.query_one("#cancelled-note", Static).update("")
        for name in ("promised_by", "fee_yuan"):
            self.query_one(f"#{name}", Input).value = ""
        for name in ("missing_materials", "promised_by", "fee_yuan"):
            self._show_error(name, "")
        self.query_one("#promised-row").display = False
        self.query_one("#fee-row").display = False
        self.query_one("#item-search", Input).focus()

    def on_item_picker_item_chosen(self, event: ItemPicker.ItemChosen) -> None:
        item = self._item = event.item
        self._refusal = event.refusal
        self.query_one(MaterialsChecklist).show_item(item)
        cancelled = [m.name for m in item.materials if m.certificate == "cancelled"]
        note = (
            f"{self.t('已取消的证明，不得要求提供')}：{'、'.join(cancelled)}" if cancelled else ""
        )
        self.query_one("#cancelled-note", Static).update(note)
        self.query_one("#fee-row").display = item.charged
        self.query_one("#fee_yuan", Input).value = (
            str(item.fee_standard_yuan) if item.charged else ""
        )
        self._missing_changed()  # the picker has moved the focus on to 姓名
        self._draft_changed = True
        if self._restoring is not None:
            self._restore_terms(self._restoring)

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        self._missing_changed()
        self._draft_changed = True

    def on_input_changed(self, _event: Input.Changed) -> None:
        self._draft_changed = True

    def save_draft_if_changed(self) -> None:
        """Keeps the form as it is now, when it changed since the last save (drafts.py)."""
        if not self._draft_changed or self.session.clerk is None:
            return
        session = self.session
        try:
            save_draft(session.home, session.clerk_id, self._draft(), at=session.clock())
        except sqlite3.Error as exc:  # a full disk, a locked file: the form stays, try again
            if not self._draft_failed:
                self._draft_failed = True
                self.notify(
                    self.t("受理表草稿未能保存（{error}），请尽快受理或检查磁盘空间", error=exc),
                    severity="warning",
                    timeout=10,
                )
            return
        self._draft_changed = self._draft_failed = False

    def _draft(self) -> Draft:
        return Draft(
            item_code=self._item.code if self._item else "",
            item_text=self.query_one("#item-search", Input).value,
            applicant=self.query_one(ApplicantForm).values(),
            missing_materials=self.query_one(MaterialsChecklist).missing() if self._item else (),
            promised_by=self.query_one("#promised_by", Input).value,
            fee_yuan=self.query_one("#fee_yuan", Input).value,
        )

    def _restore(self, saved: SavedDraft) -> None:
        """Puts a draft back; the item's materials and fee follow once the picker chose it."""
        draft = saved.draft
        for name, value in draft.applicant.items():
            if name in FIELDS:
                self.query_one(f"#{name}", Input).value = value
        if draft.item_code in self.session.catalog.items:
            self._restoring = draft
            self.query_one(ItemPicker).choose(draft.item_code)
        else:
            self.query_one("#item-search", Input).value = draft.item_text
        at = local_time(saved.saved_at, today=self.session.today())
        self.notify(
            self.t("已恢复 {at} 未提交的受理表，请核对；不需要时按 Ctrl+N 清空", at=at),
            timeout=10,
        )

    def _restore_terms(self, draft: Draft) -> None:
        self._restoring = None
        checklist = self.query_one(MaterialsChecklist)
        for name in draft.missing_materials:
            checklist.deselect(name)
        if draft.promised_by:
            self.query_one("#promised_by", Input).value = draft.promised_by
        if draft.fee_yuan:
            self.query_one("#fee_yuan", Input).value = draft.fee_yuan

    def _missing_changed(self) -> None:
        missing = self.query_one(MaterialsChecklist).missing()
        self.query_one("#promised-row").display = bool(missing)
        promised = self.query_one("#promised_by", Input)
        if missing and not promised.value:
            session = self.session
            promised.value = session.calendar.due_date(
                session.today(), _PROMISE_DAYS
            ).due.isoformat()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in (*FIELDS, "promised_by", "fee_yuan"):
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()

    def action_save(self) -> None:
        picker = self.query_one(ItemPicker)
        if self._item is None or self._refusal:
            picker.show_error(self._refusal or self.t("请先选择事项"))
            self.query_one("#item-search", Input).focus()
            return
        at_fault = self.query_one(ApplicantForm).check_all()
        if at_fault:
            self.query_one(f"#{at_fault}", Input).focus()
            return
        self._accept(self._item)

    def _accept(self, item: casework.Item) -> None:
        session = self.session
        values = self.query_one(ApplicantForm).values()
        missing = self.query_one(MaterialsChecklist).missing()
        try:
            case = session.casebook.accept(
                item_code=item.code,
                applicant_name=values["name"],
                id_number=values["id_number"],
                phone=values["phone"],
                clerk_id=session.clerk_id,
                fee_yuan=self.query_one("#fee_yuan", Input).value.strip() or "0",
                missing_materials=missing,
                promised_by=self._promised_by() if missing else None,
            )
        except NodeError as exc:
            self._show_failure(exc)
            return
        discard_draft(session.home, session.clerk_id)  # the case holds it now
        self._draft_changed = False
        self.post_message(CaseRecorded(case.case_no))
        facts = receipt_facts(
            session.casebook,
            case.case_no,
            center_name=session.center_name,
            window=session.window,
            clerk_name=session.clerk.name if session.clerk else "",
        )
        text = receipt_text(facts)
        path = save_receipt(session.home.path, facts, text)
        self.app.push_screen(ReceiptDialog(text, path), callback=lambda _result: self.action_new())

    def _promised_by(self) -> date | None:
        try:
            return date.fromisoformat(self.query_one("#promised_by", Input).value.strip())
        except ValueError:
            return None

    def _show_failure(self, exc: NodeError) -> None:
        """Puts the error under the field at fault, and the cursor in it."""
        message, field = self.t.error(exc), exc.field
        if field == "item_code":
            self.query_one(ItemPicker).show_error(message)
            self.query_one("#item-search", Input).focus()
        elif field in FIELDS:
            self.query_one(ApplicantForm).show_error(field, message)
            self.query_one(f"#{field}", Input).focus()
        elif field in _MATERIAL_FIELDS:
            self._show_error("missing_materials", message)
            self.query_one(MaterialsChecklist).focus()
        elif field in ("promised_by", "fee_yuan"):
            self._show_error(field, message)
            self.query_one(f"#{field}", Input).focus()
        else:
            self.notify(message, severity="error", timeout=8)

    def _show_error(self, name: str, message: str) -> None:
        error = self.query_one(f"#error-{name}", Label)
        error.update(message)
        error.display = bool(message)
        if message:  # on a small window the form scrolls: bring the error into view
            self.call_after_refresh(error.scroll_visible, animate=False)

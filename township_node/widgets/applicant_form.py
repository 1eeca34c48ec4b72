"""Provides the applicant form: name, ID number and phone, each checked as it is typed."""

from __future__ import annotations

from datetime import date

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label

import casework

from ..session import session_of
from ..texts import Texts

__all__ = ["FIELDS", "ApplicantForm", "check_field"]

FIELDS = ("name", "id_number", "phone")
_LABELS = {"name": "申请人姓名", "id_number": "身份证号", "phone": "联系电话"}
_ID_LENGTH = 18


def check_field(field: str, value: str, *, today: date, t: Texts, final: bool) -> str:
    """What is wrong with one field ("" when nothing is), naming the field.

    Args:
        final: the clerk is done with the field (saving, or leaving it); before that a
            number still being typed is not called wrong for being short.
    """
    value = value.strip()
    if not value:
        return t("请填写{label}", label=t(_LABELS[field])) if final and field != "phone" else ""
    if field == "id_number" and len(value) < _ID_LENGTH and not final:
        return ""
    if field == "phone" and not final and len(value) < (11 if value.startswith("1") else 10):
        return ""
    try:
        if field == "name":
            casework.normalize_name(value)
        elif field == "id_number":
            casework.validate_resident_id(value, today=today)
        else:
            casework.normalize_phone(value)
    except casework.CaseworkError as exc:
        return t.error(exc)  # casework's message names the field already
    return ""


class ApplicantForm(Vertical):
    """Three fields, each with its own error line right under it."""

    def compose(self) -> ComposeResult:
        t = session_of(self).texts
        for field in FIELDS:
            with Horizontal(classes="field-row"):
                yield Label(t(_LABELS[field]), classes="field-label")
                yield Input(id=field, compact=True, max_length=64)
            yield Label("", id=f"error-{field}", classes="field-error")

    def on_mount(self) -> None:
        for field in FIELDS:
            self.query_one(f"#error-{field}", Label).display = False

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in FIELDS:
            self._check(event.input.id, final=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in FIELDS:
            self._check(event.input.id, final=True)

    def _check(self, field: str, *, final: bool) -> str:
        session = session_of(self)
        value = self.query_one(f"#{field}", Input).value.strip()
        if field == "id_number" and not final and 0 < len(value) < _ID_LENGTH:
            # Not wrong yet, only unfinished: say how far there is to go, quietly.
            self.show_error(
                field, session.texts("还差 {n} 位", n=_ID_LENGTH - len(value)), hint=True
            )
            return ""
        message = check_field(field, value, today=session.today(), t=session.texts, final=final)
        self.show_error(field, message)
        return message

    def check_all(self) -> str | None:
        """Checks every field as final; returns the first field at fault, if any."""
        at_fault = [field for field in FIELDS if self._check(field, final=True)]
        return at_fault[0] if at_fault else None

    def show_error(self, field: str, message: str, *, hint: bool = False) -> None:
        error = self.query_one(f"#error-{field}", Label)
        error.update(message)
        error.display = bool(message)
        error.set_class(hint, "-hint")
        self.query_one(f"#{field}", Input).set_class(bool(message) and not hint, "-invalid")
        if message:  # on a small window the form scrolls: bring the error into view
            self.call_after_refresh(error.scroll_visible, animate=False)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Focus scrolls a field into view; its error line is under it and must come too.
        field = event.widget.id or ""
        if field in FIELDS:
            error = self.query_one(f"#error-{field}", Label)
            if error.display:
                self.call_after_refresh(error.scroll_visible, animate=False)

    def values(self) -> dict[str, str]:
        return {field: self.query_one(f"#{field}", Input).value.strip() for field in FIELDS}

    def reset(self) -> None:
        for field in FIELDS:
            self.query_one(f"#{field}", Input).value = ""
            self.show_error(field, "")

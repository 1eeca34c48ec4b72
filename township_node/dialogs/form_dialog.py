"""Provides the form dialog: a few labelled fields, checked before the dialog closes.

The caller gives the fields and a `submit` function; the dialog stays open and shows the
error under the field at fault until `submit` accepts the values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from ._base import WindowDialog
from .confirm_dialog import ConfirmDialog

__all__ = ["TEXT_LIMIT", "FieldSpec", "FormDialog", "FormError"]

TEXT_LIMIT = 500
"""Characters a text field takes (a reason, a note): the hub bounds a reason to 500 too, and
a longer one is a paste gone wrong, refused with a message rather than cut silently."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a form dialog."""

    name: str
    label: str
    """Chinese; shown translated."""
    kind: str = "text"
    """text, password, number, choice (one of `choices`) or checklist (any of `choices`)."""
    required: bool = False
    default: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    """(value, label) pairs for choice and checklist."""


@dataclass(frozen=True, slots=True)
class FormError:
    """Why `submit` refused the values, and which field to show it under ("" = the form)."""

    message: str
    field: str = ""


Submit = Callable[[dict[str, Any]], FormError | None]


class FormDialog(WindowDialog[dict[str, Any]]):
    """Enter moves to the next field and, on the last one, submits; Esc cancels.

    Args:
        note: what submitting will do, shown under the title (already translated).
        confirm_first: when given, a step that cannot be undone: once the fields are right a
            confirm dialog says this sentence and `submit` runs only if the clerk confirms.
        danger: show the note as a warning (red).
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "submit", "确定", priority=True)]

    def __init__(
        self,
        title: str,
        fields: Sequence[FieldSpec],
        submit: Submit,
        *,
        note: str = "",
        confirm_first: str = "",
        danger: bool = False,
    ) -> None:
        super().__init__()
        self._title = title
        self._fields = tuple(fields)
        self._submit = submit
        self._note = note
        self._confirm_first = confirm_first
        self._danger = danger

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="form-dialog", classes="dialog"):
            yield Static(self._title, classes="title", markup=False)
            if self._note:
                note = Static(self._note, id="form-note", classes="note", markup=False)
                note.set_class(self._danger, "-danger")
                yield note
            for spec in self._fields:
                yield Label(t(spec.label) + (" *" if spec.required else ""), classes="field-label")
                yield _widget_for(spec)
                yield Label("", id=f"error-{spec.name}", classes="field-error")
            yield Label("", id="error-form", classes="field-error")
            with Horizontal(classes="buttons"):
                yield Button(f"{t('确定')} (Ctrl+S)", id="ok", variant="primary", compact=True)
                yield Button(f"{t('取消')} (Esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        for label in self.query(".field-error"):
            label.display = False
        for options in self.query(OptionList):
            if options.option_count:
                options.highlighted = 0
        if self._fields:
            self.query_one(f"#field-{self._fields[0].name}").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == f"field-{self._fields[-1].name}":
            self.action_submit()
        else:
            self.focus_next()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.action_submit()
        else:
            self.dismiss(None)

    def action_submit(self) -> None:
        for label in self.query(".field-error"):
            label.display = False
        values: dict[str, Any] = {}
        for spec in self._fields:
            value, problem = self._read(spec)
            if problem:
                self._show(FormError(problem, spec.name))
                return
            values[spec.name] = value
        if self._confirm_first:
            self.app.push_screen(
                ConfirmDialog(
                    self._title, self._confirm_first, confirm=self.t("确定"), danger=self._danger
                ),
                callback=lambda confirmed: self._send(values) if confirmed else None,
            )
            return
        self._send(values)

    def _send(self, values: dict[str, Any]) -> None:
        refused = self._submit(values)
        if refused is not None:
            self._show(refused)
            return
        self.dismiss(values)

    def _read(self, spec: FieldSpec) -> tuple[Any, str]:
        t = self.t
        widget = self.query_one(f"#field-{spec.name}")
        value: Any
        if isinstance(widget, OptionList):
            index = widget.highlighted
            value = "" if index is None else str(widget.get_option_at_index(index).id)
        elif isinstance(widget, SelectionList):
            value = list(widget.selected)
        else:
            assert isinstance(widget, Input)
            value = widget.value.strip()
        if spec.required and not value:
            return value, t("请填写{label}", label=t(spec.label))
        if spec.kind == "text" and len(value) > TEXT_LIMIT:
            return value, t(
                "{label}最多 {limit} 个字，现在 {n} 个字，请删减",
                label=t(spec.label).split("（")[0],  # 意见（可不填） → 意见
                limit=TEXT_LIMIT,
                n=len(value),
            )
        if spec.kind == "number" and value:
            if not value.isdigit():
                return value, t("请填写{label}", label=t(spec.label))
            value = int(value)
        return value, ""

    def _show(self, error: FormError) -> None:
        target = error.field if error.field in {f.name for f in self._fields} else "form"
        label = self.query_one(f"#error-{target}", Label)
        label.update(error.message)
        label.display = True
        if target != "form":
            self.query_one(f"#field-{target}").focus()


def _widget_for(spec: FieldSpec) -> Input | OptionList | SelectionList[str]:
    widget_id = f"field-{spec.name}"
    if spec.kind == "choice":
        options = OptionList(
            *(Option(label, id=value) for value, label in spec.choices), id=widget_id
        )
        return options
    if spec.kind == "checklist":
        return SelectionList[str](
            *(Selection(label, value) for value, label in spec.choices), id=widget_id
        )
    return Input(
        value=spec.default,
        id=widget_id,
        password=spec.kind == "password",
        compact=True,
        type="integer" if spec.kind == "number" else "text",
    )

"""Provides the clerks screen: the admin adds and disables window clerks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from ..clerks import ADMIN_ID, Clerk
from ..dialogs import FieldSpec, FormDialog, FormError
from ..errors import NodeError
from ._base import WindowScreen

__all__ = ["ClerksScreen"]


class ClerksScreen(WindowScreen):
    """A adds a clerk, D disables or re-enables the highlighted one; both need the admin."""

    HELP_TITLE = "窗口人员"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "添加"),
        Binding("d", "toggle_active", "停用"),
    ]

    def compose_body(self) -> ComposeResult:
        with Vertical(id="clerks", classes="body"):
            yield Static(self.t("窗口人员"), classes="title")
            yield DataTable(id="clerk-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        t = self.t
        table = self.query_one("#clerk-table", DataTable)
        for label, width in (("工号", 12), ("姓名", 16), ("角色", 14), ("状态", 8)):
            table.add_column(t(label), width=width)
        self._show()
        table.focus()

    def _show(self) -> None:
        t = self.t
        table = self.query_one("#clerk-table", DataTable)
        table.clear()
        for clerk in self.session.clerks.list(include_disabled=True):
            table.add_row(
                clerk.clerk_id,
                clerk.name,
                t("管理员") if clerk.is_admin else t("窗口人员（普通）"),
                t("在用") if clerk.active else t("已停用"),
                key=clerk.clerk_id,
            )

    def action_add(self) -> None:
        self._as_admin(self._ask_new_clerk)

    def action_toggle_active(self) -> None:
        table = self.query_one("#clerk-table", DataTable)
        if not table.row_count:
            return
        clerk_id = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        if clerk_id == ADMIN_ID:
            return
        target = self.session.clerks.get(clerk_id)
        self._as_admin(lambda admin: self._set_active(admin, target))

    def _as_admin(self, then: Callable[[Clerk], None]) -> None:
        """Runs `then` as the admin: at once if the admin is signed in, else after the PIN."""
        clerk = self.session.clerk
        if clerk is not None and clerk.is_admin:
            then(clerk)
            return
        verified: list[Clerk] = []

        def check(values: dict[str, Any]) -> FormError | None:
            try:
                verified.append(self.session.clerks.sign_in(ADMIN_ID, values["pin"]))
            except NodeError as exc:
                return FormError(self.t.error(exc), "pin")
            return None

        fields = [FieldSpec("pin", "管理员密码", kind="password", required=True)]
        self.app.push_screen(
            FormDialog(self.t("管理员密码"), fields, check),
            callback=lambda values: then(verified[0]) if values and verified else None,
        )

    def _ask_new_clerk(self, admin: Clerk) -> None:
        def add(values: dict[str, Any]) -> FormError | None:
            if values["pin"] != values["pin_again"]:
                return FormError(self.t("两次输入的密码不一致"), "pin_again")
            try:
                self.session.clerks.add(
                    values["clerk_id"], values["name"], values["pin"], authorized_by=admin
                )
            except NodeError as exc:
                return FormError(self.t.error(exc), exc.field)
            return None

        fields = [
            FieldSpec("clerk_id", "工号", required=True),
            FieldSpec("name", "姓名", required=True),
            FieldSpec("pin", "新人员的密码（4至12位数字）", kind="password", required=True),
            FieldSpec("pin_again", "再输一次", kind="password", required=True),
        ]
        self.app.push_screen(
            FormDialog(self.t("添加"), fields, add), callback=lambda _values: self._show()
        )

    def _set_active(self, admin: Clerk, target: Clerk) -> None:
        try:
            self.session.clerks.set_active(target.clerk_id, not target.active, authorized_by=admin)
        except NodeError as exc:
            self.notify(self.t.error(exc), severity="error")
        self._show()

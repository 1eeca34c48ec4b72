"""Provides the first-run screen: no clerk exists yet, so the admin sets the admin PIN."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label

from ..errors import NodeError
from ..messages import ClerkSignedIn
from ._base import WindowScreen

__all__ = ["AdminSetupScreen"]


class AdminSetupScreen(WindowScreen):
    """Two PIN fields; the admin is signed in once they match."""

    HELP_TITLE = "首次使用"

    BINDINGS: ClassVar[list[BindingType]] = [Binding("f9", "toggle_language", "English")]

    def compose_body(self) -> ComposeResult:
        t = self.t
        with Vertical(id="admin-setup", classes="panel"):
            yield Label(t("首次使用：设置管理员密码"), classes="title")
            yield Label(t("管理员密码（6至12位数字）"), classes="field-label")
            yield Input(password=True, id="pin", max_length=12)
            yield Label(t("再输一次"), classes="field-label")
            yield Input(password=True, id="pin-again", max_length=12)
            yield Label("", id="error-pin", classes="field-error")

    def on_mount(self) -> None:
        self.on_screen_redrawn()

    def on_screen_redrawn(self) -> None:
        self.query_one("#pin", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "pin":
            self.query_one("#pin-again", Input).focus()
            return
        pin = self.query_one("#pin", Input).value
        error = self.query_one("#error-pin", Label)
        if pin != event.value:
            error.update(self.t("两次输入的密码不一致"))
            return
        try:
            admin = self.session.clerks.create_admin(pin)
        except NodeError as exc:
            error.update(self.t.error(exc))
            return
        self.post_message(ClerkSignedIn(admin))

"""Provides the sign-in screen: pick your clerk id, type your PIN, press Enter."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ..errors import NodeError
from ..messages import ClerkSignedIn
from ._base import WindowScreen

__all__ = ["SignInScreen"]


class SignInScreen(WindowScreen):
    """Also the lock screen: after idle time the same clerk types their PIN again.

    Args:
        clerk_id: the clerk to preselect (the one who was signed in when the window locked).
        locked: say that the window is locked rather than new.
    """

    HELP_TITLE = "登录"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "toggle_language", "English"),
        Binding("up", "choose_clerk(-1)", "换工号", show=False),
        Binding("down", "choose_clerk(1)", "换工号", show=False),
    ]
    SHOWS_CLERK = False  # a locked window does not say who is away from it

    def __init__(self, *, clerk_id: str = "", locked: bool = False) -> None:
        super().__init__()
        self._clerk_id = clerk_id
        self._locked = locked

    def compose_body(self) -> ComposeResult:
        t = self.t
        clerks = self.session.clerks.list()
        self._names = {clerk.clerk_id: clerk.name for clerk in clerks}
        with Vertical(id="sign-in", classes="panel"):
            yield Label(t("窗口人员登录"), classes="title")
            hint = (
                t("已锁屏，请重新输入密码") if self._locked else t("请选择工号，输入密码后按回车")
            )
            yield Label(hint, classes="hint")
            yield OptionList(
                *(
                    Option(f"{clerk.clerk_id:<10} {clerk.name}", id=clerk.clerk_id)
                    for clerk in clerks
                ),
                id="clerk-list",
            )
            yield Input(password=True, placeholder=t("密码"), id="pin", max_length=12)
            yield Label("", id="error-pin", classes="field-error")

    def on_mount(self) -> None:
        self.on_screen_redrawn()

    def on_screen_redrawn(self) -> None:
        options = self.query_one("#clerk-list", OptionList)
        if self._clerk_id:
            try:
                options.highlighted = options.get_option_index(self._clerk_id)
            except LookupError:
                self._clerk_id = ""
        elif options.option_count:
            options.highlighted = 0
        target = "#pin" if self._clerk_id or options.option_count == 1 else "#clerk-list"
        self.query_one(target).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#pin", Input).focus()

    def action_choose_clerk(self, step: int) -> None:
        """↑ ↓ in the PIN field choose another clerk (the list keeps its own arrows)."""
        options = self.query_one("#clerk-list", OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + step))
            self.query_one("#pin", Input).value = ""
            self.query_one("#error-pin", Label).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one("#clerk-list", OptionList)
        if options.highlighted is None:
            options.focus()
            return
        clerk_id = str(options.get_option_at_index(options.highlighted).id)
        pin_input = self.query_one("#pin", Input)
        try:
            clerk = self.session.clerks.sign_in(clerk_id, event.value)
        except NodeError as exc:
            name = self._names.get(clerk_id, "")
            tried = self.t("工号 {clerk_id}（{name}）", clerk_id=clerk_id, name=name)
            self.query_one("#error-pin", Label).update(f"{tried}：{self.t.error(exc)}")
            pin_input.value = ""
            return
        pin_input.value = ""
        self.post_message(ClerkSignedIn(clerk))

"""Provides the help dialog (F1): every key of the screen under it, in the window's language."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from ._base import WindowDialog

__all__ = ["HelpDialog"]


class HelpDialog(WindowDialog[None]):
    """Esc or F1 closes it.

    Args:
        screen_title: the screen the keys are of (already translated).
        keys: (key as the keyboard names it, what it does), in the order the screen has them.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "关闭"),
        Binding("f1", "dismiss_none", "关闭", show=False),
    ]

    def __init__(self, screen_title: str, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._screen_title = screen_title
        self._keys = tuple(keys)

    def compose(self) -> ComposeResult:
        t = self.t
        width = max((len(key) for key, _ in self._keys), default=4) + 2
        lines = [f"{key:<{width}}{said}" for key, said in self._keys]
        with Vertical(id="help-dialog", classes="dialog") as dialog:
            dialog.border_title = t("帮助 · {screen}", screen=self._screen_title)
            with VerticalScroll(id="help-scroll"):
                yield Static("\n".join(lines), id="help-keys", markup=False)
            yield Static(
                t("Ctrl+P 打开命令面板，可输入命令名称或拼音首字母（如 sl 受理）；Esc 关闭本帮助"),
                classes="hint",
            )

"""Provides the receipt dialog: the receipt as the citizen will hold it, saved and printable."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from ..receipts import print_receipt
from ._base import WindowDialog

__all__ = ["ReceiptDialog"]


class ReceiptDialog(WindowDialog[None]):
    """Shows the saved receipt; P prints it, Enter or Esc closes it.

    Fits 80×24 without scrolling (the title sits in the border), and says what printing did
    on its own status line: a toast would cover its buttons.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "print", "打印"),
        Binding("enter", "close", "关闭", priority=True),
        Binding("escape", "close", "关闭"),
    ]

    def __init__(self, text: str, path: Path) -> None:
        super().__init__()
        self._text = text
        self._path = path

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="receipt-dialog", classes="dialog") as dialog:
            dialog.border_title = t("受理回执")
            with VerticalScroll(id="receipt-scroll"):
                yield Static(self._text.rstrip("\n"), id="receipt-text", markup=False)
            yield Static(self._saved_as(), id="receipt-path", markup=False)
            yield Static("", id="receipt-status", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(f"{t('打印')} (P)", id="print", compact=True)
                yield Button(f"{t('关闭')} (Enter)", id="close", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.app.clear_notifications()  # the receipt says it was accepted; nothing over it
        self.query_one("#receipt-status").display = False

    def _saved_as(self) -> str:
        # Relative to the node folder: one line, and the words the guide uses (receipts/…).
        shown = Path(self._path.parent.name) / self._path.name
        return self.t("回执已保存：{path}", path=shown)

    def _say(self, message: str, *, error: bool = False) -> None:
        line = self.query_one("#receipt-status", Static)
        line.update(message)
        line.set_class(error, "-error")
        line.display = True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "print":
            self.action_print()
        else:
            self.action_close()

    def action_close(self) -> None:
        self.dismiss(None)

    @work(thread=True, exclusive=True, group="print")
    def action_print(self) -> None:
        t = self.t
        try:
            printed = print_receipt(self._path)
        except subprocess.CalledProcessError as exc:
            detail = (exc.stderr or b"").decode(errors="replace").strip()[:60]
            said = t("打印失败：打印机没有准备好，请检查打印机后再按 P") + (
                f"（{detail}）" if detail else ""
            )
            self.app.call_from_thread(self._say, said, error=True)
            return
        except (OSError, subprocess.SubprocessError):
            said = t("打印失败：打印程序没有响应，回执已保存，可用记事本打开打印")
            self.app.call_from_thread(self._say, said, error=True)
            return
        said = (
            t("已送打印机")
            if printed
            else t("本机没有安装打印程序，回执已保存为文件，可用记事本打开打印")
        )
        self.app.call_from_thread(self._say, said)

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
    """Shows the saved receipt; P prints it, Enter or Esc closes it."""

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
        with Vertical(id="receipt-dialog", classes="dialog"):
            yield Static(t("受理回执"), classes="title")
            with VerticalScroll(id="receipt-scroll"):
                yield Static(self._text, id="receipt-text", markup=False)
            yield Static(t("回执已保存：{path}", path=self._path), id="receipt-path", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(f"{t('打印')} (P)", id="print", compact=True)
                yield Button(f"{t('关闭')} (Enter)", id="close", variant="primary", compact=True)

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
        except (OSError, subprocess.SubprocessError) as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        message = (
            t("已送打印机")
            if printed
            else t("本机没有打印命令 lp，回执已保存为文件：{path}", path=self._path)
        )
        self.app.call_from_thread(self.notify, message)

"""Provides the key footer: the keys of the screen on one line, never cut in the middle.

Textual's footer lets the keys that do not fit run off the right edge ("f6 同步 f"). This
one leaves out whole keys instead, the least needed first: keys dimmed because the screen does
not allow them now, then the page keys F2–F7 (the same on every screen, listed by F1), then
others from the right. F1 帮助 stays: it lists every key of the screen.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # not re-exported; the footer's own items

__all__ = ["KeyFooter", "key_width"]

_GAP = 1  # between two keys in the compact footer
_KEEP = ("help",)


def key_width(key: FooterKey) -> int:
    """Cells one key takes in the compact footer."""
    width = cell_len(key.key_display)
    return width + (1 + cell_len(key.description) if key.description else 0)


class KeyFooter(Footer):
    """A compact footer that shows the keys that fit, whole."""

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)
        self._laid_out_for = 0

    def compose(self) -> ComposeResult:
        keys = [widget for widget in super().compose() if isinstance(widget, FooterKey)]
        yield from _fitting(keys, self.app.size.width)
        self._laid_out_for = self.app.size.width

    def on_resize(self, event: events.Resize) -> None:
        if self.app.size.width != self._laid_out_for:
            self.call_after_refresh(self.recompose)


def _fitting(keys: list[FooterKey], width: int) -> list[FooterKey]:
    """`keys` less the least needed ones, until they fit in `width` cells."""
    shown = list(keys)

    def total() -> int:
        return sum(key_width(key) for key in shown) + _GAP * max(0, len(shown) - 1)

    droppable = [
        *(key for key in reversed(keys) if key.has_class("-disabled")),
        *(key for key in reversed(keys) if key.action.startswith("go(")),
        *(key for key in reversed(keys) if key.action not in _KEEP),
    ]
    for key in droppable:
        if total() <= width:
            break
        if key in shown:
            shown.remove(key)
    return shown

"""Provides the item picker: type Chinese, pinyin or initials, pick the item with Enter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

import casework

from ..errors import NodeError
from ..session import session_of
from ..texts import Texts, clip

__all__ = ["ItemPicker"]


class ItemPicker(Vertical):
    """A search field over the catalog with the matches below it.

    Up and Down move through the matches while the cursor stays in the field; Enter picks.
    An item this center may not accept is still shown, with where the citizen should go.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("tab", "pick", show=False),
    ]

    @dataclass
    class ItemChosen(Message):
        """The clerk picked an item (it may be one this center must refuse)."""

        item: casework.Item
        refusal: str
        """Where the citizen should go instead, or "" when this center may accept it."""

    def compose(self) -> ComposeResult:
        t = session_of(self).texts
        with Horizontal(classes="field-row"):
            yield Label(t("事项"), classes="field-label")
            yield Input(
                placeholder=t("查找事项（汉字、拼音或首字母）"), id="item-search", compact=True
            )
        results = OptionList(id="item-results")
        results.can_focus = False  # driven from the search field: ↑ ↓ move, Enter picks
        yield results
        yield Static(id="item-info")
        yield Label("", id="error-item_code", classes="field-error")

    def on_mount(self) -> None:
        self._chosen = ""
        self.query_one("#error-item_code", Label).display = False
        self._build_index()

    @work(thread=True, exclusive=True, group="item-index")
    def _build_index(self) -> None:
        # Loading the pinyin tables takes ~50 ms: never on the way to the first keystroke.
        session_of(self).item_index  # noqa: B018 (builds and caches it)
        self.app.call_from_thread(self._search, self.query_one("#item-search", Input).value)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "item-search":
            event.stop()
            if event.value != self._chosen:  # typing again after a choice: search afresh
                self._chosen = ""
                self.query_one("#item-results").display = True
                self._search(event.value)

    def _search(self, query: str) -> None:
        session = session_of(self)
        if "item_index" not in session.__dict__:
            return  # the worker searches as soon as the index is ready
        results = self.query_one("#item-results", OptionList)
        results.clear_options()
        for item in session.item_index.search(query):
            label = f"{clip(item.name, 40)}  [dim]{item.code}[/]"
            results.add_option(Option(label, id=item.code))
        if results.option_count:
            results.highlighted = 0
        t = session.texts
        self.query_one("#item-info", Static).update(
            ""
            if results.option_count or not query.strip()
            else "[b yellow]"
            + escape(t("没有找到“{query}”", query=query.strip()))
            + "[/]\n"
            + t("可输入事项名称中的几个字、全拼或拼音首字母，如“低保”“dibao”“db”")
        )

    def action_move(self, step: int) -> None:
        results = self.query_one("#item-results", OptionList)
        if results.option_count:
            current = results.highlighted or 0
            results.highlighted = max(0, min(results.option_count - 1, current + step))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "item-search":
            return
        event.stop()
        self.action_pick()

    def action_pick(self) -> None:
        """Enter or Tab in the search field: take the highlighted match, then go on to the
        next field. Both keys do the same, so a Tab after Enter cannot skip a field."""
        search = self.query_one("#item-search", Input)
        results = self.query_one("#item-results", OptionList)
        chosen = bool(self._chosen) and search.value == self._chosen
        if not chosen and results.display and results.highlighted is not None:
            self._choose(str(results.get_option_at_index(results.highlighted).id))
        elif chosen:
            self._focus_next_field()
        else:
            self.screen.focus_next()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(str(event.option.id))

    def choose(self, code: str) -> None:
        """Chooses the item as Enter on its match would (a restored draft's item)."""
        self._choose(code)

    def _choose(self, code: str) -> None:
        session = session_of(self)
        item = session.catalog.get(code)
        refusal = _refusal(item, session.level, session.today(), session.texts.language)
        self._chosen = item.name
        self.query_one("#item-search", Input).value = item.name
        self.query_one("#item-results").display = False
        info = _describe(item, session.texts)
        if not refusal and casework.receive_only_level(
            item, center_level=session.level, on_date=session.today()
        ):
            info += "\n[b yellow]" + session.texts("代收件：本窗口受理后须上报县级审批") + "[/]"
        self.query_one("#item-info", Static).update(info)
        self.show_error(refusal)
        self.post_message(self.ItemChosen(item, refusal))
        if not refusal:
            self._focus_next_field()

    def _focus_next_field(self) -> None:
        # The field after this picker, whatever has the focus now: keys typed ahead (Enter
        # then Tab, both in the terminal's buffer) land in 姓名 either way, never one further.
        chain = self.screen.focus_chain
        search = self.query_one("#item-search", Input)
        if search in chain and chain.index(search) + 1 < len(chain):
            chain[chain.index(search) + 1].focus()

    def show_error(self, message: str) -> None:
        error = self.query_one("#error-item_code", Label)
        error.update(message)
        error.display = bool(message)
        if message:  # on a small window the form scrolls: bring the error into view
            self.call_after_refresh(error.scroll_visible, animate=False)

    def reset(self) -> None:
        self._chosen = ""
        self.query_one("#item-results").display = True
        self.query_one("#item-search", Input).value = ""
        self.query_one("#item-info", Static).update("")
        self.show_error("")
        self._search("")  # the value may not change (already empty): list afresh anyway


def _refusal(item: casework.Item, level: str, today: date, language: str) -> str:
    """Why this window may not accept the item today; empty when it may, to decide or to
    receive for the county (代收)."""
    try:
        casework.check_item_available(item, center_level=level, on_date=today)
    except (casework.CaseworkError, NodeError) as exc:
        if casework.receive_only_level(item, center_level=level, on_date=today):
            return ""
        return exc.message if language == "en" else exc.message_zh
    return ""


def _describe(item: casework.Item, texts: Texts) -> str:
    limit = (
        texts("即办")
        if item.promised_limit_days == 0
        else texts("承诺时限 {days} 个工作日", days=item.promised_limit_days)
    )
    fee = texts("收费 {fee} 元", fee=item.fee_standard_yuan) if item.charged else texts("不收费")
    return f"[b]{item.name}[/]  {item.code} · {texts.category(item.category)} · {limit} · {fee}"

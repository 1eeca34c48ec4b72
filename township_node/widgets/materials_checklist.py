"""Provides the materials checklist: what the citizen brought, what is accepted as missing."""

from __future__ import annotations

from textual.widgets import SelectionList
from textual.widgets.selection_list import Selection

import casework

from ..session import session_of

__all__ = ["MaterialsChecklist"]


class MaterialsChecklist(SelectionList[str]):
    """One line per material the item asks for; ticked = received, unticked = missing (容缺).

    Cancelled certificates are not listed: they must never be asked for again.
    """

    def show_item(self, item: casework.Item | None) -> None:
        self.clear_options()
        if item is None:
            return
        t = session_of(self).texts
        for material in item.materials:
            if material.certificate == "cancelled":
                continue
            notes = [t("关键")] if material.key else []
            if material.promise_allowed:
                notes.append(t("可告知承诺"))
            label = material.name + (f"  [dim]（{'，'.join(notes)}）[/]" if notes else "")
            self.add_option(Selection(label, material.name, initial_state=True))
        if self.option_count:
            self.highlighted = 0

    def missing(self) -> tuple[str, ...]:
        selected = set(self.selected)
        return tuple(
            str(option.value)
            for option in (self.get_option_at_index(i) for i in range(self.option_count))
            if option.value not in selected
        )

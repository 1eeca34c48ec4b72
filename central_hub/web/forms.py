"""Provides the checks of the dashboard's form fields that the hub's own functions do not make.

Each refusal is a FormInvalid naming the field, with a sentence a person can act on; the page
shows the form again with it, and nothing is changed. The rules the hub applies everywhere
(a reason is required, a seq in range) stay in node_actions.py, so the command line and the
dashboard refuse the same things.
"""

from __future__ import annotations

from ..node_actions import MAX_BATCH_SEQ
from .errors import FormInvalid

__all__ = ["batch_seq_field"]

_SHOWN = 20  # characters of a bad value quoted back in a message
_MAX_DIGITS = 100


def batch_seq_field(form: dict[str, str], name: str = "from_seq") -> int:
    """A batch seq typed in a form: a whole number from 1 to MAX_BATCH_SEQ (full-width
    digits, as a Chinese input method types them, are read too).

    Raises:
        FormInvalid: empty, not a whole number, or out of range.
    """
    text = form.get(name, "").strip()
    if not text:
        raise FormInvalid(
            f"{name} is empty", message_zh="请填写起始批次（从第几批起重发）", field=name
        )
    if not text.isdecimal():
        shown = text if len(text) <= _SHOWN else text[:_SHOWN] + "…"
        raise FormInvalid(
            f"{name} {text[:_SHOWN]!r} is not a whole number",
            message_zh=f"起始批次“{shown}”不是整数，请填写 1 到 {MAX_BATCH_SEQ} 之间的整数",
            field=name,
        )
    # Length first: Python refuses int() of more than 4,300 digits.
    if len(text) > _MAX_DIGITS or not 1 <= int(text) <= MAX_BATCH_SEQ:
        raise FormInvalid(
            f"{name} {text[:_SHOWN]!r} is out of range 1..{MAX_BATCH_SEQ}",
            message_zh=f"起始批次须在 1 到 {MAX_BATCH_SEQ} 之间",
            field=name,
        )
    return int(text)

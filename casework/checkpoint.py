"""Provides a folded case's checkpoint: its state as compact JSON, without the applicant.

A hub keeps the checkpoint of every case whose fold is clean (each event applied, in one
chain), so a batch that continues the case applies only its new events
(:func:`casework.continue_history`) instead of reading and folding the whole history again.
The events stay the record; a checkpoint is only a shortcut to their fold, and one this
version cannot read (another field list, a damaged row) reads as None: the case is folded
from its events, as without one.

The applicant is left out. No rule after the acceptance reads it, and a checkpoint must not be
one more place that holds a citizen's name and ID number in the clear.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from datetime import date, datetime
from operator import attrgetter

from casework.case import CaseState, Pause

__all__ = ["checkpoint_json", "state_from_checkpoint"]

_NAMES = tuple(f.name for f in fields(CaseState))
_KEPT = tuple(name for name in _NAMES if name != "applicant")
_APPLICANT = _NAMES.index("applicant")
_values = attrgetter(*_KEPT)
_DATETIMES = tuple(
    _KEPT.index(name)
    for name in (
        "accepted_at",
        "completed_at",
        "held_since",
        "closed_at",
        "delivered_at",
        "updated_at",
    )
)
_DATES = (_KEPT.index("missing_promised_by"),)
_TUPLES = tuple(
    _KEPT.index(name) for name in ("missing_materials", "supplement_materials", "holder_trail")
)
_PAUSES = _KEPT.index("pauses")
# The field list, names and types, as this version has it: a checkpoint written by a version
# whose CaseState differs is not read (its case is folded again from the events).
_SHAPE = hashlib.sha256(
    repr([(f.name, str(f.type)) for f in fields(CaseState)]).encode()
).hexdigest()[:12]


def checkpoint_json(state: CaseState) -> str:
    """The state as a checkpoint: its fields in order (the applicant left out), as JSON.

    Positional, not by name: the hub writes one for every case a batch touches, and this
    takes 8 µs a state here, a third of a dict of the fields that differ from their defaults.
    """
    values = list(_values(state))
    for index in (*_DATETIMES, *_DATES):
        if values[index] is not None:
            values[index] = values[index].isoformat()
    values[_PAUSES] = [
        [p.start.isoformat(), p.end and p.end.isoformat(), p.reason] for p in values[_PAUSES]
    ]
    return json.dumps([_SHAPE, *values], ensure_ascii=False, separators=(",", ":"))


def state_from_checkpoint(text: str | None) -> CaseState | None:
    """The state a checkpoint holds (its applicant None), or None if it cannot be read here."""
    if not text:
        return None
    try:
        shape, *values = json.loads(text)
        if shape != _SHAPE or len(values) != len(_KEPT):
            return None
        for index in _DATETIMES:
            if values[index] is not None:
                values[index] = datetime.fromisoformat(values[index])
        for index in _DATES:
            if values[index] is not None:
                values[index] = date.fromisoformat(values[index])
        for index in _TUPLES:
            values[index] = tuple(values[index])
        values[_PAUSES] = tuple(
            Pause(date.fromisoformat(start), end and date.fromisoformat(end), reason)
            for start, end, reason in values[_PAUSES]
        )
        values.insert(_APPLICANT, None)
        return CaseState(*values)
    except (ValueError, TypeError, AttributeError):  # not ours, or damaged: fold the events
        return None

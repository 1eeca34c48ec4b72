"""Provides who may record what on a case: the center holding it, and the citizen's window.

A case has one holder at a time (the center it was accepted at, or the one it was escalated or
transferred to). Only the holder works on it. The window where the citizen applied keeps two
rights while the case is elsewhere, because the citizen comes back to that window: to take in
materials they were asked for (补正/容缺), and to record that they withdraw the application.
Those two are what can race with the holder's work while both centers are offline; the history
fold (:mod:`casework.history`) keeps both facts and orders them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casework.case import CaseState
from casework.errors import CaseworkError, IllegalTransition
from casework.events import EVENT_LABELS_ZH
from casework.lifecycle import legal_actions
from casework.orgs import level_of

__all__ = ["WINDOW_ACTIONS", "actions_for", "check_actor"]

_DECISION_STEPS = frozenset({"handle", "review", "approve", "review_and_approve"})
WINDOW_ACTIONS = frozenset({"receive_supplement", "complete"})
"""What the accepting window may record while another center holds the case; ``complete``
only as the citizen's withdrawal (``result_code`` ``"withdrawn"``)."""


def _window_may(type: str, payload: Mapping[str, Any]) -> bool:
    if type == "complete":
        return payload.get("result_code") == "withdrawn"
    return type in WINDOW_ACTIONS


def check_actor(
    state: CaseState | None, *, center: str, type: str, payload: Mapping[str, Any]
) -> None:
    """Checks that `center` may record this event on the case.

    Raises:
        IllegalTransition: an acceptance recorded for another center, or an action by a
            center that neither holds the case nor is the citizen's window doing a
            window action.
    """
    if state is None:
        named = payload.get("center_code")
        if type == "accept" and named != center:
            raise IllegalTransition(
                f"center {center} recorded an acceptance for center {named}",
                message_zh=f"本中心（{center}）不能替 {named} 受理办件",
                code="not_holder",
            )
        return
    label = EVENT_LABELS_ZH.get(type, type)
    if center == state.holder_center:
        if type in _DECISION_STEPS and not _may_decide(state, center):
            raise IllegalTransition(
                f"case {state.case_no} was only received here; its item is decided at "
                f"{state.decided_by} level: escalate it",
                message_zh=f"办件 {state.case_no} 为代收件，须由县级审批，"
                f"本中心不能“{label}”，请上报",
                code="decided_elsewhere",
            )
        return
    if center == state.center_code and _window_may(type, payload):
        return
    raise IllegalTransition(
        f"center {center} cannot {type} case {state.case_no}: center {state.holder_center} "
        "holds it; a center acts only on cases it accepted or was handed",
        message_zh=f"办件 {state.case_no} 现由 {state.holder_center} 办理，本中心不能“{label}”",
        code="not_holder",
    )


def _level(center: str) -> str:
    try:
        return level_of(center)
    except CaseworkError:  # a center outside the bundled org tree: its code says its level
        return "township" if len(center) == 9 else "county"


def _may_decide(state: CaseState, center: str) -> bool:
    return state.decided_by is None or _level(center) == state.decided_by


def actions_for(state: CaseState, center: str) -> tuple[str, ...]:
    """The legal next actions `center` may record, in the order of ``legal_actions``.

    For the accepting window of a case held elsewhere this is at most taking in materials and
    the citizen's withdrawal (as ``"complete"``; the caller offers only ``"withdrawn"``).
    """
    legal = legal_actions(state)
    if center == state.holder_center:
        if _may_decide(state, center):
            return legal
        return tuple(action for action in legal if action not in _DECISION_STEPS)
    if center == state.center_code:
        return tuple(action for action in legal if action in WINDOW_ACTIONS)
    return ()

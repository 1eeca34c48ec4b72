"""Provides `township-node case …`: recording and reading cases from the command line.

township-node case accept --item CODE --applicant-name NAME --id-number ID
township-node case advance|complete|refuse|show CASE_NO
township-node case escalate CASE_NO --to CENTER      上报 / 移交 to another center
township-node case return CASE_NO --reason TEXT      退回 to the center that sent it
township-node case deliver CASE_NO                   送达: the citizen collected the result
township-node case withdraw CASE_NO --reason TEXT    the citizen withdraws (撤回)
township-node case receive CASE_NO [--material M]    补正/容缺 materials brought in
township-node alerts [--seen]                        what arrived from other centers
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from ..home import NodeHome
from .common import open_from_args as _open

__all__ = ["add_case_commands"]

_FORWARD_STEPS = ("handle", "review", "approve", "review_and_approve")


def add_case_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds the `case` command group and `alerts` to the CLI's subparsers."""
    case = sub.add_parser("case", help="record and read cases").add_subparsers(title="case")
    p = case.add_parser("accept", parents=[common], help="accept a new case")
    p.add_argument("--item", required=True, help="item code (see `catalog list`)")
    p.add_argument("--applicant-name", required=True)
    p.add_argument("--id-number", required=True, help="18-digit resident ID number")
    p.add_argument("--phone", default="")
    p.add_argument("--fee", default="0", help="fee charged in yuan (charged items only)")
    p.add_argument(
        "--missing",
        action="append",
        default=[],
        metavar="MATERIAL",
        help="a non-key material accepted as missing (容缺受理); repeatable",
    )
    p.add_argument(
        "--promised-by",
        type=date.fromisoformat,
        default=None,
        help="date (YYYY-MM-DD) the applicant promises the missing material",
    )
    p.set_defaults(handler=_case_accept)

    p = case.add_parser("advance", parents=[common], help="move a case to its next step")
    p.add_argument("case_no")
    p.add_argument("--note", default="")
    p.set_defaults(handler=_case_advance)

    p = case.add_parser("complete", parents=[common], help="complete a case")
    p.add_argument("case_no")
    p.add_argument("--result", default="granted", help="result code (default: granted)")
    p.add_argument("--label", default="准予许可", help="result label as shown to the citizen")
    p.set_defaults(handler=_case_complete)

    p = case.add_parser("refuse", parents=[common], help="refuse a case (不予受理)")
    p.add_argument("case_no")
    p.add_argument("--reason", required=True)
    p.set_defaults(handler=_case_refuse)

    p = case.add_parser("list", parents=[common], help="recent cases")
    p.add_argument("--status", default=None)
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(handler=_case_list)

    p = case.add_parser("show", parents=[common], help="one case with its history")
    p.add_argument("case_no")
    p.set_defaults(handler=_case_show)

    p = case.add_parser("escalate", parents=[common], help="hand a case to another center (上报)")
    p.add_argument("case_no")
    p.add_argument("--to", required=True, help="the receiving center's code, e.g. 513431")
    p.add_argument("--reason", default="", help="why (shown to the receiving center)")
    p.set_defaults(handler=_case_escalate)

    p = case.add_parser("return", parents=[common], help="send a case back (退回)")
    p.add_argument("case_no")
    p.add_argument("--reason", required=True)
    p.set_defaults(handler=_case_return)

    p = case.add_parser("deliver", parents=[common], help="record the result handed over (送达)")
    p.add_argument("case_no")
    p.add_argument("--method", default="window", help="window, post or online")
    p.set_defaults(handler=_case_deliver)

    p = case.add_parser("withdraw", parents=[common], help="the applicant withdraws (撤回)")
    p.add_argument("case_no")
    p.add_argument("--reason", required=True)
    p.set_defaults(handler=_case_withdraw)

    p = case.add_parser("receive", parents=[common], help="materials brought in (补正/容缺)")
    p.add_argument("case_no")
    p.add_argument("--material", action="append", default=[], help="repeatable; none = all")
    p.set_defaults(handler=_case_receive)

    p = sub.add_parser("alerts", parents=[common], help="cases handed here, results back")
    p.add_argument("--seen", action="store_true", help="mark the listed alerts as seen")
    p.set_defaults(handler=_alerts)


def _casebook(home: NodeHome) -> Any:
    from ..casebook import CaseBook
    from ..catalog import center_level, current_calendar, current_catalog

    return CaseBook(
        home,
        catalog=current_catalog(home),
        calendar=current_calendar(home),
        center_level=center_level(home),
    )


def _case_accept(args: argparse.Namespace) -> dict[str, Any]:
    with _open(args) as home:
        case = _casebook(home).accept(
            item_code=args.item,
            applicant_name=args.applicant_name,
            id_number=args.id_number,
            phone=args.phone,
            clerk_id=args.clerk,
            fee_yuan=args.fee,
            missing_materials=tuple(args.missing),
            promised_by=args.promised_by,
        )
        return {
            "case_no": case.case_no,
            "status": case.status,
            "due_date": case.due_date,
            "due_provisional": case.due_provisional,
        }


def _case_advance(args: argparse.Namespace) -> dict[str, Any]:
    from ..errors import InvalidInput

    with _open(args) as home:
        book = _casebook(home)
        legal = book.actions(args.case_no)
        step = next((action for action in legal if action in _FORWARD_STEPS), None)
        if step is None:
            raise InvalidInput(
                f"case {args.case_no} has no next step to advance to; legal actions now: "
                f"{', '.join(legal) or 'none'}",
                message_zh="该办件当前没有可推进的下一步",
            )
        payload = {"note": args.note} if args.note else {}
        case = book.act(args.case_no, step, clerk_id=args.clerk, payload=payload)
        return {"case_no": case.case_no, "status": case.status, "action": step}


def _case_complete(args: argparse.Namespace) -> dict[str, Any]:
    with _open(args) as home:
        case = _casebook(home).act(
            args.case_no,
            "complete",
            clerk_id=args.clerk,
            payload={"result_code": args.result, "result_label": args.label},
        )
        return {"case_no": case.case_no, "status": case.status}


def _case_refuse(args: argparse.Namespace) -> dict[str, Any]:
    with _open(args) as home:
        case = _casebook(home).act(
            args.case_no, "refuse", clerk_id=args.clerk, payload={"reason": args.reason}
        )
        return {"case_no": case.case_no, "status": case.status}


def _case_list(args: argparse.Namespace) -> dict[str, Any]:
    with _open(args) as home:
        cases = _casebook(home).list(status=args.status, limit=args.limit)
        return {"cases": [asdict(case) for case in cases]}


def _case_show(args: argparse.Namespace) -> dict[str, Any]:
    from sync_protocol import format_timestamp

    with _open(args) as home:
        book = _casebook(home)
        case = book.get(args.case_no)
        history = [
            {"node": e.node_id, "type": e.type, "at": e.occurred_at, "clerk": e.clerk_id}
            for e in book.history(args.case_no)
        ]
        folded = book.folded(args.case_no)
        state = folded.state
        return asdict(case) | {
            "origin_center": state.center_code,
            "holder_center": state.holder_center,
            "held_since": format_timestamp(state.held_since) if state.held_since else None,
            "history": history,
            "set_aside": [asdict(aside) for aside in folded.set_aside],
            "conflicts": len(folded.forks),
            "legal_actions": list(book.actions(args.case_no)),
            "light": _light(home, state),
        }


def _light(home: NodeHome, state: Any) -> str:
    """The e-supervision light: green, yellow (due within a working day), red (overdue)."""
    import casework

    from ..catalog import current_calendar

    if not state.is_open or state.promised_limit_days is None:
        return "none"
    today = datetime.now(UTC).astimezone(casework.CHINA_TZ).date()
    return str(casework.case_light(state, current_calendar(home), today=today))


def _act(args: argparse.Namespace, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    with _open(args) as home:
        case = _casebook(home).act(args.case_no, action, clerk_id=args.clerk, payload=payload)
        return {"case_no": case.case_no, "status": case.status, "action": action}


def _case_escalate(args: argparse.Namespace) -> dict[str, Any]:
    payload = {"to_center": args.to} | ({"reason": args.reason} if args.reason else {})
    return _act(args, "escalate", payload)


def _case_return(args: argparse.Namespace) -> dict[str, Any]:
    return _act(args, "return", {"reason": args.reason})


def _case_deliver(args: argparse.Namespace) -> dict[str, Any]:
    return _act(args, "deliver", {"method": args.method})


def _case_withdraw(args: argparse.Namespace) -> dict[str, Any]:
    return _act(args, "complete", {"result_code": "withdrawn", "reason": args.reason})


def _case_receive(args: argparse.Namespace) -> dict[str, Any]:
    return _act(args, "receive_supplement", {"materials": args.material} if args.material else {})


def _alerts(args: argparse.Namespace) -> dict[str, Any]:
    from ..alerts import mark_seen, unseen_alerts

    with _open(args) as home:
        alerts = unseen_alerts(home)
        if args.seen:
            mark_seen(home, [alert.id for alert in alerts])
        return {"alerts": [asdict(alert) for alert in alerts]}

"""Provides the dashboard's integration points with compliance.py and reconcile.py.

Both modules are being written alongside the dashboard (issue 7). Until they land, the pages
show what the store can tell directly (this package's own queries) and say that the rest is not
connected yet. Each point below is marked `INTEGRATION POINT`; connecting one means replacing
its body with a call into the module, passing `ctx.scope.counties` (None for the whole
prefecture) and the period, so their tables come back already filtered by the same scope rule.
Any table returned here is listed on its page and exported by /dash/export/{name}.csv|xlsx|json.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..tables import Table
from .context import ViewContext
from .errors import NotConnected
from .node_tables import quarantine_table, rejected_table

__all__ = [
    "ACTIONS",
    "COMPLIANCE_CONNECTED",
    "RECONCILE_CONNECTED",
    "TABLE_PROVIDERS",
    "compliance_tables",
    "perform_node_action",
    "reconcile_tables",
]

COMPLIANCE_CONNECTED = True
"""True once compliance_tables calls central_hub.compliance (the page drops its notice)."""
RECONCILE_CONNECTED = True
"""True once reconcile_tables and perform_node_action call central_hub.reconcile."""

ACTIONS = {
    "resend": "要求从指定序号重发",
    "accept-gap": "确认缺号，放弃缺失批次（须写明理由）",
    "revoke": "吊销终端密钥",
}
"""The admin actions on a node, by the last segment of their POST route."""


def compliance_tables(ctx: ViewContext) -> list[Table]:
    """The compliance measures for the county (or whole prefecture) in view, over ctx.period.

    INTEGRATION POINT (central_hub/compliance.py), then set COMPLIANCE_CONNECTED:

        from ..compliance import compliance
        from ..compliance_tables import report_tables

        today = casework.local_date(ctx.now)
        since = ctx.period.since or today.replace(month=1, day=1)
        with ctx.engine.connect() as conn:
            report = compliance(
                conn, scope_county=ctx.scope_county(), since=since,
                until=ctx.period.until or today, today=today,
            )
        return report_tables(report)

    `ctx.scope_county()` is the checked county argument or the person's own county, so a
    county admin can never get the prefecture's report. RollupsMissing is a HubError: the
    page shows its message.
    """
    import casework

    from ..compliance import compliance
    from ..compliance_tables import report_tables

    today = casework.local_date(ctx.now)
    since = ctx.period.since or today.replace(month=1, day=1)
    with ctx.engine.connect() as conn:
        report = compliance(
            conn,
            scope_county=ctx.scope_county(),
            since=since,
            until=ctx.period.until or today,
            today=today,
        )
    return report_tables(report)


def reconcile_tables(ctx: ViewContext) -> list[Table]:
    """Per-node reconciliation for the county (or whole prefecture) in view.

    INTEGRATION POINT (central_hub/reconcile.py), then set RECONCILE_CONNECTED:

        from ..reconcile import reconcile_table

        return [
            reconcile_table(ctx.home, county=ctx.scope_county()),
            rejected_table(ctx),
            quarantine_table(ctx),
        ]

    The first table must have a `node_id` column: the action forms are listed by it.
    """
    from ..audit import audit_table
    from ..reconcile import reconcile_table

    county = ctx.scope_county()
    return [
        reconcile_table(ctx.home, county=county),
        rejected_table(ctx),
        quarantine_table(ctx),
        audit_table(ctx.home, county=county, chinese=True),
    ]


def perform_node_action(
    ctx: ViewContext, *, action: str, node_id: str, form: Mapping[str, str], actor: str
) -> str:
    """Carries out an admin action on a node already checked to be in the actor's scope;
    returns the sentence to show. The route has checked sign-in, role, county, origin and CSRF.

    The forms post `reason` (all three) and `from_seq` (resend). A field filled in wrong is a
    FormInvalid, a refusal of node_actions.py (no reason, no gap) a NodeActionRefused: both
    carry the Chinese sentence the page shows with the form again; nothing has changed.

    Raises:
        FormInvalid: `from_seq` empty, not a whole number, or out of range.
        NodeActionRefused: no reason or a bad one, or no gap to accept.
        NotConnected: an action this module does not know.
    """
    from ..node_actions import accept_gap, request_resend, revoke_node
    from .forms import batch_seq_field

    county, reason = ctx.scope_county(), form.get("reason", "")
    if action == "resend":
        seq = batch_seq_field(dict(form))
        request_resend(
            ctx.home, node_id, from_batch_seq=seq, actor=actor, reason=reason, county=county
        )
        return f"已要求终端 {node_id} 从第 {seq} 批起重发（下次同步时生效）"
    if action == "accept-gap":
        skipped = accept_gap(ctx.home, node_id, actor=actor, reason=reason, county=county)
        return f"已确认缺号 {skipped['skipped_batches']} 批，后续批次已入库"
    if action == "revoke":
        revoke_node(ctx.home, node_id, actor=actor, reason=reason, county=county)
        return f"已吊销终端 {node_id} 的密钥"
    raise NotConnected(
        f"node action {action!r} is unknown",
        message_zh=f"未知的操作“{ACTIONS.get(action, action)}”",
    )


TABLE_PROVIDERS: tuple[Callable[[ViewContext], list[Table]], ...] = (
    compliance_tables,
    reconcile_tables,
)
"""Every provider whose tables the generic export route may serve by name."""

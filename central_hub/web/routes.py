"""Provides the dashboard's pages: prefecture → county → township → case, nodes, compliance,
and the one export route for every table.

Page handlers are plain functions: Starlette runs them in its thread pool, so the store's
blocking reads never hold up the hub's sync endpoints on the event loop. Every handler starts
from the signed-in user and builds a ViewContext, whose checks apply the scope.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

import casework

from ..home import HubHome
from ..reconcile import NodeActionRefused
from .auth import check_csrf, read_form, signed_in_user
from .case_tables import case_tables, cases_table
from .charts import bar_chart, coverage_bar, line_chart
from .context import ViewContext, center_name
from .errors import FormInvalid, PageNotFound
from .integrations import (
    ACTIONS,
    COMPLIANCE_CONNECTED,
    RECONCILE_CONNECTED,
    compliance_tables,
    perform_node_action,
    reconcile_tables,
)
from .node_tables import nodes_table
from .period import chinese_date, parse_period
from .picker import period_picker
from .queries import node_center
from .render import Renderer, root_of
from .scope import scope_of
from .search import SEARCH_LIMIT, search
from .sessions import SessionStore
from .table_view import table_views
from .unit_tables import (
    SILENT_AFTER_DAYS,
    categories_table,
    centers_table,
    counties_table,
    trend_table,
)
from .users import User
from .views import EXPORT_FORMATS, build_table, export_body

__all__ = ["Pages"]

CASES_ON_PAGE = 200
"""A township page lists this many cases; its CSV/XLSX export has them all."""
_UNIT_ARGS = ("county", "center", "case")


class Pages:
    """The dashboard's GET pages, exports and node actions for one hub."""

    def __init__(self, home: HubHome, renderer: Renderer, *, sessions: SessionStore) -> None:
        self.home = home
        self.renderer = renderer
        self.sessions = sessions

    def _context(self, request: Request, user: User, **args: str) -> ViewContext:
        return ViewContext(self.home, scope_of(user), parse_period(request.query_params), args)

    def _render(
        self, request: Request, user: User, template: str, ctx: ViewContext, **context: Any
    ) -> HTMLResponse:
        export_args = {**{k: v for k, v in ctx.args.items() if v}, **ctx.period.as_query()}
        unit_query = {key: request.query_params.get(key, "") for key in _UNIT_ARGS}
        picker = period_picker(ctx.period, casework.local_date(ctx.now), unit_query)
        if "tables" in context:
            context["tables"] = table_views(context["tables"], request.query_params)
        return self.renderer.page(
            request,
            template,
            {
                "period": ctx.period,
                "picker": picker,
                "printed_at": _printed_at(ctx.now),
                "export_args": export_args,
                "ctx": ctx,
                **context,
            },
            hub=self.home.config,
            user=user,
        )

    def overview(self, request: Request) -> Response:
        user = signed_in_user(request, self.sessions)
        ctx = self._context(request, user)
        counties = counties_table(ctx)
        if len(counties.rows) == 1:  # one county in view: its page is the overview
            code = counties.rows[0]["county_code"]
            return RedirectResponse(
                f"{root_of(request)}/county/{code}{ctx.period.query_string()}", 303
            )
        trend = trend_table(ctx)
        townships = sum(row["townships"] for row in counties.rows)
        synced = sum(row["synced_recently"] for row in counties.rows)
        charts = [
            bar_chart(
                [(r["county_name"], r["accepted"]) for r in counties.rows],
                title="各县（市）受理量排名",
            ),
            bar_chart(
                [
                    (r["county_name"], r["completion_rate"])
                    for r in sorted(counties.rows, key=lambda r: -(r["completion_rate"] or 0))
                    if r["accepted"]  # a county with no cases has no rate, not a rate of 0
                ],
                title="各县（市）办结率排名",
                unit="%",
            ),
            _trend_chart(trend.rows),
        ]
        return self._render(
            request,
            user,
            "overview.html",
            ctx,
            title="全州总览",
            coverage=coverage_bar(synced, townships, title=f"{SILENT_AFTER_DAYS}日内有同步的乡镇"),
            charts=charts,
            tables=[counties, categories_table(ctx), trend],
        )

    def county(self, request: Request) -> Response:
        user = signed_in_user(request, self.sessions)
        ctx = self._context(request, user, county=request.path_params["code"])
        code = ctx.county()
        centers = centers_table(ctx)
        trend = trend_table(ctx)
        ranked = sorted(centers.rows, key=lambda r: -r["accepted"])
        in_tree = [r for r in centers.rows if len(r["center_code"]) == 9]
        synced = sum(1 for r in in_tree if r["sync_state"] == "正常")
        charts = [
            bar_chart(
                [(r["center_name"], r["accepted"]) for r in ranked if r["accepted"]][:30],
                title="各乡镇受理量排名（前30）",
            ),
            _trend_chart(trend.rows),
        ]
        return self._render(
            request,
            user,
            "county.html",
            ctx,
            title=casework.org(code).name,
            county_code=code,
            coverage=coverage_bar(
                synced, len(in_tree), title=f"{SILENT_AFTER_DAYS}日内有同步的乡镇"
            ),
            charts=charts,
            tables=[centers, categories_table(ctx), trend],
        )

    def township(self, request: Request) -> Response:
        user = signed_in_user(request, self.sessions)
        ctx = self._context(request, user, center=request.path_params["code"])
        code = ctx.center()
        cases = cases_table(ctx, limit=CASES_ON_PAGE + 1)
        more = len(cases.rows) > CASES_ON_PAGE
        del cases.rows[CASES_ON_PAGE:]
        trend = trend_table(ctx)
        return self._render(
            request,
            user,
            "township.html",
            ctx,
            title=center_name(code),
            county_code=code[:6],
            county_name=casework.org(code[:6]).name,
            more_cases=more,
            cases_on_page=CASES_ON_PAGE,
            charts=[_trend_chart(trend.rows)],
            tables=[cases, nodes_table(ctx), categories_table(ctx), trend],
        )

    def case(self, request: Request) -> Response:
        user = signed_in_user(request, self.sessions)
        ctx = self._context(request, user, case=request.path_params["case_id"])
        case, tables = case_tables(ctx)
        code = str(case["center_code"])
        return self._render(
            request,
            user,
            "case.html",
            ctx,
            title=f"办件 {case['case_no']}",
            case=case,
            county_code=code[:6],
            county_name=casework.org(code[:6]).name,
            tables=tables,
        )

    def search(self, request: Request) -> Response:
        """Cases by number and units by name in view; straight to the one a query names."""
        user = signed_in_user(request, self.sessions)
        ctx = self._context(request, user)
        found = search(ctx, request.query_params.get("q", ""))
        if found.only_match:
            return RedirectResponse(f"{root_of(request)}/{found.only_match}", 303)
        return self._render(
            request,
            user,
            "search.html",
            ctx,
            title="搜索",
            found=found,
            search_limit=SEARCH_LIMIT,
        )

    def nodes(self, request: Request) -> Response:
        user = signed_in_user(request, self.sessions)
        ctx = self._context(request, user, county=request.query_params.get("county", ""))
        return self._nodes_page(request, user, ctx)

    def _nodes_page(
        self,
        request: Request,
        user: User,
        ctx: ViewContext,
        *,
        form_error: dict[str, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        """The reconciliation page; after a refused action, with the form filled in as it was
        posted and the reason it was refused."""
        tables = reconcile_tables(ctx)
        page = self._render(
            request,
            user,
            "nodes.html",
            ctx,
            title="终端对账",
            connected=RECONCILE_CONNECTED,
            actions=ACTIONS,
            node_ids=[row["node_id"] for row in tables[0].rows] if tables else [],
            tables=tables,
            form_error=form_error,
        )
        page.status_code = status
        return page

    def compliance(self, request: Request) -> Response:
        user = signed_in_user(request, self.sessions)
        ctx = self._context(request, user, county=request.query_params.get("county", ""))
        return self._render(
            request,
            user,
            "compliance.html",
            ctx,
            title="合规监督",
            connected=COMPLIANCE_CONNECTED,
            tables=compliance_tables(ctx),
        )

    def export(self, request: Request) -> Response:
        """/export/{name}.csv|xlsx|json with the page's unit arguments and period."""
        user = signed_in_user(request, self.sessions)
        name, _, fmt = request.path_params["filename"].rpartition(".")
        if fmt not in EXPORT_FORMATS or not name:
            raise PageNotFound(f"no export format {fmt!r}", message_zh="只能导出 CSV、XLSX 或 JSON")
        args = {key: request.query_params.get(key, "") for key in _UNIT_ARGS}
        ctx = self._context(request, user, **args)
        table = build_table(name, ctx)
        headers = {}
        if fmt != "json":
            filename = f"{name}-{self.home.config.org_code}-{date.today():%Y%m%d}.{fmt}"
            headers["content-disposition"] = f'attachment; filename="{filename}"'
        return Response(
            export_body(table, fmt, ctx), media_type=EXPORT_FORMATS[fmt], headers=headers
        )

    async def node_action(self, request: Request) -> Response:
        """POST /nodes/{node_id}/{action}: signed in, CSRF, an acting role, the node's county."""
        form = await read_form(request)
        user = await run_in_threadpool(signed_in_user, request, self.sessions)
        check_csrf(request, form)
        action, node_id = request.path_params["action"], request.path_params["node_id"]
        if action not in ACTIONS:
            raise PageNotFound(f"no action {action!r}", message_zh="没有这个操作")
        scope = scope_of(user)
        scope.require_can_act()  # before the lookup: a viewer learns nothing about nodes
        center = await run_in_threadpool(node_center, self.home.engine, node_id)
        if center is None:
            raise PageNotFound(f"no node {node_id}", message_zh="没有这个终端")
        scope.require_action(center)
        ctx = self._context(request, user, county=center[:6])
        try:
            message = await run_in_threadpool(
                perform_node_action,
                ctx,
                action=action,
                node_id=node_id,
                form=form,
                actor=user.username,
            )
        except (FormInvalid, NodeActionRefused) as exc:
            refused = {
                "node_id": node_id,
                "action": action,
                "message": exc.message_zh,
                "field": exc.field if isinstance(exc, FormInvalid) else "",
                "from_seq": form.get("from_seq", "")[:100],
                "reason": form.get("reason", "")[:1000],
            }
            return await run_in_threadpool(
                self._nodes_page, request, user, ctx, form_error=refused, status=exc.http_status
            )
        return self._render(
            request,
            user,
            "done.html",
            ctx,
            title="操作完成",
            message=message,
            county_code=center[:6],
        )


def _trend_chart(rows: list[dict[str, Any]]) -> Any:
    return line_chart(
        [r["month"] for r in rows],
        [
            ("受理", [r["accepted"] for r in rows]),
            ("办结", [r["completed"] for r in rows]),
        ],
        title="月度受理与办结",
    )


def _printed_at(now: datetime) -> str:
    """When the page was made, as a printed report dates itself: 2026年12月7日 13:52."""
    local = now.astimezone(casework.CHINA_TZ)
    return f"{chinese_date(local.date())} {local:%H:%M}"

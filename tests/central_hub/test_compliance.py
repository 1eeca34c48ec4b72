"""Compliance measures on a real SQLite hub with known answers, each computed by hand.

Case rows are written as the projection writes them: the row, then `record_case_changes` in
the same transaction. Where a fixture needs numbers it uses the seed's (the 2018 report of
Liangshan's government service center), scaled to one in a thousand.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

import casework
from central_hub.compliance import CHECKLIST, case_rows, record_case_changes, set_standard
from central_hub.compliance.view import ComplianceReport, compliance
from central_hub.home import HubHome, init_home
from central_hub.store import cases, catalogs
from central_hub.tables import table_to_csv
from sync_protocol import format_timestamp, sign_document

ZHAOJUE, GANLUO = "513431", "513435"
XINCHENG, CHENGBEI = "513431100", "513431101"


def utc(local: str) -> str:
    """China wall-clock time ("2026-03-02 09:00" or with seconds) as a UTC wire timestamp."""
    moment = datetime.fromisoformat(local).replace(tzinfo=casework.CHINA_TZ)
    return format_timestamp(moment.astimezone(UTC))


def prefecture_hub(tmp_path) -> HubHome:
    return init_home(
        tmp_path / "prefecture", tier="prefecture", org_code="513400", name="凉山州政务服务中心"
    )


class CaseWriter:
    """Writes case rows as the projection does: the row, then record_case_changes."""

    def __init__(self, home: HubHome) -> None:
        self.engine = home.engine
        self.count = 0

    def row(
        self,
        center: str,
        accepted: str,
        *,
        completed: str | None = None,
        category: str = "public_service",
        item: str = "SAMPLE-ZR-004",
        due: str | None = None,
        provisional: bool = False,
        status: str | None = None,
    ) -> dict:
        self.count += 1
        return {
            "case_id": f"00000000-0000-7000-8000-{self.count:012d}",
            "case_no": f"{center}-{self.count:06d}",
            "node_id": "",
            "center_code": center,
            "item_code": item,
            "category": category,
            "status": status or ("completed" if completed else "accepted"),
            "accepted_at": utc(accepted),
            "completed_at": utc(completed) if completed else None,
            "updated_at": utc(completed or accepted),
            "county_code": center[:6],
            "holder_center": center,
            "due_date": due,
            "due_provisional": provisional,
            "received_at": "",
        }

    def add_rows(self, rows: list[dict]) -> None:
        with self.engine.begin() as conn:
            conn.execute(cases.insert(), rows)
            record_case_changes(conn, [(None, row) for row in rows])

    def add(self, center: str, accepted: str, **options) -> str:
        row = self.row(center, accepted, **options)
        self.add_rows([row])
        return row["case_id"]

    def update(self, case_id: str, **changes) -> None:
        with self.engine.begin() as conn:
            before = case_rows(conn, [case_id])[case_id]
            conn.execute(cases.update().where(cases.c.case_id == case_id).values(**changes))
            record_case_changes(conn, [(before, changes)])


def report_of(
    home: HubHome,
    *,
    scope: str | None = None,
    since: date = date(2026, 1, 1),
    until: date = date(2026, 12, 31),
    today: date = date(2026, 12, 31),
    silent_days: int = 7,
) -> ComplianceReport:
    with home.engine.connect() as conn:
        return compliance(
            conn,
            scope_county=scope,
            since=since,
            until=until,
            today=today,
            silent_days=silent_days,
        )


def table(report: ComplianceReport, name: str):
    return next(t for t in report.tables() if t.name == name)


def store_catalog(home: HubHome, catalog: casework.Catalog, *, sequence: int = 1) -> None:
    """Stores a signed catalog version as `central-hub catalog publish` does."""
    body = {
        "issuer": catalog.issuer_org_code,
        "tier": "prefecture" if catalog.issuer_org_code == "513400" else "county",
        "sequence": sequence,
        "version": catalog.version,
        "published_at": "2026-01-05T01:00:00.000Z",
        "catalog": casework.catalog_to_dict(catalog),
        "calendar_layers": [],
    }
    document = sign_document("catalog", body, home.signing)
    with home.engine.begin() as conn:
        conn.execute(
            catalogs.insert().values(
                issuer=body["issuer"],
                sequence=sequence,
                version=catalog.version,
                published_at=body["published_at"],
                document=json.dumps(document.to_dict(), ensure_ascii=False),
            )
        )


# --- accepted / completed by category, as the seed tables them --------------------------------


def _seed_year(writer: CaseWriter) -> None:
    """The seed's Jan–Nov 2018 figures at one in a thousand: licensing 235 accepted / 232
    completed, other 1231 / 1205, public service 2243 / 2256 (more completed than accepted:
    56 of them were accepted in December 2017)."""
    rows = []
    plan = (("licensing", 235, 232), ("other_admin", 1231, 1205), ("public_service", 2243, 2200))
    for category, accepted, completed in plan:
        for n in range(accepted):
            day = date(2018, 1, 2) + timedelta(days=n % 330)  # 2018-01-02 .. 2018-11-27
            done = f"{day + timedelta(days=2)} 15:00" if n < completed else None
            rows.append(writer.row(XINCHENG, f"{day} 09:30", category=category, completed=done))
    for _ in range(56):
        rows.append(writer.row(CHENGBEI, "2017-12-20 10:00", completed="2018-01-08 10:00"))
    writer.add_rows(rows)


def test_categories_are_tabled_as_the_seed_when_counting_a_year(tmp_path):
    home = prefecture_hub(tmp_path)
    _seed_year(CaseWriter(home))
    report = report_of(
        home, since=date(2018, 1, 1), until=date(2018, 11, 30), today=date(2018, 11, 30)
    )
    zhaojue = report.unit(ZHAOJUE)
    assert {c: (n.accepted, n.completed) for c, n in zhaojue.categories.items()} == {
        "licensing": (235, 232),
        "other_admin": (1231, 1205),
        "public_service": (2243, 2256),
    }
    assert round(zhaojue.categories["licensing"].rate, 6) == round(232 / 235, 6)  # 98.72%
    assert round(zhaojue.categories["public_service"].rate, 6) == round(2256 / 2243, 6)
    assert (zhaojue.total.accepted, zhaojue.total.completed) == (3709, 3693)
    cases_table = report.tables()[0]
    assert cases_table.name == "compliance_cases"
    total = cases_table.rows[-1]
    assert (total["unit_name"], total["county_code"]) == ("全州合计", "513400")
    shown = {c.key: cases_table.cell_text(total, c) for c in cases_table.columns}
    assert shown["licensing_rate"] == "98.72%"
    assert shown["other_admin_rate"] == "97.89%"
    assert shown["public_service_rate"] == "100.58%"
    header = table_to_csv(cases_table).decode("utf-8-sig").splitlines()[0]
    assert header.startswith("排名,县（市）,区划代码,行政许可受理,行政许可办结,行政许可办结率")


def test_counties_are_ranked_by_completion_rate_when_the_prefecture_is_reviewed(tmp_path):
    home = prefecture_hub(tmp_path)
    writer = CaseWriter(home)
    writer.add("513435100", "2026-03-02 09:00", completed="2026-03-03 09:00")  # 甘洛 1/1
    writer.add(XINCHENG, "2026-03-02 09:00", completed="2026-03-03 09:00")
    writer.add(XINCHENG, "2026-03-02 10:00")  # 昭觉 1/2
    report = report_of(home)
    assert [(u.code, u.rank) for u in report.units[:2]] == [(GANLUO, 1), (ZHAOJUE, 2)]
    assert report.units[2].total.accepted == 0 and report.units[2].total.rate is None
    assert len(report.units) == 17  # the 17 county-level units in force in 2026


def test_a_case_counts_on_its_china_date_when_periods_cut_months(tmp_path):
    home = prefecture_hub(tmp_path)
    writer = CaseWriter(home)
    writer.add(XINCHENG, "2026-01-31 23:30")  # 15:30 UTC on the 31st
    writer.add(XINCHENG, "2026-02-01 00:30")  # still 31 January in UTC
    writer.add(XINCHENG, "2026-02-15 10:00", completed="2026-03-02 10:00")
    writer.add(XINCHENG, "2026-03-10 10:00")
    report = report_of(home, since=date(2026, 1, 31), until=date(2026, 3, 5))
    assert (report.total.total.accepted, report.total.total.completed) == (3, 1)
    trend = [(m.month, m.total.accepted, m.total.completed) for m in report.trend]
    assert trend == [("2026-01", 1, 0), ("2026-02", 2, 0), ("2026-03", 0, 1)]
    february = report_of(home, since=date(2026, 2, 1), until=date(2026, 2, 28))
    assert february.total.total.accepted == 2


def test_a_completion_moves_from_open_to_completed_when_the_case_is_updated(tmp_path):
    home = prefecture_hub(tmp_path)
    writer = CaseWriter(home)
    case_id = writer.add(XINCHENG, "2026-03-02 09:00", due="2026-03-06")
    writer.update(case_id, status="completed", completed_at=utc("2026-04-01 09:00"), due_date=None)
    report = report_of(home, since=date(2026, 3, 1), until=date(2026, 3, 31))
    assert (report.total.total.accepted, report.total.total.completed) == (1, 0)
    april = report_of(home, since=date(2026, 4, 1), until=date(2026, 4, 30))
    assert (april.total.total.accepted, april.total.total.completed) == (0, 1)


# --- e-supervision lights ---------------------------------------------------------------------


def test_open_cases_are_lit_red_and_yellow_when_judged_on_a_friday(tmp_path):
    home = prefecture_hub(tmp_path)
    writer = CaseWriter(home)
    writer.add(XINCHENG, "2026-02-24 09:00", due="2026-03-06")  # red: 5 working days late
    writer.add(XINCHENG, "2026-03-02 09:00", due="2026-03-13")  # yellow: due today
    writer.add(XINCHENG, "2026-03-03 09:00", due="2026-03-16")  # yellow: Monday is 1 day
    writer.add(XINCHENG, "2026-03-03 09:00", due="2026-03-17")  # green: 2 days left
    writer.add(XINCHENG, "2026-02-20 09:00", due="2026-03-02", provisional=True)  # yellow
    writer.add(XINCHENG, "2026-02-20 09:00", completed="2026-02-21 09:00")  # closed
    report = report_of(home, today=date(2026, 3, 13))
    lit = [(w.due_date.isoformat(), w.light, w.working_days_late) for w in report.warnings]
    assert lit == [
        ("2026-03-02", "yellow", 9),
        ("2026-03-06", "red", 5),
        ("2026-03-13", "yellow", 0),
        ("2026-03-16", "yellow", 0),
    ]
    assert (report.unit(ZHAOJUE).red, report.unit(ZHAOJUE).yellow) == (1, 3)
    listed = table(report, "compliance_overdue")
    assert listed.links == {"case_no": "case_id", "center_name": "center_code"}
    assert [row["light"] for row in listed.rows] == ["黄灯", "红灯", "黄灯", "黄灯"]
    assert listed.rows[0]["provisional"] == "是"
    assert listed.rows[1]["center_name"] == "新城镇"


# --- online ratio, standard, single window ----------------------------------------------------


def _items(prefix: str, level: str, count: int, online: int, *, type_code: str = "01") -> list:
    return [
        casework.Item(
            code=f"{prefix}-{n:03d}",
            name=f"测试事项{n}",
            category="licensing",
            type_code=type_code,
            department="测试",
            levels=frozenset({level}),
            online=n < online,
            online_depth=3 if n < online else 0,
        )
        for n in range(count)
    ]


def test_online_ratio_is_the_seeds_when_catalogs_hold_the_seeds_shares(tmp_path):
    home = prefecture_hub(tmp_path)
    # 144 of 230 = 62.61% (州本级); penalties (type 02) are not applied for: left out.
    prefecture = casework.Catalog.of(
        "513400-20260105.1",
        "513400",
        [*_items("P", "prefecture", 230, 144), *_items("X", "prefecture", 5, 5, type_code="02")],
    )
    store_catalog(home, prefecture)
    store_catalog(
        home, casework.Catalog.of("513435-20260105.1", GANLUO, _items("G", "county", 215, 8))
    )
    report = report_of(home)
    assert (report.total.online.items, report.total.online.online) == (230, 144)
    assert (report.unit(GANLUO).online.items, report.unit(GANLUO).online.online) == (215, 8)
    assert report.unit(ZHAOJUE).online.ratio is None  # no county-level items at all
    service = table(report, "compliance_service")
    shown = {row["county_code"]: row for row in service.rows}
    ratio = next(c for c in service.columns if c.key == "online_ratio")
    assert service.cell_text(shown["513400"], ratio) == "62.61%"
    assert service.cell_text(shown[GANLUO], ratio) == "3.72%"
    assert shown[GANLUO]["rank"] == 1
    assert report.catalog_version == "513400-20260105.1"


def test_centers_meet_the_standard_only_when_every_checklist_item_is_met(tmp_path):
    home = prefecture_hub(tmp_path)
    ganluo = [o.code for o in casework.children_of(GANLUO)]
    zhaojue = [o.code for o in casework.children_of(ZHAOJUE)]
    with home.engine.begin() as conn:
        for code in [*ganluo, *zhaojue[:13]]:  # the seed: 甘洛 100% 达标
            set_standard(conn, code, "all", met=True, by="州中心", now="2026-03-02T01:00:00.000Z")
        set_standard(
            conn,
            zhaojue[12],
            "hall_area",
            met=False,
            note="42 m²",
            by="州中心",
            now="2026-03-03T01:00:00.000Z",
        )
    report = report_of(home)
    assert (len(ganluo), len(zhaojue)) == (13, 20)
    assert (report.unit(GANLUO).standard_met, report.unit(GANLUO).standard_centers) == (13, 13)
    assert (report.unit(ZHAOJUE).standard_met, report.unit(ZHAOJUE).standard_centers) == (12, 20)
    assert (report.total.standard_met, report.total.standard_centers) == (25, 304)
    assert report.unit(ZHAOJUE).standard_share == 0.6
    failing = next(
        r for r in table(report, "compliance_standards").rows if r["center_code"] == zhaojue[12]
    )
    assert (failing["met"], failing["met_items"], failing["missing"]) == (
        "未达标",
        len(CHECKLIST) - 1,
        "场所面积达标",
    )


def test_single_window_share_counts_items_marked_single_window(tmp_path):
    home = prefecture_hub(tmp_path)
    writer = CaseWriter(home)
    for _ in range(3):
        writer.add(XINCHENG, "2026-03-02 09:00", item="SAMPLE-ZR-004")  # 一窗受理
    writer.add(XINCHENG, "2026-03-02 09:00", item="SAMPLE-GA-004", category="other_admin")
    report = report_of(home, scope=ZHAOJUE)
    xincheng = report.unit(XINCHENG)
    assert (xincheng.single_window, xincheng.total.accepted) == (3, 4)
    assert xincheng.single_window_share == 0.75


# --- patterns ---------------------------------------------------------------------------------


def _at(day: str, minute: float) -> str:
    moment = datetime.fromisoformat(f"{day} 09:00") + timedelta(minutes=minute)
    return moment.isoformat(sep=" ")


def test_bursts_are_found_when_twenty_cases_fall_in_thirty_minutes(tmp_path):
    home = prefecture_hub(tmp_path)
    writer = CaseWriter(home)
    rows = [writer.row(XINCHENG, _at("2026-03-02", 1.5 * n)) for n in range(20)]
    rows += [writer.row(CHENGBEI, _at("2026-03-02", 1.5 * n)) for n in range(19)]  # 19: none
    rows += [writer.row("513431102", _at("2026-03-02", n % 10 + 20 * (n // 10))) for n in range(20)]
    rows += [
        writer.row("513431103", _at("2026-03-02", 60 + n % 10 + 30 * (n // 10))) for n in range(20)
    ]
    writer.add_rows(rows)
    found = [
        (p.center_code, p.start, p.end, p.cases)
        for p in report_of(home, scope=ZHAOJUE).patterns
        if p.pattern == "burst"
    ]
    assert found == [
        (XINCHENG, "2026-03-02T09:00", "2026-03-02T09:30", 20),
        ("513431102", "2026-03-02T09:00", "2026-03-02T09:30", 20),
    ]


def test_same_minute_counts_only_cases_completed_less_than_a_minute_after_acceptance(tmp_path):
    home = prefecture_hub(tmp_path)
    writer = CaseWriter(home)
    writer.add(XINCHENG, "2026-03-02 09:00:00", completed="2026-03-02 09:00:59")
    writer.add(XINCHENG, "2026-03-02 09:10:00", completed="2026-03-02 09:11:00")
    report = report_of(home, scope=ZHAOJUE)
    assert report.unit(XINCHENG).same_minute == 1
    (finding,) = [p for p in report.patterns if p.pattern == "same_minute"]
    assert (finding.center_code, finding.cases, finding.detail) == (XINCHENG, 1, "占受理 50.0%")


def _working_days(first: date, last: date) -> list[date]:
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [d for d in days if d.weekday() < 5]


def test_a_busy_day_after_a_long_silence_is_found_and_a_weekend_is_no_silence(tmp_path):
    home = prefecture_hub(tmp_path)
    writer = CaseWriter(home)
    rows = []
    for center in ("513431103", "513431104"):
        for day in _working_days(date(2026, 3, 2), date(2026, 3, 13)):  # 10 days, 2 a day
            rows += [writer.row(center, f"{day} 10:00"), writer.row(center, f"{day} 14:00")]
    # 513431103: silent 16–25 March (8 working days), then 30 cases on the 26th.
    rows += [writer.row("513431103", _at("2026-03-26", 15 * n - 30)) for n in range(30)]
    # 513431104: silent only 16–20 March (5 working days), then 30 cases on the 23rd.
    rows += [writer.row("513431104", _at("2026-03-23", 15 * n - 30)) for n in range(30)]
    writer.add_rows(rows)
    report = report_of(home, scope=ZHAOJUE, since=date(2026, 3, 1), until=date(2026, 3, 31))
    found = [p for p in report.patterns if p.pattern == "silence_burst"]
    assert [(p.center_code, p.start, p.cases) for p in found] == [("513431103", "2026-03-26", 30)]
    assert "此前 8 个工作日无受理" in found[0].detail and "日中位数 2 件" in found[0].detail
    assert report.unit("513431103").silence_bursts == 1
    assert not [p for p in report.patterns if p.pattern == "burst"]


# --- scope ------------------------------------------------------------------------------------


def test_a_county_report_holds_no_row_of_another_county(tmp_path):
    home = prefecture_hub(tmp_path)
    writer = CaseWriter(home)
    for center in (XINCHENG, "513435100", GANLUO):
        writer.add(center, "2026-03-02 09:00", due="2026-03-03")
        writer.add(center, "2026-03-02 09:00:00", completed="2026-03-02 09:00:10")
        writer.add_rows([writer.row(center, _at("2026-03-03", n)) for n in range(25)])
    with home.engine.begin() as conn:
        for center in (CHENGBEI, "513435101"):
            set_standard(conn, center, "all", met=True, by="t", now="2026-03-02T01:00:00.000Z")
    report = report_of(home, scope=ZHAOJUE, today=date(2026, 3, 13))
    assert report.total.total.accepted == 27
    for shown in report.tables():
        for row in shown.rows:
            for key in ("center_code", "county_code"):
                if row.get(key):
                    assert row[key].startswith(ZHAOJUE), (shown.name, row)
    assert {w.center_code for w in report.warnings} == {XINCHENG}
    assert {p.center_code for p in report.patterns} == {XINCHENG}
    prefecture = report_of(home, today=date(2026, 3, 13))
    assert prefecture.total.total.accepted == 81


def test_bad_periods_are_refused(tmp_path):
    from central_hub.errors import HubError

    home = prefecture_hub(tmp_path)
    with pytest.raises(HubError):
        report_of(home, since=date(2026, 3, 2), until=date(2026, 3, 1))
    with home.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one() == 0

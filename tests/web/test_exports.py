"""A downloaded table says what its page says: rates as the page shows them (33.33%), times in
China time, in CSV and XLSX alike; XLSX keeps rates as percent-formatted numbers and times as
date-time cells so a spreadsheet can still add and sort them."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from tests.web.conftest import ZHAOJUE, ZHAOJUE_TOWNSHIP

pytestmark = pytest.mark.anyio


class _TableCells(HTMLParser):
    """The header and body cells of the table in one `section#t-<name>`, as text."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name, self.inside, self.cell = name, 0, None
        self.rows: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self.inside = self.inside + 1 if self.inside else int(("id", f"t-{self.name}") in attrs)
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self.inside:
            self.inside -= 1
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell += data


def page_table(html: str, name: str) -> list[dict[str, str]]:
    parser = _TableCells(name)
    parser.feed(html)
    header, *rows = parser.rows
    header = [label.rstrip(" ▲▼") for label in header]  # the sorted column's arrow
    return [dict(zip(header, row, strict=True)) for row in rows]


def csv_table(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


async def test_csv_rate_and_last_sync_cells_equal_the_page_cells(browser):
    client = await browser("zj-admin")
    page = page_table((await client.get(f"/dash/county/{ZHAOJUE}")).text, "centers")
    exported = csv_table((await client.get(f"/dash/export/centers.csv?county={ZHAOJUE}")).content)
    shown = next(row for row in page if row["区划代码"] == ZHAOJUE_TOWNSHIP)
    written = next(row for row in exported if row["区划代码"] == ZHAOJUE_TOWNSHIP)
    assert shown["办结率"] == "33.33%"  # 1 of 3 completed
    assert written["办结率"] == shown["办结率"]
    assert shown["最近同步"] and written["最近同步"] == shown["最近同步"]


async def test_csv_case_times_equal_the_page_in_china_time(browser):
    client = await browser("zj-admin")
    query = f"center={ZHAOJUE_TOWNSHIP}"
    page = page_table((await client.get(f"/dash/township/{ZHAOJUE_TOWNSHIP}")).text, "cases")
    exported = csv_table((await client.get(f"/dash/export/cases.csv?{query}")).content)
    by_number = {row["办件编号"]: row for row in exported}
    for shown in page:
        assert by_number[shown["办件编号"]]["受理时间"] == shown["受理时间"]
        assert by_number[shown["办件编号"]]["办结时间"] == shown["办结时间"]


async def test_xlsx_keeps_rates_as_percent_numbers_and_times_as_china_date_times(browser):
    client = await browser("zj-admin")
    page = page_table((await client.get(f"/dash/county/{ZHAOJUE}")).text, "centers")
    shown = next(row for row in page if row["区划代码"] == ZHAOJUE_TOWNSHIP)
    answer = await client.get(f"/dash/export/centers.xlsx?county={ZHAOJUE}")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == ZHAOJUE_TOWNSHIP)
    rate, last_sync = row[header.index("办结率")], row[header.index("最近同步")]
    assert rate.value == pytest.approx(1 / 3) and rate.number_format == "0.00%"
    assert isinstance(last_sync.value, datetime)
    assert last_sync.value.strftime("%Y-%m-%d %H:%M") == shown["最近同步"]
    assert last_sync.number_format == "yyyy-mm-dd hh:mm"


async def test_json_keeps_the_wire_values_it_documents(browser):
    client = await browser("zj-admin")
    document = (await client.get(f"/dash/export/centers.json?county={ZHAOJUE}")).json()
    row = next(r for r in document["rows"] if r["center_code"] == ZHAOJUE_TOWNSHIP)
    assert row["completion_rate"] == pytest.approx(1 / 3)
    assert row["last_contact"].endswith("Z")  # UTC wire text, as docs/operations.md says

"""Tests for importing catalog spreadsheets: every bad row reported, nothing imported."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from casework import (
    CatalogImportError,
    Delegation,
    Material,
    RowError,
    import_catalog_rows,
    read_catalog_file,
)

HEADERS = [
    "事项编码", "事项名称", "类别", "事项类型代码", "实施部门", "行使层级", "权力来源",
    "法定时限（工作日）", "承诺时限（工作日）", "是否收费", "收费标准（元）", "是否网办",
    "网办深度", "办理流程", "一窗受理", "生效日期", "失效日期", "申请材料", "下放记录",
    "下放依据", "备注",
]  # fmt: skip
GOOD = [
    "MZ-101", "最低生活保障审核确认", "其他行政权力", "05", "民政", "县级", "上级下放",
    "30", "20", "否", "", "是", "Ⅲ", "五步", "是", "2020-01-01", "",
    "居民身份证[关键]；低保申请书[关键]；家庭经济状况证明[已取消]；收入证明[可承诺]",
    "县级>乡镇级@2021-03-01", "川办发〔2020〕85号", "示例",
]  # fmt: skip
FEE = [
    "ZR-101", "不动产登记（首次登记）", "其他行政权力", "07", "自然资源", "县级", "1",
    "30", "10", "是", "80", "是", "3", "five_step", "否", "", "", "居民身份证[key]", "", "", "",
]  # fmt: skip


def _row(values: list[str]) -> dict[str, str]:
    return dict(zip(HEADERS, values, strict=True))


def _bad_rows() -> list[list[str]]:
    """Rows 3-6 of the sheet are bad in four different ways; rows 2 and 7 are fine."""
    bad_category = [*GOOD[:1], "事项甲", "税务事项", *GOOD[3:]]
    bad_category[0] = "X-1"
    bad_limits = [*FEE]
    bad_limits[0], bad_limits[7], bad_limits[8] = "X-2", "10", "15"  # promised > statutory
    bad_cells = [*FEE]
    bad_cells[0], bad_cells[10], bad_cells[18] = "X-3", "八十", "县级>乡镇级@2021-13-01"
    duplicate = [*GOOD]  # same code as row 2
    return [GOOD, bad_category, bad_limits, bad_cells, duplicate, FEE]


def _expected_errors() -> list[tuple[int, str]]:
    return [
        (3, "类别"),
        (4, "承诺时限（工作日）"),
        (5, "收费标准（元）"),
        (5, "下放记录"),
        (6, "事项编码"),
    ]


def test_import_builds_items_when_every_row_is_good() -> None:
    catalog = import_catalog_rows([_row(GOOD), _row(FEE)], version="v1", issuer_org_code="513400")
    item = catalog.get("MZ-101")
    assert (item.category, item.type_code, item.power_source, item.online_depth) == (
        "other_admin",
        "05",
        "2",
        3,
    )
    assert item.materials == (
        Material("居民身份证", key=True),
        Material("低保申请书", key=True),
        Material("家庭经济状况证明", certificate="cancelled"),
        Material("收入证明", promise_allowed=True),
    )
    assert item.delegations == (
        Delegation("county", "township", date(2021, 3, 1), None, "川办发〔2020〕85号"),
    )
    fee_item = catalog.get("ZR-101")
    assert (fee_item.charged, fee_item.fee_standard_yuan, fee_item.single_window) == (
        True,
        Decimal("80.00"),
        False,
    )


def test_import_reports_every_bad_row_and_imports_nothing_when_rows_are_bad() -> None:
    with pytest.raises(CatalogImportError) as caught:
        import_catalog_rows([_row(r) for r in _bad_rows()])
    assert [(e.row, e.column) for e in caught.value.rows] == _expected_errors()
    assert all(e.reason for e in caught.value.rows)
    assert caught.value.to_dict()["rows"][0]["row"] == 3


def test_read_csv_reports_every_bad_row_when_file_has_several(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file).writerows([HEADERS, *_bad_rows()])
    with pytest.raises(CatalogImportError) as caught:
        read_catalog_file(path)
    assert [(e.row, e.column) for e in caught.value.rows] == _expected_errors()


def test_read_csv_decodes_gbk_when_saved_by_chinese_excel(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    with path.open("w", encoding="gb18030", newline="") as file:
        csv.writer(file).writerows([HEADERS, GOOD])
    assert read_catalog_file(path, version="v2").get("MZ-101").name == "最低生活保障审核确认"


def test_read_xlsx_counts_rows_as_the_sheet_shows_when_blank_rows_exist(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    rows = _bad_rows()
    sheet.append(rows[0])
    sheet.append([None] * len(HEADERS))  # blank row 3 is skipped but still counted
    for row in rows[1:]:
        sheet.append(row)
    sheet.cell(row=2, column=4, value=5)  # Excel stored type code "05" as the number 5
    sheet.cell(row=2, column=16, value=date(2020, 1, 1))  # a real date cell
    path = tmp_path / "catalog.xlsx"
    book.save(path)
    with pytest.raises(CatalogImportError) as caught:
        read_catalog_file(path)
    assert [(e.row, e.column) for e in caught.value.rows] == [
        (row + 1, column) for row, column in _expected_errors()
    ]


def test_read_xlsx_imports_when_every_row_is_good(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    for values in (HEADERS, GOOD, FEE):
        book.active.append(values)
    path = tmp_path / "catalog.xlsx"
    book.save(path)
    assert set(read_catalog_file(path).items) == {"MZ-101", "ZR-101"}


def test_import_reports_header_problems_at_row_1_when_columns_are_wrong() -> None:
    row = {k: v for k, v in _row(GOOD).items() if k != "事项名称"}
    row["办理时间"] = "工作日"
    with pytest.raises(CatalogImportError) as caught:
        import_catalog_rows([row])
    assert caught.value.rows == (
        RowError(1, "办理时间", "无法识别的列名（unknown column）"),
        RowError(1, "事项名称", "缺少必需的列（missing column）"),
    )


def test_import_builds_item_when_headers_and_values_are_english() -> None:
    row = {
        "code": "E-1", "name": "Test", "category": "public_service", "type_code": "20",
        "department": "人社", "levels": "county;township", "promised_limit_days": "即办",
        "workflow": "two_step", "online_depth": "4", "materials": "ID card[key]; Photo",
    }  # fmt: skip
    item = import_catalog_rows([row]).get("E-1")
    assert (item.levels, item.promised_limit_days, item.online) == (
        frozenset({"county", "township"}),
        0,
        True,
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("行使层级", "村级"),
        ("是否收费", "也许"),
        ("网办深度", "5"),
        ("申请材料", "身份证[重要]"),
        ("下放记录", "乡镇级>县级@2021-03-01"),  # upward
        ("失效日期", "2020年1月1日"),
        ("事项类型代码", "A1"),
        ("权力来源", "7"),
        ("办理流程", "三步"),
    ],
)
def test_import_names_the_column_when_a_cell_is_bad(column: str, value: str) -> None:
    row = _row(GOOD)
    row[column] = value
    with pytest.raises(CatalogImportError) as caught:
        import_catalog_rows([row])
    assert [(e.row, e.column) for e in caught.value.rows] == [(2, column)]


def test_import_reports_empty_file_when_no_rows() -> None:
    with pytest.raises(CatalogImportError):
        import_catalog_rows([])


def test_read_raises_import_error_when_file_type_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "catalog.ods"
    path.write_bytes(b"")
    with pytest.raises(CatalogImportError):
        read_catalog_file(path)

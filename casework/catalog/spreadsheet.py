"""Provides import of catalog spreadsheets (.csv, .xlsx): all-or-nothing, every bad row reported.

Admins keep item lists in spreadsheets (one item per row, header in row 1). The importer checks
every row, collects every problem as a :class:`~casework.errors.RowError` (row number as the
spreadsheet shows it, the column header as written, and why) and raises
:class:`~casework.errors.CatalogImportError` with all of them, importing nothing, if any row is
bad. Column headers may be Chinese or English; see ``COLUMNS`` and docs/domain.md.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from casework.catalog.cells import PARSERS, CellError, parse_delegations
from casework.catalog.items import Catalog, Item
from casework.errors import CaseworkError, CatalogImportError, RowError

__all__ = ["COLUMNS", "import_catalog_rows", "read_catalog_file"]

# Canonical key -> accepted headers (compared after dropping bracketed notes and spaces).
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "code": ("事项编码", "实施编码", "code"),
    "name": ("事项名称", "name"),
    "category": ("类别", "事项类别", "category"),
    "type_code": ("事项类型代码", "事项类型", "type_code"),
    "department": ("实施部门", "部门", "department"),
    "levels": ("行使层级", "levels"),
    "power_source": ("权力来源", "power_source"),
    "statutory_limit_days": ("法定时限", "法定办结时限", "statutory_limit_days"),
    "promised_limit_days": ("承诺时限", "承诺办结时限", "promised_limit_days"),
    "charged": ("是否收费", "charged"),
    "fee_standard_yuan": ("收费标准", "fee_standard_yuan"),
    "online": ("是否网办", "online"),
    "online_depth": ("网办深度", "网上办理深度", "online_depth"),
    "workflow": ("办理流程", "workflow"),
    "single_window": ("一窗受理", "single_window"),
    "valid_from": ("生效日期", "valid_from"),
    "valid_until": ("失效日期", "valid_until"),
    "materials": ("申请材料", "materials"),
    "delegations": ("下放记录", "delegations"),
    "delegation_basis": ("下放依据", "delegation_basis"),
}
_REQUIRED = ("code", "name", "category", "type_code", "department", "levels", "promised_limit_days")
_IGNORED_HEADERS = frozenset({"备注", "note", "notes"})


def _header_key(header: str) -> str:
    return re.sub(r"[（(][^）)]*[）)]|\s", "", header).lower()


_HEADER_LOOKUP = {_header_key(h): key for key, headers in COLUMNS.items() for h in headers}


_DEFAULTS = {"single_window": True, "workflow": "five_step"}


@dataclass(frozen=True, slots=True)
class _Header:
    columns: Mapping[str, str]  # canonical key -> header as written
    errors: tuple[RowError, ...]


def _read_header(headers: Iterable[str]) -> _Header:
    columns: dict[str, str] = {}
    errors = []
    for header in headers:
        key = _HEADER_LOOKUP.get(_header_key(header))
        if key is None and _header_key(header) not in _IGNORED_HEADERS and header.strip():
            errors.append(RowError(1, header, "无法识别的列名（unknown column）"))
        elif key in columns:
            errors.append(RowError(1, header, f"与“{columns[key]}”重复（duplicate column）"))
        elif key is not None:
            columns[key] = header
    for key in _REQUIRED:
        if key not in columns:
            errors.append(RowError(1, COLUMNS[key][0], "缺少必需的列（missing column）"))
    return _Header(columns, tuple(errors))


def _parse_row(number: int, row: Mapping[str, str], header: _Header) -> Item | list[RowError]:
    values: dict[str, Any] = dict(_DEFAULTS)
    errors = []
    for key, column in header.columns.items():
        text = row.get(column) or ""
        if key in _REQUIRED and not text.strip():
            errors.append(RowError(number, column, "必填项为空（required）"))
            continue
        try:
            if key == "delegations":
                values[key] = parse_delegations(text, _basis(row, header))
            elif key != "delegation_basis" and text.strip():
                values[key] = PARSERS[key](text)
        except CellError as exc:
            errors.append(RowError(number, column, str(exc)))
    if errors:
        return errors
    values["online"] = values.get("online", values.get("online_depth", 0) > 0)
    values["charged"] = values.get("charged", values.get("fee_standard_yuan", 0) > 0)
    try:
        return Item(**values)
    except CaseworkError as exc:
        key = (exc.field or "").split(".")[0]
        return [RowError(number, header.columns.get(key, key), exc.message_zh)]


def _basis(row: Mapping[str, str], header: _Header) -> str:
    column = header.columns.get("delegation_basis")
    return (row.get(column) or "") if column else ""


def _import_numbered(
    rows: Iterable[tuple[int, Mapping[str, str]]],
    headers: Iterable[str],
    version: str,
    issuer_org_code: str,
) -> Catalog:
    header = _read_header(headers)
    errors = list(header.errors)
    items: dict[str, tuple[int, Item]] = {}
    for number, row in rows:
        parsed = _parse_row(number, row, header) if not header.errors else []
        if isinstance(parsed, list):
            errors.extend(parsed)
        elif parsed.code in items:
            errors.append(
                RowError(
                    number,
                    header.columns["code"],
                    f"事项编码 {parsed.code} 与第 {items[parsed.code][0]} 行重复",
                )
            )
        else:
            items[parsed.code] = (number, parsed)
    if not items and not errors:
        errors.append(RowError(2, "", "文件中没有事项（no items）"))
    if errors:
        raise CatalogImportError(errors)
    return Catalog.of(version, issuer_org_code, (item for _, item in items.values()))


def import_catalog_rows(
    rows: Iterable[Mapping[str, str]], *, version: str = "draft", issuer_org_code: str = ""
) -> Catalog:
    """Import catalog rows (e.g. from ``csv.DictReader``); the first row is spreadsheet row 2.

    Args:
        rows: One mapping per item, keyed by column header.
        version: Version to give the catalog.
        issuer_org_code: Code of the issuing org.

    Returns:
        The catalog.

    Raises:
        CatalogImportError: With every bad row; nothing is imported.
    """
    numbered = [(i, row) for i, row in enumerate(rows, start=2)]
    headers = list(numbered[0][1]) if numbered else list(COLUMNS["code"][:1])
    return _import_numbered(numbered, headers, version, issuer_org_code)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _numbered(table: list[list[str]]) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Split a table into its header and (spreadsheet row number, row) pairs, skipping blanks."""
    headers = table[0] if table else []
    rows = [
        (number, dict(zip(headers, cells, strict=False)))
        for number, cells in enumerate(table[1:], start=2)
        if any(cell.strip() for cell in cells)
    ]
    return headers, rows


def _csv_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    raw = path.read_bytes()
    try:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")  # Excel on Chinese Windows saves CSV as GBK
        table = list(csv.reader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        message = f"无法读取 CSV 文件，请另存为 UTF-8 CSV（not a readable CSV: {exc}）"
        raise CatalogImportError([RowError(0, "", message)]) from exc
    return _numbered(table)


def _xlsx_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    # Imported here: only the hub's import command needs it, not the clerk app's start-up.
    import openpyxl  # type: ignore[import-untyped]

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # e.g. "no default style"; harmless
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        # Not an .xlsx at all (renamed, truncated on the stick): one clear error, no traceback.
        message = f"无法读取 Excel 文件（not a readable .xlsx: {exc.__class__.__name__}）"
        raise CatalogImportError([RowError(0, "", message)]) from exc
    try:
        table = [
            [_cell_text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)
        ]
    finally:
        book.close()
    return _numbered(table)


def read_catalog_file(
    path: str | Path, *, version: str = "draft", issuer_org_code: str = ""
) -> Catalog:
    """Read and import a catalog spreadsheet (.csv in UTF-8 or GBK, or .xlsx first sheet).

    Args:
        path: The file.
        version: Version to give the catalog.
        issuer_org_code: Code of the issuing org.

    Returns:
        The catalog.

    Raises:
        CatalogImportError: With every bad row (or the unsupported file type); nothing is imported.
    """
    file = Path(path)
    readers = {".csv": _csv_rows, ".xlsx": _xlsx_rows}
    if file.suffix.lower() not in readers:
        raise CatalogImportError(
            [RowError(0, "", f"不支持的文件类型 {file.suffix}（仅支持 .csv、.xlsx）")]
        )
    headers, rows = readers[file.suffix.lower()](file)
    return _import_numbered(rows, headers, version, issuer_org_code)

"""Export: every record behind one number, as a CSV or Excel file.

The records are exactly those `drill` pages through (same request, same row-level scope), all
of them up to `EXPORT_LIMIT`; more than that is refused with a message saying how to narrow
the request, never cut silently. Without the personal-data permission phones, e-mail
addresses and WeChat ids are masked (`revlens.cdp.privacy`). Times are written in the
workspace time zone without an offset (what Excel shows as a time); amounts as numbers.

CSV is UTF-8 with a byte-order mark, so Excel opens Chinese text correctly; XLSX has one sheet
with a bold header row. Text that a spreadsheet would run as a formula (a lead named
`=HYPERLINK(...)` from a web form) stays text: in CSV it is prefixed with `'`, in XLSX the
cell is typed as text.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

import ibis
from pydantic import BaseModel

from revlens.cdp.privacy import masked_record
from revlens.errors import RevLensError
from revlens.metrics.catalog import Catalog
from revlens.metrics.drill import drill_records
from revlens.metrics.query import DrillRequest
from revlens.metrics.scope import Scope
from revlens.warehouse import Warehouse

EXPORT_LIMIT = 100_000
ExportFormat = Literal["csv", "xlsx"]
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class ExportTooLarge(RevLensError):
    def __init__(self, metric: str, total: int, limit: int):
        self.metric, self.total, self.limit = metric, total, limit
        super().__init__(f"{metric} has {total:,} records here, more than the {limit:,} one "
                         "export holds; narrow the period or add filters and export again")


class Export(BaseModel):
    """The records of one export, ready to write."""

    metric: str
    model: str
    columns: list[str]
    rows: list[list[object]]
    scope: str

    def filename(self, fmt: ExportFormat, day: datetime) -> str:
        return f"{self.metric}-{day:%Y%m%d}.{fmt}"


def _cell(value: object, zone: ZoneInfo) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        local = value.astimezone(zone) if value.tzinfo else value
        return local.replace(tzinfo=None)
    return value


def export_records(wh: Warehouse, request: DrillRequest, scope: Scope | None = None,
                   pii: bool = True, catalog: Catalog | None = None,
                   limit: int = EXPORT_LIMIT) -> Export:
    """Every record behind the number `request` points at, in `scope` (request.limit and
    request.offset are ignored); raises ExportTooLarge beyond `limit` records."""
    scope = scope or Scope.everything()
    leaf, t, compiler = drill_records(wh, request, scope, catalog)
    model = compiler.model_of(leaf)
    total = int(wh.execute(t.count()))
    if total > limit:
        raise ExportTooLarge(request.metric, total, limit)
    columns = [c for c in model.record_columns if c in t.columns]
    listed = t.select(*columns).order_by([ibis.desc(compiler.time_column(leaf)),
                                          model.key if model.key in columns else columns[0]])
    zone = ZoneInfo(wh.settings.timezone)
    records = wh.to_arrow(listed).to_pylist()
    rows = [[_cell(r[c], zone) for c in columns] for r in
            (masked_record(record, pii) for record in records)]
    return Export(metric=request.metric, model=model.name, columns=columns, rows=rows,
                  scope=scope.describe())


def formula_like(value: object) -> bool:
    """Text a spreadsheet would evaluate: starting with = or @, a tab or a line break, or +/-
    not followed by a number (a phone such as +86 138 0000 0000 is left alone)."""
    if not isinstance(value, str) or not value:
        return False
    if value[0] in "=@\t\r\n":
        return True
    return value[0] in "+-" and not all(c.isdigit() or c in " -()." for c in value[1:])


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return f"'{value}" if formula_like(value) else value


def to_csv(export: Export) -> bytes:
    """UTF-8 with a byte-order mark (Excel then reads Chinese correctly)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(export.columns)
    for row in export.rows:
        writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def to_xlsx(export: Export) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(export.metric[:31])
    bold = Font(bold=True)
    header = []
    for name in export.columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)

    def text(value: object) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"       # text, not a formula
        return cell

    for row in export.rows:
        sheet.append([text(v) if formula_like(v) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


WRITERS = {"csv": to_csv, "xlsx": to_xlsx}

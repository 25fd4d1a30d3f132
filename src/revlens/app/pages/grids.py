"""Record tables: AG Grid with sorting, column filters, locale-formatted numbers and dates, links
to customer 360, and CSV / XLSX export of exactly the rows the viewer may see."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape
from urllib.parse import quote

from nicegui import run, ui
from openpyxl import Workbook

from revlens.app import context
from revlens.app.i18n import t

AMOUNT_COLUMNS = {"amount", "paid_amount", "cost", "spend", "budget", "expected_amount",
                  "amount_cny", "order_amount", "payment_amount", "list_price", "discount",
                  "cost_amount", "value", "revenue", "pipeline", "credit_amount"}
PERSON_KEYS = ("person_id", "lead_id", "contact_id")


def _currency_formatter(locale: str, currency: str) -> str:
    return ("(p) => (p.value === null || p.value === undefined || p.value === '') ? '' : "
            f"new Intl.NumberFormat('{locale}', {{style: 'currency', currency: '{currency}'}})"
            ".format(p.value)")


def _number_formatter(locale: str) -> str:
    return ("(p) => (typeof p.value === 'number') ? "
            f"new Intl.NumberFormat('{locale}').format(p.value) : p.value")


def column_defs(columns: Sequence[str], rows: Sequence[dict], locale: str,
                currency: str = "CNY") -> list[dict]:
    """One sortable, filterable column per field; amounts in the currency, numbers grouped,
    customer keys as links to their 360 page (rendered as HTML: values are escaped first)."""
    defs = []
    for name in columns:
        sample = next((r[name] for r in rows if r.get(name) is not None), None)
        column: dict = {"field": name, "headerName": t(name, locale), "sortable": True,
                        "filter": True, "resizable": True}
        if isinstance(sample, int | float) and not isinstance(sample, bool):
            column["filter"] = "agNumberColumnFilter"
            column["type"] = "rightAligned"
            column[":valueFormatter"] = (_currency_formatter(locale, currency)
                                         if name in AMOUNT_COLUMNS else _number_formatter(locale))
        defs.append(column)
    return defs


def customer_links(rows: Sequence[dict]) -> list[dict]:
    """Rows with a `_360` HTML link to the customer 360 page of the record's person or
    account (values escaped)."""
    out = []
    for row in rows:
        href = None
        for key in PERSON_KEYS:
            if row.get(key):
                value = row[key] if key == "person_id" else f"{key}:{row[key]}"
                href = f"/customers/person/{quote(str(value), safe='')}"
                break
        if href is None and row.get("account_id"):
            href = f"/customers/account/{quote(str(row['account_id']), safe='')}"
        link = f'<a href="{escape(href)}" class="text-indigo-8">360</a>' if href else ""
        out.append({**row, "_360": link})
    return out


def records_grid(columns: Sequence[str], rows: Sequence[dict], locale: str, *,
                 height: str = "24rem", links: bool = True, testid: str = "records",
                 currency: str = "CNY") -> ui.aggrid:
    shown = customer_links(rows) if links else list(rows)
    defs = column_defs(columns, rows, locale, currency)
    html_columns = []
    if links and any(r["_360"] for r in shown):
        defs.insert(0, {"field": "_360", "headerName": "360", "width": 70, "pinned": "left",
                        "sortable": False, "filter": False})
        html_columns = [0]
    grid = ui.aggrid({"columnDefs": defs, "rowData": shown, "pagination": True,
                      "paginationPageSize": 50, "defaultColDef": {"minWidth": 90}},
                     html_columns=html_columns, auto_size_columns=len(defs) <= 8)
    return grid.classes("w-full").style(f"height: {height}").props(f"data-testid={testid}")


def as_csv(columns: Sequence[str], rows: Sequence[dict], locale: str) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([t(c, locale) for c in columns])
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(columns: Sequence[str], rows: Sequence[dict], locale: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("RevLens")
    sheet.append([t(c, locale) for c in columns])
    for row in rows:
        sheet.append([_cell(row.get(c)) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, list | dict | tuple):
        return str(value)
    return value


def export_buttons(name: str, rows: Callable[[], tuple[Sequence[str], Sequence[dict]]],
                   locale: str, user: str, what: str) -> None:
    """CSV and XLSX download buttons; each export is written to the audit log."""
    async def download(kind: str) -> None:
        columns, records = await run.io_bound(rows)
        data = as_csv(columns, records, locale) if kind == "csv" else \
            as_xlsx(columns, records, locale)
        context.app_db().audit(user, "export", what, {"format": kind, "rows": len(records)},
                               None)
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        ui.download.content(data, f"{name}-{stamp}.{kind}")

    with ui.row().classes("gap-1"):
        ui.button("CSV", icon="download", on_click=lambda: download("csv")).props(
            f"flat dense no-caps data-testid={name}-csv")
        ui.button("XLSX", icon="download", on_click=lambda: download("xlsx")).props(
            f"flat dense no-caps data-testid={name}-xlsx")

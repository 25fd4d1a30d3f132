"""Ad-platform report exports in the shapes the platforms produce, cut from ``ad_spend``.

One file per platform and month for the last :data:`EXPORT_MONTHS` months. Every data row is an
``ad_spend`` row, so the files reconcile with it exactly (totals rows excluded). The shapes:

- ``baidu_<month>.csv`` - 百度营销: GBK, a title line and a date-range line above the header,
  ``--`` for zero / not applicable, a ``合计`` totals row.
- ``tencent_<month>.xlsx`` - 腾讯广告: one sheet, header in row 1.
- ``oceanengine_<month>.csv`` - 巨量引擎: UTF-8 with BOM, a ``总计`` totals row.
- ``google_ads_<month>.csv`` - Google Ads: two title lines, thousands separators, one
  ``Total: Account`` row per currency at the end.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

EXPORT_MONTHS = ("2026-08", "2026-09", "2026-10")
_FIXED_TIME = (2026, 10, 31, 0, 0, 0)
_MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"]


def _month_rows(spend: pd.DataFrame, months: np.ndarray, platform: str,
                month: str) -> pd.DataFrame:
    rows = spend[(spend["platform"].to_numpy() == platform)
                 & (months == np.datetime64(month, "M"))].copy()
    rows["date"] = np.datetime_as_string(rows["day"].to_numpy().astype("datetime64[D]"))
    rows["yuan"] = rows["cost"].to_numpy() / 100
    return rows.sort_values(["day", "campaign_name", "ad_group", "keyword"], kind="stable")


def _pct(clicks: np.ndarray, impressions: np.ndarray) -> list[str]:
    rate = np.divide(clicks, impressions, out=np.zeros(len(clicks)), where=impressions > 0)
    return [f"{r:.2%}" for r in rate]


def _cpc(cost: np.ndarray, clicks: np.ndarray) -> np.ndarray:
    return np.divide(cost, clicks, out=np.zeros(len(cost)), where=clicks > 0)


def _dash(values: list[str], zero: np.ndarray) -> list[str]:
    return ["--" if z else v for v, z in zip(values, zero, strict=True)]


def _month_range(month: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, nxt - timedelta(days=1)


def write_baidu(path: Path, rows: pd.DataFrame, month: str) -> None:
    first, last = _month_range(month)
    imp, clk = rows["impressions"].to_numpy(), rows["clicks"].to_numpy()
    cost, conv = rows["yuan"].to_numpy(), rows["platform_conversions"].to_numpy()
    keyword = rows["keyword"].replace("", "--").to_numpy()
    table = zip(rows["date"], rows["campaign_name"], rows["ad_group"], keyword,
                _dash([str(v) for v in imp], imp == 0), _dash([str(v) for v in clk], clk == 0),
                _dash([f"{v:.2f}" for v in cost], cost == 0), _dash(_pct(clk, imp), clk == 0),
                _dash([f"{v:.2f}" for v in _cpc(cost, clk)], clk == 0),
                _dash([str(v) for v in conv], conv == 0), strict=True)
    total = ["合计", "--", "--", "--", str(imp.sum()), str(clk.sum()), f"{cost.sum():.2f}",
             _pct(np.array([clk.sum()]), np.array([imp.sum()]))[0],
             f"{_cpc(np.array([cost.sum()]), np.array([clk.sum()]))[0]:.2f}", str(conv.sum())]
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(["百度营销-关键词报告"])
    out.writerow([f"时间范围：{first:%Y-%m-%d} 至 {last:%Y-%m-%d}"])
    out.writerow(["日期", "推广计划", "推广单元", "关键词", "展现", "点击", "消费", "点击率",
                  "平均点击价格", "转化"])
    out.writerows(table)
    out.writerow(total)
    path.write_bytes(buf.getvalue().encode("gbk"))


def write_oceanengine(path: Path, rows: pd.DataFrame) -> None:
    imp, clk = rows["impressions"].to_numpy(), rows["clicks"].to_numpy()
    cost, conv = rows["yuan"].to_numpy(), rows["platform_conversions"].to_numpy()
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["日期", "项目", "广告", "展示数", "点击数", "消耗(元)", "点击率", "平均点击单价",
                  "转化数"])
    out.writerows(zip(rows["date"], rows["campaign_name"], rows["ad_group"], imp, clk,
                      [f"{v:.2f}" for v in cost], _pct(clk, imp),
                      [f"{v:.2f}" for v in _cpc(cost, clk)], conv, strict=True))
    out.writerow(["总计", "", "", imp.sum(), clk.sum(), f"{cost.sum():.2f}",
                  _pct(np.array([clk.sum()]), np.array([imp.sum()]))[0],
                  f"{_cpc(np.array([cost.sum()]), np.array([clk.sum()]))[0]:.2f}", conv.sum()])
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


def write_google(path: Path, rows: pd.DataFrame, month: str) -> None:
    first, last = _month_range(month)
    imp, clk = rows["impressions"].to_numpy(), rows["clicks"].to_numpy()
    cost, conv = rows["yuan"].to_numpy(), rows["platform_conversions"].to_numpy()
    keyword = rows["keyword"].replace("", "--").to_numpy()
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["Campaign report"])
    out.writerow([f"{_MONTH_NAMES[first.month - 1]} {first.day}, {first.year} - "
                  f"{_MONTH_NAMES[last.month - 1]} {last.day}, {last.year}"])
    out.writerow(["Day", "Campaign", "Ad group", "Keyword", "Currency code", "Impr.", "Clicks",
                  "Cost", "Conversions", "CTR", "Avg. CPC"])
    out.writerows(zip(rows["date"], rows["campaign_name"], rows["ad_group"], keyword,
                      rows["currency"], [f"{v:,}" for v in imp], [f"{v:,}" for v in clk],
                      [f"{v:,.2f}" for v in cost], [f"{v:.2f}" for v in conv], _pct(clk, imp),
                      [f"{v:,.2f}" for v in _cpc(cost, clk)], strict=True))
    for currency, part in rows.groupby("currency", sort=True):
        i, c = part["impressions"].sum(), part["clicks"].sum()
        y = part["yuan"].sum()
        out.writerow(["Total: Account", "", "", "", currency, f"{i:,}", f"{c:,}", f"{y:,.2f}",
                      f"{part['platform_conversions'].sum():.2f}",
                      _pct(np.array([c]), np.array([i]))[0],
                      f"{_cpc(np.array([y]), np.array([c]))[0]:,.2f}"])
    path.write_bytes(buf.getvalue().encode("utf-8"))


def write_tencent(path: Path, rows: pd.DataFrame) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("广告数据")
    ws.append(["日期", "广告计划", "广告", "曝光量", "点击量", "花费", "点击率", "转化数"])
    imp, clk = rows["impressions"].to_numpy(), rows["clicks"].to_numpy()
    for values in zip(rows["date"], rows["campaign_name"], rows["ad_group"], imp.tolist(),
                      clk.tolist(), np.round(rows["yuan"].to_numpy(), 2).tolist(),
                      _pct(clk, imp), rows["platform_conversions"].tolist(), strict=True):
        ws.append(list(values))
    fixed = datetime(*_FIXED_TIME)
    wb.properties.created = fixed
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_normalise_zip(buf.getvalue()))


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite an XLSX with fixed timestamps so the same seed gives the same bytes."""
    stamp = "2026-10-31T00:00:00Z"
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>"
                              + stamp.encode(), body)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME), body,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def write_ad_exports(out_dir: Path, spend: pd.DataFrame) -> list[Path]:
    """All platform export files; returns their paths."""
    folder = out_dir / "ad_exports"
    folder.mkdir(parents=True, exist_ok=True)
    months = spend["day"].to_numpy().astype("datetime64[D]").astype("datetime64[M]")
    paths = []
    for month in EXPORT_MONTHS:
        writers = [
            ("baidu", f"baidu_{month}.csv", lambda p, r, m=month: write_baidu(p, r, m)),
            ("tencent", f"tencent_{month}.xlsx", lambda p, r: write_tencent(p, r)),
            ("oceanengine", f"oceanengine_{month}.csv", lambda p, r: write_oceanengine(p, r)),
            ("google", f"google_ads_{month}.csv", lambda p, r, m=month: write_google(p, r, m)),
        ]
        for platform, name, write in writers:
            path = folder / name
            write(path, _month_rows(spend, months, platform, month))
            paths.append(path)
    return paths

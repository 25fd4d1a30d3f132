"""Deliberately messy variants of a few files, as real CRM exports look (not in the import set).

- ``messy/leads_zh.csv``: GBK, Chinese header aliases, Chinese channel and status labels, mixed
  timestamp formats, a ``合计`` totals row and three invalid rows.
- ``messy/accounts_zh.xlsx``: Chinese headers, ``是/否`` booleans, ``¥1,234.00`` money, real
  Excel date cells, one invalid employee count.

Valid rows repeat records of the main files (same ids), so importing them changes nothing; the
expected outcome is stated in ``truth.json`` under ``messy``.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from revlens.demo.ad_exports import _normalise_zip

CHANNEL_ZH = {"paid_search": "搜索广告", "display": "展示广告", "video": "视频广告",
              "organic_search": "自然搜索", "content": "内容营销", "event": "线下活动",
              "email": "邮件", "social": "社交媒体", "referral": "推荐", "partner": "渠道伙伴",
              "direct": "直接访问", "other": "其他"}
STATUS_ZH = {"new": "新线索", "contacted": "已联系", "converted": "已转化", "disqualified": "无效",
             "recycled": "退回公海"}
_EPOCH = datetime(1970, 1, 1)


def _stamp(ts: int, style: int) -> str:
    t = _EPOCH + timedelta(seconds=int(ts))
    if style == 0:
        return f"{t.year}/{t.month}/{t.day} {t:%H:%M}"
    if style == 1:
        return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"
    return f"{t:%Y-%m-%d %H:%M:%S}"


def write_leads_zh(path: Path, leads: pd.DataFrame, columns: dict, n: int = 200) -> dict:
    """Write the GBK lead export; returns its expected import outcome."""
    chinese = np.flatnonzero(pd.notna(columns["company"]).to_numpy()
                             & leads["name"].str.match(r"^[\u4e00-\u9fff]+$").to_numpy())[:n]
    header = ["线索ID", "创建时间", "姓名", "手机", "邮箱", "公司", "线索来源", "状态", "负责人",
              "省份", "城市"]
    rows = []
    for k, i in enumerate(chinese):
        channel = columns["source_channel"][i]
        status = leads["status"].iat[i]
        rows.append([leads["lead_id"].iat[i], _stamp(leads["created_at"].iat[i], k % 3),
                     leads["name"].iat[i], leads["phone"].iat[i] or "",
                     leads["email"].iat[i] or "", columns["company"][i],
                     CHANNEL_ZH.get(channel, channel), STATUS_ZH.get(status, status),
                     leads["owner_id"].iat[i] or "", leads["province"].iat[i] or "",
                     leads["city"].iat[i] or ""])
    bad = []
    if len(rows) >= 10:
        rows[3][1] = "昨天下午"
        rows[5][6] = "抖音私信"
        rows[7][0] = ""
        bad = [{"row": 5, "column": "创建时间", "value": "昨天下午", "reason": "not a timestamp"},
               {"row": 7, "column": "线索来源", "value": "抖音私信", "reason": "unknown channel"},
               {"row": 9, "column": "线索ID", "value": "", "reason": "required value missing"}]
    rows.append(["合计", "", f"共{len(rows)}条", "", "", "", "", "", "", "", ""])
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(header)
    out.writerows(rows)
    path.write_bytes(buf.getvalue().encode("gbk"))
    return {"file": "messy/leads_zh.csv", "entity": "leads", "encoding": "gbk",
            "data_rows": len(rows), "valid_rows": len(rows) - 1 - len(bad),
            "invalid_rows": bad, "totals_row": {"row": len(rows) + 1, "first_cell": "合计"}}


def write_accounts_zh(path: Path, acc: pd.DataFrame, n: int = 100) -> dict:
    """Write the Chinese-header account workbook; returns its expected import outcome."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("客户列表")
    ws.append(["客户ID", "客户名称", "官网", "行业", "员工数", "年营收", "省份", "城市", "上市公司",
               "专精特新", "目标客户", "负责人", "创建时间"])
    part = acc.head(n)
    yes = {True: "是", False: "否"}
    for k, r in enumerate(part.itertuples(index=False)):
        revenue = "" if np.isnan(r.annual_revenue) else f"¥{r.annual_revenue / 100:,.2f}"
        employees: object = int(r.employee_count)
        if k == 4:
            employees = "约500人"
        ws.append([r.account_id, r.name, r.domain, r.industry, employees, revenue,
                   r.province or "", r.city, yes[bool(r.is_listed)], yes[bool(r.is_specialized)],
                   yes[bool(r.is_target)], r.owner_id or "",
                   _EPOCH + timedelta(seconds=int(r.created_at))])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_normalise_zip(buf.getvalue()))
    bad = [{"row": 6, "column": "员工数", "value": "约500人", "reason": "not an integer"}]
    return {"file": "messy/accounts_zh.xlsx", "entity": "accounts", "encoding": "xlsx",
            "data_rows": len(part), "valid_rows": len(part) - 1, "invalid_rows": bad,
            "totals_row": None}


def write_messy(out_dir: Path, leads: pd.DataFrame, lead_columns: dict,
                acc: pd.DataFrame) -> tuple[list[Path], list[dict]]:
    folder = out_dir / "messy"
    folder.mkdir(parents=True, exist_ok=True)
    leads_path, accounts_path = folder / "leads_zh.csv", folder / "accounts_zh.xlsx"
    outcomes = [write_leads_zh(leads_path, leads, lead_columns),
                write_accounts_zh(accounts_path, acc)]
    return [leads_path, accounts_path], outcomes

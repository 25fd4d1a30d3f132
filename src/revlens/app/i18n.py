"""UI texts in zh-CN and English, and locale-aware number and date formatting."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCALES = ("zh-CN", "en")

TEXTS: dict[str, dict[str, str]] = {
    "app_title": {"zh-CN": "RevLens 营收洞察", "en": "RevLens revenue insights"},
    "workspace": {"zh-CN": "工作区", "en": "Workspace"},
    "entities": {"zh-CN": "数据实体", "en": "Entities"},
    "entity": {"zh-CN": "实体", "en": "Entity"},
    "rows": {"zh-CN": "行数", "en": "Rows"},
    "total_rows": {"zh-CN": "总行数", "en": "Total rows"},
    "latest_imports": {"zh-CN": "最近导入", "en": "Latest imports"},
    "batch": {"zh-CN": "批次", "en": "Batch"},
    "source": {"zh-CN": "文件", "en": "File"},
    "status": {"zh-CN": "状态", "en": "Status"},
    "rows_read": {"zh-CN": "读取", "en": "Read"},
    "inserted": {"zh-CN": "新增", "en": "Inserted"},
    "updated": {"zh-CN": "更新", "en": "Updated"},
    "unchanged": {"zh-CN": "未变", "en": "Unchanged"},
    "rejected": {"zh-CN": "拒绝", "en": "Rejected"},
    "warnings": {"zh-CN": "警告", "en": "Warnings"},
    "started_at": {"zh-CN": "开始时间", "en": "Started"},
    "no_imports": {"zh-CN": "还没有导入。运行 revlens import ENTITY FILE 导入数据。",
                   "en": "No imports yet. Run revlens import ENTITY FILE to bring data in."},
    "busy": {"zh-CN": "工作区正在被另一个进程写入（例如导入），请稍后刷新。",
             "en": "Another process is writing to the workspace (an import?); refresh shortly."},
    "error": {"zh-CN": "出错了", "en": "Something went wrong"},
    "currency": {"zh-CN": "币种", "en": "Currency"},
    "timezone": {"zh-CN": "时区", "en": "Time zone"},
    "language": {"zh-CN": "English", "en": "中文"},
    "completed": {"zh-CN": "完成", "en": "completed"},
    "failed": {"zh-CN": "失败", "en": "failed"},
    "running": {"zh-CN": "进行中", "en": "running"},
    "interrupted": {"zh-CN": "已中断", "en": "interrupted"},
}


def t(key: str, locale: str) -> str:
    entry = TEXTS.get(key)
    if entry is None:
        return key
    return entry.get(locale) or entry["en"]


def format_int(value: int, locale: str) -> str:
    """Thousands separators: 1,234,567 in both locales; zh-CN uses 万/亿 from 10万 up."""
    if locale == "zh-CN" and abs(value) >= 100_000:
        for unit, size in (("亿", 100_000_000), ("万", 10_000)):
            if abs(value) >= size:
                return f"{value / size:,.2f}{unit}".replace(".00" + unit, unit)
    return f"{value:,}"


def format_datetime(value: datetime | None, locale: str, tz: str) -> str:
    if value is None:
        return ""
    stored = value if value.tzinfo else value.replace(tzinfo=UTC)  # stored times are UTC
    local = stored.astimezone(ZoneInfo(tz))
    if locale == "zh-CN":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local:%b} {local.day}, {local.year} {local:%H:%M}"

"""What the page draws for a tile: ECharts options per chart kind and AG Grid column
definitions, pure functions of a `TileResult` (no UI code, no queries).

Options follow NiceGUI's convention for JavaScript: a key starting with `:` holds a function's
source (`":formatter": "(v) => ..."`), turned into the function in the browser. Every data item
carries `group` — the tile's dimension values of that point — so a click maps back to the group
(`selection_of` for cross-filtering, `drill_where` for drill-down); a table's row maps to the
same group (`row_group`); `text` is the value as the locale writes it, shown by the tooltips.
Animation is off (screenshots), and the toolbox saves the chart as a PNG.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from revlens.app.i18n import CURRENCY_SYMBOLS, format_value
from revlens.dashboards.exceptions import DashboardError
from revlens.dashboards.result import TileResult
from revlens.dashboards.spec import Selection
from revlens.metrics.dimensions import GRAINS
from revlens.metrics.query import MetricInfo

PALETTE = ["#3949ab", "#26a69a", "#ffa726", "#ef5350", "#7e57c2", "#66bb6a", "#29b6f6",
           "#ec407a", "#8d6e63", "#78909c"]
WORDS = {"save": ("保存为图片", "Save as image"), "previous": ("上期", "previous"),
         "change": ("较上期", "vs previous")}


def _word(key: str, locale: str) -> str:
    return WORDS[key][0 if locale == "zh-CN" else 1]


# -- JavaScript formatters ---------------------------------------------------------------------
def js_formatter(fmt: str, locale: str, currency: str = "CNY", compact: bool = True) -> str:
    """A JavaScript function formatting a number as the metric's format reads in `locale`:
    amounts with the currency symbol and, compact, 万/亿 (zh-CN) or K/M/B; rates as %."""
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ") if fmt == "currency" else ""
    if fmt == "percent":
        return "(v) => (v === null || v === undefined) ? '—' : +(v * 100).toFixed(1) + '%'"
    unit = {"days": (" 天", " days"), "minutes": (" 分钟", " min")}.get(fmt)
    if unit:
        text = unit[0] if locale == "zh-CN" else unit[1]
        return (f"(v) => (v === null || v === undefined) ? '—' : "
                f"(+v.toFixed(1)).toLocaleString('{locale}') + {json.dumps(text)}")
    steps = ("[[1e8, '亿'], [1e4, '万']]", "1e5") if locale == "zh-CN" else \
        ("[[1e9, 'B'], [1e6, 'M'], [1e3, 'K']]", "1e3")
    digits = 0 if fmt == "count" else 2
    short = (f"if (a >= {steps[1]}) {{ for (const [n, u] of {steps[0]}) {{ if (a >= n) "
             f"return s + {json.dumps(symbol)} + +(a / n).toFixed(2) + u; }} }} ") \
        if compact else ""
    return ("(v) => { if (v === null || v === undefined) return '—'; const a = Math.abs(v); "
            "const s = v < 0 ? '-' : ''; " + short +
            f"return s + {json.dumps(symbol)} + a.toLocaleString('{locale}', "
            f"{{maximumFractionDigits: {digits}}}); }}")


AXIS_TOOLTIP = ("(ps) => { const a = [].concat(ps); return a[0].axisValueLabel + '<br/>' + "
                "a.map((p) => p.marker + p.seriesName + ': ' + ((p.data && p.data.text != null)"
                " ? p.data.text : '—')).join('<br/>'); }")
ITEM_TOOLTIP = ("(p) => p.marker + (p.seriesName ? p.seriesName + '<br/>' : '') + p.name + ': '"
                " + ((p.data && p.data.text != null) ? p.data.text : '—')"
                " + (p.percent != null ? ' (' + p.percent + '%)' : '')")
HEAT_TOOLTIP = ("(p) => p.data.labels[0] + ' · ' + p.data.labels[1] + ': ' + "
                "((p.data.text != null) ? p.data.text : '—')")


# -- shared pieces -----------------------------------------------------------------------------
def _base(result: TileResult, locale: str) -> dict[str, Any]:
    return {"animation": False, "color": PALETTE,
            "toolbox": {"right": 8, "feature": {"saveAsImage": {
                "type": "png", "name": result.tile, "pixelRatio": 2,
                "title": _word("save", locale)}}},
            "grid": {"left": 12, "right": 24, "top": 40, "bottom": 12, "containLabel": True}}


def _categories(result: TileResult, dim: str) -> list[Any]:
    """The values of `dim` in the rows' order (or the dimension's natural order)."""
    seen = list(dict.fromkeys(r.get(dim) for r in result.rows))
    info = next((d for d in result.dimensions if d.id == dim), None)
    if info and info.order:
        rank = {v: i for i, v in enumerate(info.order)}
        seen.sort(key=lambda v: rank.get(v, len(rank)))
    return seen


def _item(value: Any, metric: MetricInfo, group: dict[str, Any], locale: str,
          currency: str, **extra: Any) -> dict[str, Any]:
    return {"value": value, "group": group,
            "text": format_value(value, metric.format, locale, currency), **extra}


def _value_axes(metrics: list[MetricInfo], locale: str, currency: str) -> list[dict]:
    """One value axis per format (two at most; more formats share a plain number axis)."""
    formats = list(dict.fromkeys(m.format for m in metrics))
    if len(formats) > 2:
        formats = ["number"]
    return [{"type": "value", "position": "left" if i == 0 else "right",
             "splitLine": {"show": i == 0},
             "axisLabel": {":formatter": js_formatter(f, locale, currency)}}
            for i, f in enumerate(formats)]


def _axis_index(metric: MetricInfo, axes: list[dict], metrics: list[MetricInfo]) -> int:
    formats = list(dict.fromkeys(m.format for m in metrics))
    return formats.index(metric.format) if len(axes) > 1 else 0


def _series_by_metric(result: TileResult, x_dim: str, kind: str, locale: str,
                      currency: str, axes: list[dict]) -> list[dict]:
    xs = _categories(result, x_dim)
    rows = {r.get(x_dim): r for r in result.rows}
    series = []
    for m in result.metrics:
        data = [_item(rows[x].get(m.id), m, {x_dim: x}, locale, currency) for x in xs]
        series.append({"name": m.label, "type": kind, "data": data,
                       "yAxisIndex": _axis_index(m, axes, result.metrics)})
        if result.compare and any(f"{m.id}_previous" in r for r in result.rows):
            prev = [_item(rows[x].get(f"{m.id}_previous"), m, {x_dim: x}, locale, currency)
                    for x in xs]
            series.append({"name": f"{m.label}（{_word('previous', locale)}）"
                           if locale == "zh-CN" else f"{m.label} ({_word('previous', locale)})",
                           "type": kind, "data": prev, "yAxisIndex": series[-1]["yAxisIndex"],
                           "lineStyle": {"type": "dashed"}, "itemStyle": {"opacity": 0.5}})
    return series


def _series_by_value(result: TileResult, x_dim: str, s_dim: str, kind: str, locale: str,
                     currency: str) -> list[dict]:
    m = result.metrics[0]
    xs, ss = _categories(result, x_dim), _categories(result, s_dim)
    cells = {(r.get(x_dim), r.get(s_dim)): r.get(m.id) for r in result.rows}
    return [{"name": result.label_of(s_dim, s), "type": kind,
             "data": [_item(cells.get((x, s)), m, {x_dim: x, s_dim: s}, locale, currency)
                      for x in xs]} for s in ss]


def _cartesian(result: TileResult, locale: str, currency: str, kind: str,
               stacked: bool = False) -> dict[str, Any]:
    dims = [d.id for d in result.dimensions]
    x_dim = dims[0]
    options = _base(result, locale)
    xs = _categories(result, x_dim)
    labels = [str(x) if x_dim in GRAINS else result.label_of(x_dim, x) for x in xs]
    axes = _value_axes(result.metrics if len(dims) == 1 else result.metrics[:1], locale,
                       currency)
    if len(dims) == 2:
        series = _series_by_value(result, x_dim, dims[1], kind, locale, currency)
    else:
        series = _series_by_metric(result, x_dim, kind, locale, currency, axes)
    for s in series:
        if stacked:
            s["stack"] = "total"
        if kind == "line":
            s.update(showSymbol=len(xs) <= 31, connectNulls=False)
    options.update(
        xAxis={"type": "category", "data": labels, "axisLabel": {
            "rotate": 30 if len(xs) > 6 and x_dim not in GRAINS else 0, "hideOverlap": True}},
        yAxis=axes, series=series,
        tooltip={"trigger": "axis", ":formatter": AXIS_TOOLTIP,
                 "axisPointer": {"type": "shadow" if kind == "bar" else "line"}})
    if len(series) > 1:
        options["legend"] = {"type": "scroll", "top": 4, "left": 8, "right": 80}
    return options


# -- the kinds ---------------------------------------------------------------------------------
def _line(result: TileResult, locale: str, currency: str) -> dict[str, Any]:
    return _cartesian(result, locale, currency, "line")


def _bar(result: TileResult, locale: str, currency: str) -> dict[str, Any]:
    return _cartesian(result, locale, currency, "bar")


def _stacked(result: TileResult, locale: str, currency: str) -> dict[str, Any]:
    return _cartesian(result, locale, currency, "bar", stacked=True)


def _slices(result: TileResult, locale: str, currency: str) -> list[dict]:
    dim, m = result.dimensions[0].id, result.metrics[0]
    return [_item(r.get(m.id), m, {dim: r.get(dim)}, locale, currency,
                  name=result.label_of(dim, r.get(dim))) for r in result.rows]


def _pie(result: TileResult, locale: str, currency: str) -> dict[str, Any]:
    options = _base(result, locale)
    options.update(
        tooltip={"trigger": "item", ":formatter": ITEM_TOOLTIP},
        legend={"type": "scroll", "orient": "vertical", "left": 8, "top": 32},
        series=[{"name": result.metrics[0].label, "type": "pie", "radius": ["40%", "70%"],
                 "center": ["60%", "55%"], "data": _slices(result, locale, currency),
                 "label": {"formatter": "{b}: {d}%"}}])
    return options


def _funnel(result: TileResult, locale: str, currency: str) -> dict[str, Any]:
    options = _base(result, locale)
    data = _slices(result, locale, currency)
    top = max([d["value"] or 0 for d in data] or [0])
    options.update(
        tooltip={"trigger": "item", ":formatter": ITEM_TOOLTIP},
        series=[{"name": result.metrics[0].label, "type": "funnel", "sort": "none",
                 "left": "10%", "width": "80%", "top": 40, "bottom": 12, "min": 0,
                 "max": top or 1, "gap": 2, "data": data,
                 "label": {"show": True, "position": "inside", ":formatter":
                           "(p) => p.name + ' ' + ((p.data.text != null) ? p.data.text : '')"}}])
    return options


def _heatmap(result: TileResult, locale: str, currency: str) -> dict[str, Any]:
    options = _base(result, locale)
    x_dim, y_dim = result.dimensions[0].id, result.dimensions[1].id
    m = result.metrics[0]
    xs, ys = _categories(result, x_dim), _categories(result, y_dim)
    x_labels = [str(x) if x_dim in GRAINS else result.label_of(x_dim, x) for x in xs]
    y_labels = [str(y) if y_dim in GRAINS else result.label_of(y_dim, y) for y in ys]
    at_x, at_y = {x: i for i, x in enumerate(xs)}, {y: i for i, y in enumerate(ys)}
    data, values = [], []
    for r in result.rows:
        value = r.get(m.id)
        if value is None:
            continue
        values.append(value)
        i, j = at_x[r.get(x_dim)], at_y[r.get(y_dim)]
        data.append({"value": [i, j, value], "group": {x_dim: r.get(x_dim), y_dim: r.get(y_dim)},
                     "labels": [x_labels[i], y_labels[j]],
                     "text": format_value(value, m.format, locale, currency)})
    options.update(
        tooltip={"trigger": "item", ":formatter": HEAT_TOOLTIP},
        grid={**options["grid"], "bottom": 56},
        xAxis={"type": "category", "data": x_labels, "splitArea": {"show": True}},
        yAxis={"type": "category", "data": y_labels, "splitArea": {"show": True}},
        visualMap={"min": min(values, default=0), "max": max(values, default=1) or 1,
                   "calculable": True, "orient": "horizontal", "left": "center", "bottom": 4,
                   "inRange": {"color": ["#e8eaf6", "#3949ab"]},
                   ":formatter": js_formatter(m.format, locale, currency)},
        series=[{"name": m.label, "type": "heatmap", "data": data,
                 "label": {"show": len(data) <= 60, ":formatter": "(p) => p.data.text"}}])
    return options


CHARTS: dict[str, Callable[[TileResult, str, str], dict[str, Any]]] = {
    "line": _line, "bar": _bar, "stacked": _stacked, "pie": _pie, "funnel": _funnel,
    "heatmap": _heatmap,
}


def echart_options(result: TileResult, locale: str, currency: str = "CNY") -> dict[str, Any]:
    """ECharts options for a chart tile's result (kpi and table tiles are not charts: show
    `result.kpis` or `table_columns`)."""
    chart = CHARTS.get(result.kind)
    if chart is None:
        raise DashboardError(f"a {result.kind} tile is not drawn as a chart; charts: "
                             f"{', '.join(CHARTS)}", result.tile)
    if not result.dimensions or not result.metrics:
        options = _base(result, locale)
        options["series"] = []
        return options
    return chart(result, locale, currency)


# -- tables ------------------------------------------------------------------------------------
def table_columns(result: TileResult, locale: str, currency: str = "CNY") -> list[dict]:
    """AG Grid column definitions: dimensions first (codes shown by their names), then each
    metric formatted as it reads in `locale`, with its change against the compare period when
    the tile compares; every column sortable and filterable, headers localised."""
    columns = []
    for d in result.dimensions:
        column = {"field": d.id, "headerName": d.label, "sortable": True, "filter": True,
                  "resizable": True}
        names = result.value_labels.get(d.id)
        if names:
            column[":valueFormatter"] = (f"(p) => (p.value == null) ? '—' : "
                                         f"({json.dumps(names, ensure_ascii=False)}"
                                         f")[p.value] ?? p.value")
        columns.append(column)
    for m in result.metrics:
        columns.append(_metric_column(m.id, m.label, m.format, locale, currency))
        if result.compare:
            change = f"{m.label} {_word('change', locale)}"
            columns.append(_metric_column(f"{m.id}_change", change, "percent", locale,
                                          currency))
    return columns


def _metric_column(field: str, label: str, fmt: str, locale: str, currency: str) -> dict:
    column = {"field": field, "headerName": label, "sortable": True, "resizable": True}
    if fmt == "text":
        column["filter"] = "agTextColumnFilter"
    elif fmt == "datetime":
        column["filter"] = "agDateColumnFilter"
        column[":valueFormatter"] = (f"(p) => p.value ? new Date(p.value).toLocaleString("
                                     f"'{locale}') : '—'")
    else:
        column.update(filter="agNumberColumnFilter", type="rightAligned")
        column[":valueFormatter"] = (f"(p) => ({js_formatter(fmt, locale, currency, False)})"
                                     f"(p.value)")
    return column


# -- clicks ------------------------------------------------------------------------------------
def drill_where(clicked: dict[str, Any]) -> dict[str, Any]:
    """The group of a clicked data item (its `group`): the `where` of a drill-down."""
    group = clicked.get("group") if isinstance(clicked, dict) else None
    return dict(group or {})


def row_group(result: TileResult, row: dict[str, Any]) -> dict[str, Any]:
    """A table row as a clicked data item: its `group` is the row's values of the tile's
    dimensions, as a chart element of the same group carries it."""
    row = row if isinstance(row, dict) else {}
    return {"group": {d.id: row.get(d.id) for d in result.dimensions if d.id in row}}


def clicked_metric(result: TileResult, column: str | None) -> str | None:
    """The metric of a clicked table column (its change column counts as the metric); None
    for a dimension's column, or on an analysis's table."""
    if result.analysis or not column:
        return None
    ids = [m.id for m in result.metrics]
    name = column.removesuffix("_change").removesuffix("_previous")
    return name if name in ids else None


def selection_of(result: TileResult, clicked: dict[str, Any]) -> Selection | None:
    """The cross-filter a click on a data item makes: its value of the tile's cross-filter
    dimension (none when the item does not carry it)."""
    dim = result.cross_filter
    group = drill_where(clicked)
    if dim is None or dim not in group:
        return None
    return Selection(dimension=dim, values=(group[dim],), tile=result.tile)

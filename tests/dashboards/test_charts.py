"""Chart options and table columns of tiles run on the story: one builder per chart kind, no
animation, PNG export, localised labels, every point carrying its group (for drill-down and
cross-filtering), and value formatters that Node.js runs as the browser would."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date

import pytest

from revlens.app.i18n import format_amount, format_number, format_percent, format_value
from revlens.dashboards import echart_options, run_tile, selection_of, table_columns
from revlens.dashboards import shipped_dashboards as shipped
from revlens.dashboards.charts import clicked_metric, drill_where, js_formatter, row_group
from revlens.dashboards.exceptions import DashboardError
from revlens.dashboards.spec import GlobalFilters, Selection

SPRING = GlobalFilters(date_from=date(2026, 3, 1), date_to=date(2026, 4, 30),
                       compare="previous_period")


def result(ws, dashboard: str, tile: str, locale: str = "zh-CN", **options):
    got = run_tile(ws.warehouse, shipped()[dashboard], tile, SPRING, locale=locale, **options)
    assert got.error is None, got.error
    return got


def common(options: dict, tile: str) -> None:
    assert options["animation"] is False
    save = options["toolbox"]["feature"]["saveAsImage"]
    assert save["type"] == "png" and save["name"] == tile


def points(options: dict) -> list[dict]:
    return [item for s in options["series"] for item in s["data"]]


def test_a_bar_chart_by_channel_in_both_languages(dash_story):
    zh = result(dash_story, "cockpit", "attribution")
    options = echart_options(zh, "zh-CN")
    common(options, "attribution")
    assert options["xAxis"]["data"] == ["搜索广告", "线下活动", "邮件"]    # by amount
    assert [s["name"] for s in options["series"]] == ["归因商机金额", "归因收入"]
    first = options["series"][0]["data"][0]
    assert first["group"] == {"channel": "paid_search"} and first["text"] == "¥112,000.00"
    assert len(options["yAxis"]) == 1                  # both amounts share one axis
    en = echart_options(result(dash_story, "cockpit", "attribution", "en"), "en")
    assert en["xAxis"]["data"] == ["Paid search", "Event", "Email"]
    assert selection_of(zh, first).model_dump() == {"dimension": "channel",
                                                   "values": ("paid_search",),
                                                   "tile": "attribution"}


def test_a_line_over_months_with_the_previous_period_dashed(dash_story):
    got = result(dash_story, "cockpit", "revenue_trend")
    options = echart_options(got, "zh-CN")
    common(options, "revenue_trend")
    assert options["xAxis"]["data"] == ["2026-03", "2026-04"]
    names = [s["name"] for s in options["series"]]
    assert names == ["合同额", "合同额（上期）", "回款额", "回款额（上期）"]
    assert options["series"][1]["lineStyle"] == {"type": "dashed"}
    assert [p["value"] for p in options["series"][0]["data"]] == [0, 160_000]
    assert drill_where(options["series"][0]["data"][1]) == {"month": "2026-04"}
    assert selection_of(got, options["series"][0]["data"][1]) is None  # no cross-filter


def test_stacked_bars_of_two_dimensions_or_of_several_metrics(dash_story):
    pool = result(dash_story, "sdr", "pool_by_status_age")
    options = echart_options(pool, "zh-CN")
    assert all(s["stack"] == "total" for s in options["series"])
    # at the end of April L4 (new) is 41 days old, L2 (MQL) 58
    assert options["xAxis"]["data"] == ["新线索", "MQL"]
    assert [s["name"] for s in options["series"]] == ["30 天以上"]
    assert points(options)[0]["group"] == {"status": "new", "lead_age": ">30d"}
    revenue = echart_options(result(dash_story, "cockpit", "new_vs_returning", "en"), "en")
    assert [s["name"] for s in revenue["series"]] == ["New-customer revenue",
                                                      "Returning-customer revenue"]
    assert [p["value"] for p in revenue["series"][0]["data"]] == [0, 120_000]


def test_pie_funnel_and_heatmap(dash_story):
    pie = echart_options(result(dash_story, "ads_web", "sessions_by_source"), "zh-CN")
    common(pie, "sessions_by_source")
    assert {(p["name"], p["value"]) for p in pie["series"][0]["data"]} == {
        ("搜索广告", 2), ("自然搜索", 1)}
    funnel = echart_options(result(dash_story, "cockpit", "lead_funnel", "en"), "en")
    steps = funnel["series"][0]["data"]
    assert [(p["name"], p["value"]) for p in steps] == [
        ("New", 4), ("Contacted", 3), ("MQL", 3), ("SQL", 2), ("Opportunity", 2), ("Won", 1)]
    assert steps[3]["group"] == {"stage": "sql"} and funnel["series"][0]["sort"] == "none"
    heat = echart_options(result(dash_story, "sales", "win_rate_by_stage_rep"), "zh-CN")
    assert heat["xAxis"]["data"][0] == "初步接洽" and "张三" in heat["yAxis"]["data"]
    cell = next(p for p in heat["series"][0]["data"]
                if p["group"] == {"stage": "qualification", "owner": "U1"})
    assert cell["value"][2] == 1.0 and cell["text"] == "100.0%"     # O1 won
    with pytest.raises(DashboardError, match="not drawn as a chart"):
        echart_options(result(dash_story, "cockpit", "bookings"), "zh-CN")


def test_table_columns_are_sortable_filterable_and_localised(dash_story):
    got = result(dash_story, "cockpit", "target_by_team")
    columns = table_columns(got, "zh-CN")
    assert [c["headerName"] for c in columns] == ["团队", "合同额", "合同额目标", "目标达成率"]
    assert all(c["sortable"] and c["filter"] for c in columns)
    assert columns[1]["filter"] == "agNumberColumnFilter"
    owners = table_columns(result(dash_story, "sales", "leaderboard", "en"), "en")
    assert owners[0]["headerName"] == "Owner" and '"U1": "张三"' in owners[0][":valueFormatter"]
    compared = table_columns(result(dash_story, "events", "by_event"), "zh-CN")
    assert compared[0]["headerName"] == "市场活动"


def test_a_table_row_cross_filters_as_a_chart_element_of_the_same_group(dash_story):
    """The cockpit's target-by-team table: a click on a cell of the 华东销售 row makes the
    Selection a click on the 华东销售 bar would, whichever column was clicked; the column
    names the metric of the drill-down (a change column its metric)."""
    table = result(dash_story, "cockpit", "target_by_team")
    row = next(r for r in table.rows if r["team"] == "华东销售")
    clicked = row_group(table, row)
    assert clicked == {"group": {"team": "华东销售"}}
    assert drill_where(clicked) == {"team": "华东销售"}
    chart = table.model_copy(update={"kind": "bar"})
    bar = next(p for p in points(echart_options(chart, "zh-CN"))
               if p["group"] == {"team": "华东销售"})
    assert selection_of(table, clicked) == selection_of(chart, bar) == Selection(
        dimension="team", values=("华东销售",), tile="target_by_team")
    assert clicked_metric(table, "bookings_target") == "bookings_target"
    assert clicked_metric(table, "target_attainment_change") == "target_attainment"
    assert clicked_metric(table, "team") is None
    funnel = result(dash_story, "cockpit", "stage_health")
    assert clicked_metric(funnel, "count") is None            # an analysis: no metric
    assert row_group(funnel, funnel.rows[0])["group"] == {"stage": funnel.rows[0]["stage"]}


def test_formatting_per_metric_format():
    assert format_amount(318_272.94, "zh-CN") == "¥318,272.94"
    assert format_amount(318_272.94, "zh-CN", compact=True) == "¥31.83万"
    assert format_amount(250_000_000, "zh-CN", compact=True) == "¥2.5亿"
    assert format_amount(318_272.94, "en", compact=True) == "¥318.27K"
    assert format_amount(-1500, "en", "USD") == "-$1,500.00"
    assert format_percent(0.3707, "zh-CN") == "37.1%"
    assert format_number(1234, "en") == "1,234" and format_number(None, "en") == "—"
    assert format_value(60.0, "minutes", "zh-CN") == "60 分钟"
    assert format_value(4.5, "days", "en") == "4.5 days"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_javascript_formatters_run():
    cases = [(js_formatter("currency", "zh-CN"), [318_272.94, 52_000, -2.5e8, None]),
             (js_formatter("currency", "en"), [318_272.94, 999]),
             (js_formatter("currency", "zh-CN", compact=False), [318_272.94]),
             (js_formatter("percent", "en"), [0.3707]),
             (js_formatter("count", "zh-CN"), [1234, 123_456]),
             (js_formatter("days", "en"), [4.5])]
    script = "const out = [];\n" + "\n".join(
        f"out.push({json.dumps(values)}.map({fn}));" for fn, values in cases) + \
        "\nconsole.log(JSON.stringify(out));"
    got = json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True,
                                    check=True, timeout=30).stdout)
    assert got == [["¥31.83万", "¥52,000", "-¥2.5亿", "—"], ["¥318.27K", "¥999"],
                   ["¥318,272.94"], ["37.1%"], ["1,234", "12.35万"], ["4.5 days"]]

"""`revlens import-ads PLATFORM FILE`, through the console script's entry point."""

from __future__ import annotations

import json

from revlens.workspace import Workspace
from tests.connectors.ads.support import spend, with_campaigns
from tests.connectors.ads.test_baidu import REPORT
from tests.ingest.support import write

SUMMARY_KEYS = ["batch_id", "entity", "rows_read", "inserted", "updated", "unchanged",
                "rejected", "warnings"]


def _setup(workspace_dir, ws_overrides, tmp_path):
    with Workspace.open(workspace_dir, **ws_overrides) as ws:
        with_campaigns(ws, tmp_path)
    return write(tmp_path / "baidu.csv", REPORT, encoding="gbk")


def test_json_summary_is_import_s_plus_the_unmatched_spend(cli, ws_env, workspace_dir,
                                                           ws_overrides, tmp_path):
    path = _setup(workspace_dir, ws_overrides, tmp_path)
    run = cli("import-ads", "baidu", path, "--format", "json", env=ws_env)
    assert run.exit_code == 0, run.stderr
    summary = json.loads(run.stdout)
    assert list(summary)[:8] == SUMMARY_KEYS
    assert {k: summary[k] for k in SUMMARY_KEYS[1:]} == {
        "entity": "ad_spend", "rows_read": 6, "inserted": 5, "updated": 0, "unchanged": 0,
        "rejected": 1, "warnings": 0}
    assert (summary["platform"], summary["cost"], summary["currency"],
            summary["totals_rows"]) == ("baidu", 2277.2, "CNY", 1)
    assert summary["unmatched"] == {"rows": 1, "cost": 10.0, "campaigns": [
        {"name": "百度搜索-旧计划", "rows": 1, "cost": 10.0}], "ambiguous": []}

    again = json.loads(cli("import-ads", "baidu", path, "-f", "json", env=ws_env).stdout)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 5)
    with Workspace.open(workspace_dir, **ws_overrides) as ws:
        assert len(spend(ws)) == 5
        assert [b.status for b in ws.appdb.batches(entity="ad_spend")] == ["completed"] * 2


def test_table_output_reports_cost_totals_and_unmatched(cli, ws_env, workspace_dir,
                                                        ws_overrides, tmp_path):
    path = _setup(workspace_dir, ws_overrides, tmp_path)
    run = cli("import-ads", "baidu", path, env=ws_env)
    assert run.exit_code == 0, run.stderr
    text = " ".join(run.stdout.split())
    assert "baidu ad_spend from baidu.csv: 6 rows read, 5 inserted, 0 updated" in text
    assert "cost 2,277.20 CNY; 1 totals row(s) not counted" in text
    assert ("1 rows, cost 10.00 CNY, match no campaign (kept without campaign_id): "
            "百度搜索-旧计划 (10.00)") in text
    assert "see them with: revlens rejects" in text


def test_errors_are_one_line(cli, ws_env, tmp_path):
    unknown = cli("import-ads", "bing", tmp_path / "x.csv", env=ws_env)
    assert unknown.exit_code == 1
    assert unknown.stderr.strip() == ("error: unknown ad platform 'bing'; choose one of: "
                                      "baidu, tencent, oceanengine, google_ads")
    odd = write(tmp_path / "odd.csv", "a,b\n1,2\n")
    shape = cli("import-ads", "google_ads", odd, env=ws_env)
    assert shape.exit_code == 1
    assert len([line for line in shape.stderr.splitlines() if line.strip()]) == 1
    assert "it needs the column(s) date (Day, Date, 天, 日期)" in shape.stderr

"""Every command of docs/metrics.md runs, in order, on the demo; the JSON it shows has the keys
the doc says; the CSV has the groups; the planted faster segment (专精特新 accounts) shows up."""

from __future__ import annotations

import csv
import io
import json
import shlex
from pathlib import Path

import yaml

from revlens.metrics import Catalog
from tests.docs.support import code_blocks, revlens_commands

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")


def test_the_doc_commands_run(cli, ws_env, doc_set_up):
    commands = revlens_commands(DOC)
    assert [c[1] for c in commands] == ["demo", "refresh", "metrics", "metrics", *["query"] * 5,
                                        "drill", *["funnel"] * 4, "cohorts", *["forecast"] * 3]
    outputs = doc_set_up(commands[:2])
    for args in commands[2:]:
        run = cli(*args[1:], env=ws_env)
        assert run.exit_code == 0, f"{shlex.join(args)}\n{run.stdout}\n{run.stderr}"
        outputs.append(run.stdout)
    segments = {r["specialized"]: r for r in json.loads(outputs[5])}
    assert segments[True]["sales_cycle_days"] < 0.8 * segments[False]["sales_cycle_days"]
    compared = json.loads(outputs[6])
    (shown,) = code_blocks(DOC, "json")
    assert set(json.loads(shown)[0]) <= set(compared[0])
    assert [r["month"] for r in compared] == ["2026-07", "2026-08", "2026-09"]
    roi = list(csv.DictReader(io.StringIO(outputs[8])))
    assert {"channel", "roi", "roas"} <= set(roi[0]) and len(roi) > 5
    truth = json.loads((Path(ws_env["REVLENS_WORKSPACE"]) / "demo-data" / "truth.json")
                       .read_text(encoding="utf-8"))["effects"]["slow_rep_stage"]
    solution = [r for r in json.loads(outputs[11]) if r["stage"] == truth["stage"]
                and r["median_days"] is not None and r["count"] >= 20]
    slowest = max(solution, key=lambda r: r["median_days"])
    assert slowest["owner"] == truth["user_id"]
    assert "negotiation" in outputs[12] and outputs[13].count("│ L0") == 5
    assert "2026-Q3" in outputs[15] and "stored" in outputs[16]
    accuracy = {r["method"]: r for r in json.loads(outputs[17])}
    assert set(accuracy) == {"stage_weighted", "learned", "time_series"}
    assert all(0 < r["mape"] < 1 and r["snapshots"] > 0 for r in accuracy.values())


def test_the_doc_yaml_is_a_valid_workspace_catalog(tmp_path):
    (example,) = code_blocks(DOC, "yaml")
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "ours.yaml").write_text(example, encoding="utf-8")
    catalog = Catalog.load(tmp_path)
    assert catalog.get("big_deal_share").derived.of == ("big_deals", "opportunities_created")
    assert [m["id"] for m in yaml.safe_load(example)["metrics"]] == ["big_deals",
                                                                      "big_deal_share"]

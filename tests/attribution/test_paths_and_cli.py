"""The command line on `account_story`: JSON/CSV contracts, paths (with the non-converting
journeys), compare and explain; and Markov credits computed from the very path table that
`paths` prints."""

from __future__ import annotations

import csv
import io
import json

import pytest

from revlens.attribution.engine import Scope, channel_model
from revlens.attribution.markov import markov_model
from revlens.attribution.pathtable import PathTable
from revlens.attribution.specs import ModelSpec


@pytest.fixture
def closed_story(account_story, ws_env):
    """The story's workspace closed, so the CLI can open it; the CLI's environment."""
    account_story.close()
    return ws_env


def test_json_report_contract(cli, closed_story):
    run = cli("attribution", "--model", "linear", "--conversion", "won", "--by", "campaign",
              "--format", "json", env=closed_story)
    assert run.exit_code == 0, run.stderr
    rows = {r["campaign"]: r for r in json.loads(run.stdout)}
    assert set(rows) == {"CMP_S", "CMP_W", "CMP_E", None}
    assert rows["CMP_S"]["conversions"] == pytest.approx(1 / 3)
    assert rows["CMP_S"]["amount"] == pytest.approx(40_000)
    assert rows["CMP_S"]["spend"] == 5_000
    assert (rows["CMP_S"]["roas"], rows["CMP_S"]["roi"]) == pytest.approx((8.0, 7.0))
    assert "spend" not in rows["CMP_E"] and "roas" not in rows["CMP_E"]   # no spend


def test_csv_report_and_period(cli, closed_story):
    run = cli("attribution", "--model", "first_touch", "--conversion", "won", "--by",
              "channel", "--from", "2026-04-01", "--to", "2026-04-30", "--format", "csv",
              env=closed_story)
    assert run.exit_code == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert list(rows[0])[:3] == ["channel", "conversions", "amount"]
    # April holds one win, O1 (order 120,000): all of it to its first touch's channel; every
    # other channel of its journey is listed with no credit but the full amount influenced
    credited = {r["channel"]: float(r["amount"]) for r in rows}
    influenced = {r["channel"]: float(r["influenced_amount"]) for r in rows}
    assert credited == {"paid_search": 120_000.0, "webinar": 0.0, "email": 0.0, "event": 0.0,
                        "content": 0.0}
    assert rows[0]["channel"] == "paid_search"   # sorted by credited amount
    assert set(influenced.values()) == {120_000.0}


def test_paths_csv_has_the_channelattribution_layout(cli, closed_story):
    run = cli("attribution", "paths", "--conversion", "opportunity_created", "--format", "csv",
              env=closed_story)
    assert run.exit_code == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert list(rows[0]) == ["path", "total_conversions", "total_conversion_value",
                             "total_null"]
    got = {r["path"]: (float(r["total_conversions"]), float(r["total_conversion_value"]),
                       float(r["total_null"])) for r in rows}
    assert got == {
        "paid_search > webinar > email > event": (1, 100_000, 0),   # O1
        "paid_social > webinar > email": (1, 50_000, 0),            # O2
        "paid_search > email": (0, 0, 1),     # A4: touches, never an opportunity
    }


def test_markov_runs_on_the_printed_path_table(cli, closed_story, workspace_dir):
    run = cli("attribution", "paths", "--conversion", "won", "--format", "csv",
              env=closed_story)
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    # O1 won; O2 is still open: a non-converting journey up to the end of the data
    assert {r["path"]: float(r["total_null"]) for r in rows} == {
        "paid_search > webinar > email > event > content > paid_search": 0,
        "paid_social > webinar > email": 1}
    table = PathTable.from_columns([r["path"] for r in rows],
                                   [float(r["total_conversions"]) for r in rows],
                                   [float(r["total_conversion_value"]) for r in rows],
                                   [float(r["total_null"]) for r in rows])
    from revlens.workspace import Workspace

    with Workspace.open(workspace_dir, read_only=True) as ws:
        result = channel_model(ws.warehouse, ModelSpec(model="markov"), Scope("won"))
    assert result.weights() == pytest.approx(markov_model(table).weights())
    # by hand: P(conv) = 1/2 (START -> paid_search 1/2 ...); removing paid_search: 0
    assert result.conversion_probability == pytest.approx(0.5)
    assert {c.channel: c.removal_effect for c in result.channels}["paid_search"] == 1.0


def test_compare_lists_every_model(cli, closed_story):
    run = cli("attribution", "compare", "--conversion", "won", "--by", "channel", "--format",
              "json", env=closed_story)
    assert run.exit_code == 0, run.stderr
    rows = {r["channel"]: r for r in json.loads(run.stdout)}
    assert rows["paid_search"]["first_touch"] == 1.0
    assert rows["paid_search"]["linear_amount"] == pytest.approx(40_000)
    assert rows["event"]["w_shaped"] == pytest.approx(0.3 + 1.0)   # TA4 + O3's lead source
    for model in ("markov", "shapley", "time_decay", "full_path"):
        assert sum(r[model] for r in rows.values()) == pytest.approx(2.0)


def test_explain_shows_each_touch_under_every_model(cli, closed_story):
    run = cli("attribution", "explain", "O1", "--conversion", "won", "--format", "json",
              env=closed_story)
    assert run.exit_code == 0, run.stderr
    touches = json.loads(run.stdout)
    assert [t["touchpoint_id"] for t in touches] == ["TA1", "TA2", "TA3", "TA4", "TA5", "TA6"]
    assert touches[0]["milestones"] == "first"
    assert touches[3]["milestones"] == "opportunity_created"
    assert [t["w_shaped"] for t in touches] == pytest.approx(
        [0.3, 0.3, 0.1 / 3, 0.3, 0.1 / 3, 0.1 / 3])
    assert [t["full_path"] for t in touches] == pytest.approx(
        [0.225, 0.225, 0.05, 0.225, 0.05, 0.225])
    for model in ("linear", "markov", "shapley", "time_decay", "last_non_direct"):
        assert sum(t[model] for t in touches) == pytest.approx(1.0)


def test_explain_table_and_unknown_id(cli, closed_story):
    run = cli("attribution", "explain", "O1", env=closed_story)
    assert run.exit_code == 0 and "TA4" in run.stdout and "100,000.00" in run.stdout
    missing = cli("attribution", "explain", "O404", env=closed_story)
    assert missing.exit_code == 1
    assert "no opportunity_created conversion for opportunity 'O404'" in missing.stderr


def test_unknown_model_is_one_line(cli, closed_story):
    run = cli("attribution", "--model", "v_shaped", env=closed_story)
    assert run.exit_code == 1 and "choose one of: first_touch" in run.stderr

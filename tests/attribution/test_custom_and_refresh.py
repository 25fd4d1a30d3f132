"""Custom models are saved and versioned; `refresh` writes every model's credits into
`attribution_credits`, where they sum to 1 per model and conversion."""

from __future__ import annotations

import pytest

from revlens.attribution.custom_models import custom_models, save_custom_model
from revlens.attribution.engine import MODEL_NAMES
from revlens.attribution.exceptions import UnknownCustomModel
from revlens.attribution.report import AttributionRequest, attribution_report
from revlens.refresh import refresh
from revlens.warehouse.schema import ATTRIBUTION_CREDITS_TABLE

FIRST_HEAVY = {"first": 0.7, "rest": 0.3}
LAST_HEAVY = {"last": 0.9, "first": 0.1}


def by_campaign(ws, model: str) -> dict[str | None, float]:
    report = attribution_report(ws.warehouse, AttributionRequest(
        model=model, conversion="won", by="campaign"))
    return {r.key: r.amount for r in report.rows}


def test_versions_are_kept_and_can_be_chosen(account_story):
    wh = account_story.warehouse
    assert save_custom_model(wh, "board", FIRST_HEAVY, saved_by="cmo").version == 1
    assert save_custom_model(wh, "board", LAST_HEAVY).version == 2
    assert [(s.custom_name, s.version) for s in custom_models(wh)] == [("board", 1),
                                                                      ("board", 2)]
    # O1 (120,000): TA1 CMP_S first ... TA6 CMP_S last; between them TA2 is CMP_W
    # v1: first 0.7 + rest 0.3 over the other five touches -> CMP_S 0.7 + 0.06, CMP_W 0.06
    v1 = by_campaign(account_story, "custom:board@1")
    assert v1["CMP_S"] == pytest.approx(0.76 * 120_000)
    assert v1["CMP_W"] == pytest.approx(0.06 * 120_000)
    # latest (v2): last 0.9 + first 0.1 -> all of O1 to CMP_S, nothing to CMP_W
    latest = by_campaign(account_story, "custom:board")
    assert latest["CMP_S"] == pytest.approx(120_000)
    assert latest.get("CMP_W", 0.0) == pytest.approx(0.0)
    with pytest.raises(UnknownCustomModel, match="board@1"):
        by_campaign(account_story, "custom:board@3")


def test_refresh_writes_every_model_and_the_latest_custom_one(account_story):
    wh = account_story.warehouse
    save_custom_model(wh, "board", FIRST_HEAVY)
    save_custom_model(wh, "board", LAST_HEAVY)
    assert "attribution_credits" in refresh(account_story)
    table = wh.table(ATTRIBUTION_CREDITS_TABLE)
    sums = table.group_by(["model", "conversion_type", "conversion_id"]).aggregate(
        total=table.credit.sum())
    rows = wh.to_arrow(sums).to_pylist()
    assert {r["model"] for r in rows} == {*MODEL_NAMES, "custom:board@2"}
    assert all(r["total"] == pytest.approx(1.0) for r in rows)
    # O1 won: six touches, linear gives each 1/6 of 120,000
    o1 = wh.to_arrow(table.filter((table.model == "linear") & (table.conversion_type == "won")
                                  & (table.conversion_id == "O1"))).to_pylist()
    assert sorted(r["touchpoint_id"] for r in o1) == ["TA1", "TA2", "TA3", "TA4", "TA5", "TA6"]
    assert all(r["amount_credit"] == pytest.approx(20_000) for r in o1)
    # a second refresh rewrites rather than appends
    before = wh.execute(table.count())
    refresh(account_story)
    assert wh.execute(wh.table(ATTRIBUTION_CREDITS_TABLE).count()) == before

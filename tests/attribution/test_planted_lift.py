"""The demo data plants one channel effect: accounts whose people attended a webinar before
their opportunity was created win 1.8x as often (revlens.demo.effects.WEBINAR_WIN_LIFT). A
data-driven model must find it; a position-based one need not.

Every channel is compared by its credit per journey it appears in, relative to the average
(credited won deals per journey reached / won deals per journey): a channel that only rides
along scores about 1, one that lifts the win rate scores above. Channels reached by fewer than
100 journeys are left out of the ranking (too few to rank).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from revlens.attribution.engine import Scope
from revlens.attribution.markov import ChannelModelResult, markov_model
from revlens.attribution.paths import load_path_table
from revlens.attribution.pathtable import PathTable
from revlens.attribution.report import AttributionRequest, attribution_report
from revlens.attribution.shapley import shapley_model
from revlens.demo.generate import generate
from revlens.ingest.bulk import import_manifest
from revlens.workspace import Workspace

MIN_REACH = 100


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("planted")
    generate(root / "data", scale="small")
    Workspace.init(root / "ws", admin_password="planted-lift-1")
    with Workspace.open(root / "ws") as ws:
        import_manifest(ws, root / "data", user="test")
    ws = Workspace.open(root / "ws", read_only=True)
    with ws.warehouse.scratch_scope():
        table = load_path_table(ws.warehouse, Scope("won").paths(ws.warehouse))
    yield ws, table, json.loads((root / "data" / "truth.json").read_text(encoding="utf-8"))
    ws.close()


def reach_of(table: PathTable) -> dict[str, float]:
    """Journeys (converting or not) each channel appears in."""
    sets, journeys = table.channel_sets(), table.conversions + table.nulls
    return {ch: float(journeys[(sets >> i) & 1 == 1].sum())
            for i, ch in enumerate(table.channels)}


def lift_ranking(credited: dict[str, float], table: PathTable) -> list[str]:
    reach = reach_of(table)
    average = table.conversions.sum() / (table.conversions + table.nulls).sum()
    index = {ch: credited.get(ch, 0.0) / reach[ch] / average
             for ch in table.channels if reach[ch] >= MIN_REACH}
    return sorted(index, key=index.get, reverse=True)


def by_channel(result: ChannelModelResult) -> dict[str, float]:
    return {c.channel: c.total_conversions for c in result.channels}


def test_the_path_table_shows_the_planted_lift(demo):
    _, table, truth = demo
    planted = truth["effects"]["webinar_win_lift"]
    assert (planted["channel"], planted["lift"]) == ("webinar", 1.8)
    webinar = (table.channel_sets() >> table.channels.index("webinar")) & 1 == 1
    journeys = table.conversions + table.nulls

    def rate(rows: np.ndarray) -> float:
        return table.conversions[rows].sum() / journeys[rows].sum()

    # diluted by renewals, upsells and still-open deals (non-converting journeys), still there
    assert rate(webinar) / rate(~webinar) > 1.25


def test_markov_ranks_the_planted_channel_first(demo):
    _, table, _ = demo
    assert lift_ranking(by_channel(markov_model(table)), table)[0] == "webinar"


def test_shapley_ranks_the_planted_channel_first(demo):
    _, table, _ = demo
    assert lift_ranking(by_channel(shapley_model(table)), table)[0] == "webinar"


def test_last_touch_does_not_see_it(demo):
    ws, table, _ = demo
    report = attribution_report(ws.warehouse, AttributionRequest(
        model="last_touch", conversion="won", by="channel"))
    credited = {r.key: r.conversions for r in report.rows}
    ranking = lift_ranking(credited, table)
    assert ranking[0] != "webinar"
    assert ranking.index("webinar") >= len(ranking) // 2   # near the bottom: rarely last

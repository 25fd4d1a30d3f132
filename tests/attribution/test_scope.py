"""Attribution in a user's row-level scope, on the metric layer's story (tests/metrics/story.py):
only the conversions the user's staff own count, in reports, model comparisons, paths and
explanations; spend is that of the campaigns they own.

The story's opportunities: O1 (U1, ¥100,000) and O4 (U1, ¥40,000) on account A1, whose lead L1
came through Baidu campaign C1 (touches T1, T2, T4, T5: four paid_search touches); O2 (U3,
¥50,000) on A2 whose lead L3 came to event C2 (T6, T8); O3 (U2, ¥80,000) with no lead or touch.
Spend: C1 ¥2,000 of ads, C2 ¥3,000 booked; both campaigns are the marketer MK's.
"""

from __future__ import annotations

import pytest

from revlens.attribution.explain import explain_conversion, path_report
from revlens.attribution.report import AttributionRequest, attribution_report, compare_models
from revlens.errors import RevLensError

U1 = frozenset({"U1"})
CREATED = AttributionRequest(conversion="opportunity_created", by="campaign")


def test_everyone_sees_all_four_opportunities_and_all_spend(story):
    report = attribution_report(story.warehouse, CREATED)
    assert {r.key: (r.conversions, r.amount, r.spend) for r in report.rows} == {
        "C1": (2.0, 140_000, 2_000), "C2": (1.0, 50_000, 3_000), None: (1.0, 80_000, None)}
    assert (report.total_conversions, report.total_amount, report.total_spend) == (
        4.0, 270_000, 5_000)


def test_a_rep_sees_their_two_opportunities_and_no_marketing_spend(story):
    report = attribution_report(story.warehouse, CREATED, U1)
    assert [(r.key, r.conversions, r.amount, r.spend) for r in report.rows] == [
        ("C1", 2.0, 140_000, None)]
    assert (report.total_conversions, report.total_amount, report.total_spend) == (
        2.0, 140_000, 0.0)
    nobody = attribution_report(story.warehouse, CREATED, frozenset())
    assert (nobody.rows, nobody.total_conversions) == ([], 0.0)


def test_markov_learns_from_the_reps_journeys_only(story):
    report = attribution_report(story.warehouse, CREATED.model_copy(update={"model": "markov"}),
                                U1)
    [channel] = report.channel_model.channels
    # O1 and O4 both came through paid_search alone: it has all the credit
    assert (channel.channel, channel.share, channel.total_conversions,
            channel.total_conversion_value) == ("paid_search", 1.0, 2.0, 140_000)


def test_compare_and_paths_hold_the_reps_conversions_only(story):
    compare = compare_models(story.warehouse, CREATED, ["linear", "first_touch"], U1)
    assert [(r.key, r.models["linear"].amount, r.models["first_touch"].conversions)
            for r in compare.rows] == [("C1", 140_000, 2.0)]
    mql = AttributionRequest(conversion="mql")
    # the rep's L1 reached MQL after four paid_search touches; their L4 (status new) did
    # not, after one event touch (T7): a non-converting path of the rep's own
    paths = {r.path: (r.total_conversions, r.total_null)
             for r in path_report(story.warehouse, mql, U1).rows}
    assert paths == {"paid_search > paid_search > paid_search > paid_search": (1.0, 0.0),
                     "event": (0.0, 1.0)}
    everyone = {r.path for r in path_report(story.warehouse, mql).rows}
    assert "event > event" in everyone                       # L3 (U3's) reached MQL


def test_a_conversion_the_rep_does_not_own_cannot_be_explained(story):
    mine = explain_conversion(story.warehouse, "O1", CREATED, U1)
    assert [t.touchpoint_id for t in mine.touches] == ["T1", "T2", "T4", "T5"]
    with pytest.raises(RevLensError, match="'O2'"):
        explain_conversion(story.warehouse, "O2", CREATED, U1)
    assert explain_conversion(story.warehouse, "O2", CREATED).amount == 50_000

"""The identity-quality benchmark: pairwise precision and recall computed right on a hand-made
clustering, and OneID meeting the targets on the tiny demo against its answer key."""

from __future__ import annotations

import pandas as pd
import pytest
from benchmarks.bench_identity_quality import (
    TARGET_PRECISION,
    TARGET_RECALL,
    measure_quality,
    pairwise,
)

from revlens.demo.generate import generate
from revlens.identity.graph import resolve
from revlens.ingest.bulk import import_manifest
from revlens.workspace import Workspace


def test_pairwise_precision_and_recall_by_hand():
    # truth: {a, b, c} and {d}; predicted: {a, b} and {c, d}
    frame = pd.DataFrame({"record": list("abcd"), "true": [1, 1, 1, 2],
                          "predicted": ["x", "x", "y", "y"]})
    precision, recall, pairs = pairwise(frame, "predicted", "true")
    # true pairs ab, ac, bc; predicted ab, cd; both: ab
    assert (precision, recall, pairs) == (pytest.approx(1 / 2), pytest.approx(1 / 3), 3)


def test_oneid_meets_the_targets_on_the_tiny_demo(tmp_path):
    generate(tmp_path / "data", scale="tiny")
    Workspace.init(tmp_path / "ws", admin_password="quality-check-1")
    with Workspace.open(tmp_path / "ws") as ws:
        import_manifest(ws, tmp_path / "data", user="test")
        resolve(ws.warehouse)
    figures = {f.figure: f for f in measure_quality(tmp_path / "ws",
                                                   tmp_path / "data" / "truth_identity.csv")}
    assert figures["records (leads and contacts)"].value > 1000
    assert figures["person pairs in the answer key"].value > 0
    assert figures["persons: pairwise precision"].value >= TARGET_PRECISION
    assert figures["persons: pairwise recall"].value >= TARGET_RECALL
    assert figures["person → account: pairwise precision"].value >= TARGET_PRECISION
    assert figures["person → account: pairwise recall"].value >= TARGET_RECALL

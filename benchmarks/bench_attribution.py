"""Attribution on the demo data: every rule-based model, Markov and Shapley.

Input: the demo generated at the run's scale (`large`: about 10M touchpoints) and imported into
a workspace, cached in the data folder. The journeys measured are those of `lead_created`
(every lead's touches in its 365-day window): the most numerous conversion.

- **journeys**: building the journey table (the person links, the window, positions and
  milestones) into a temporary table; every model then reads it.
- **rule models**: `touch_credits` of each rule-based model computed into a temporary table
  with the columns `refresh` writes (`attribution_credits`), side by side with a hand-written
  DuckDB SQL of `linear` over the same journey table (credit = 1 / touches of the journey,
  amount x credit), the least work that gives linear credits. The issue's target for linear:
  within 1.5x of the SQL.
- **markov**: `markov_model` (order 1, solved exactly) on the lead_created path table, against
  the `ChannelAttribution` package's `markov_model` (simulation, ncore=2) on the same table;
  also the largest difference between the two sets of channel shares, in points of the total
  (target: within 2% of its converged values). Needs `pip install -e ".[bench]"`; without the
  package the peer is reported as missing.
- **shapley**: `shapley_model` (exact) on a path table of 100,000 journeys over 12 channels
  (drawn with a fixed seed, conversion odds rising with the channels a path holds): the time per
  100k journeys.

Each timing is the best of the run's repeats.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.registry import Figure, RunContext, benchmark

NAME = "attribution"
CONVERSION = "lead_created"
SQL_PEER = "DuckDB SQL linear"
CA_PEER = "ChannelAttribution"
SHAPLEY_JOURNEYS = 100_000
SHAPLEY_CHANNELS = 12


@benchmark(NAME)
def run(ctx: RunContext) -> list[Figure]:
    workspace = demo_workspace(ctx.scale, ctx.data_dir)
    return measure_attribution(workspace, ctx.repeat)


def demo_data(scale: str, data_dir: Path) -> Path:
    """The demo's files at `scale`, generated once (kept in the data folder; the manifest is
    written last, so a folder with one is complete). The generation's time and row counts are
    kept beside it in `generated.json`."""
    from revlens.demo.generate import generate

    root = data_dir / f"attribution-{scale}"
    folder = root / "data"
    if not (folder / "manifest.json").exists():
        summary = generate(folder, scale=scale)
        (root / "generated.json").write_text(json.dumps(
            {"seconds": summary.seconds, "rows": summary.rows}), encoding="utf-8")
    return folder


def demo_workspace(scale: str, data_dir: Path) -> Path:
    """The demo at `scale`, generated and imported once (kept in the data folder)."""
    from revlens.ingest.bulk import import_manifest
    from revlens.workspace import Workspace

    root = data_dir / f"attribution-{scale}"
    workspace, done = root / "ws", root / "imported"
    if not done.exists():
        data = demo_data(scale, data_dir)
        Workspace.init(workspace, admin_password="benchmark-only")
        with Workspace.open(workspace) as ws:
            import_manifest(ws, data, user="benchmark")
        done.touch()
    return workspace


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def measure_attribution(workspace: Path, repeat: int = 1) -> list[Figure]:
    from revlens.attribution.engine import CREDIT_COLUMNS, Scope, touch_credits
    from revlens.attribution.paths import load_path_table
    from revlens.attribution.rules import RULE_MODELS
    from revlens.attribution.specs import ModelSpec
    from revlens.workspace import Workspace

    figures: list[Figure] = []
    with Workspace.open(workspace, read_only=True) as ws:
        wh = ws.warehouse
        scope = Scope(CONVERSION)
        touches = wh.execute(wh.table("touchpoints").count())

        def build_journeys():
            with wh.scratch_scope():
                return wh.scratch(scope.journeys(wh))

        with wh.scratch_scope():
            seconds, _ = best_of(repeat, build_journeys)
            journey = wh.scratch(scope.journeys(wh))
            rows = wh.execute(journey.count())
            journeys = wh.execute(journey.conversion_id.nunique())
            figures += [
                Figure(NAME, "touchpoints in the warehouse", touches, "rows"),
                Figure(NAME, f"{CONVERSION} journeys", journeys, "journeys"),
                Figure(NAME, "  touches in them", rows, "rows"),
                Figure(NAME, "build the journey table", seconds, "s"),
            ]
            sql_seconds, _ = best_of(repeat, lambda: linear_sql(wh, journey))
            for model in (m for m in RULE_MODELS if m != "custom"):
                spec = ModelSpec(model=model)

                def credits(spec=spec):
                    name = f"_bench_{uuid.uuid4().hex[:8]}"
                    wh.create_temp(name, touch_credits(wh, spec, scope, journey)
                                   .select(*CREDIT_COLUMNS))
                    wh.drop_temp(name)

                seconds, _ = best_of(repeat, credits)
                peer = (SQL_PEER, sql_seconds, seconds / sql_seconds) if model == "linear" \
                    else ("", None, None)
                figures.append(Figure(NAME, f"{model} credits", seconds, "s", *peer))
            table = load_path_table(wh, scope.paths(wh))
    figures += markov_figures(table, repeat)
    figures += shapley_figures(repeat)
    return figures


def linear_sql(wh, journey, keep: bool = False) -> str:
    """The hand-written peer: linear credits of the journey table into a temporary table
    (dropped again unless `keep`); returns the table's name."""
    source = journey.get_name().rsplit(".", 1)[-1]   # a temporary table: temp.main.NAME
    target = f"_bench_sql_{uuid.uuid4().hex[:8]}"
    raw = wh.con.con
    raw.execute(
        f"CREATE TEMP TABLE \"{target}\" AS SELECT 'linear' AS model, conversion_type, "
        "conversion_id, touchpoint_id, channel, campaign_id, content_id, keyword, "
        "1.0 / COUNT(*) OVER (PARTITION BY conversion_type, conversion_id) AS credit, "
        "amount / COUNT(*) OVER (PARTITION BY conversion_type, conversion_id) AS amount_credit, "
        f'converted_at FROM "{source}"')
    if not keep:
        raw.execute(f'DROP TABLE "{target}"')
    return target


def markov_figures(table, repeat: int) -> list[Figure]:
    from revlens.attribution.markov import markov_model

    seconds, result = best_of(repeat, lambda: markov_model(table))
    ours = {c.channel: c.share for c in result.channels}
    paths = Figure(NAME, "markov: distinct paths", len(table.lengths), "paths")
    try:
        import ChannelAttribution  # noqa: F401
    except ImportError:
        return [paths, Figure(NAME, "markov (order 1, exact)", seconds, "s",
                              f"{CA_PEER}: not installed (pip install -e '.[bench]')")]
    peer_seconds, theirs = best_of(repeat, lambda: channel_attribution(table))
    gap = max(abs(ours[ch] - theirs.get(ch, 0.0)) for ch in ours) * 100
    return [paths,
            Figure(NAME, "markov (order 1, exact)", seconds, "s", CA_PEER, peer_seconds,
                   seconds / peer_seconds),
            Figure(NAME, "  largest share difference", gap, "points", CA_PEER)]


def channel_attribution(table) -> dict[str, float]:
    """ChannelAttribution's markov_model on the same path table: channel shares."""
    import contextlib
    import io

    import pandas as pd
    from ChannelAttribution import markov_model as ca_markov

    paths = [" > ".join(table.channels[c - 1] for c in
                        table.codes[table.offsets[i]:table.offsets[i + 1]])
             for i in range(len(table.lengths))]
    frame = pd.DataFrame({"path": paths, "conv": table.conversions, "null": table.nulls})
    with contextlib.redirect_stdout(io.StringIO()):
        out = ca_markov(frame, "path", "conv", var_null="null", order=1, sep=">", ncore=2,
                        verbose=False, flg_pro=False)
    total = out["total_conversions"].sum()
    return {str(ch).strip(): float(v) / total
            for ch, v in zip(out["channel_name"], out["total_conversions"], strict=True)}


def shapley_paths(journeys: int = SHAPLEY_JOURNEYS, channels: int = SHAPLEY_CHANNELS,
                  seed: int = 7):
    """A path table of `journeys` random journeys over `channels` channels (1-6 touches)."""
    from revlens.attribution.pathtable import PathTable

    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 7, size=journeys)
    codes = rng.integers(1, channels + 1, size=int(lengths.sum()))
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    odds = 0.05 + 0.04 * lengths
    converted = (rng.random(journeys) < odds).astype(np.float64)
    names = [f"channel_{i:02d}" for i in range(1, channels + 1)]
    return PathTable(names, codes.astype(np.int64), offsets.astype(np.int64), converted,
                     converted * 1_000.0, 1.0 - converted)


def shapley_figures(repeat: int) -> list[Figure]:
    from revlens.attribution.shapley import shapley_model

    table = shapley_paths()
    seconds, result = best_of(repeat, lambda: shapley_model(table))
    assert result.exact
    per_100k = seconds * 100_000 / SHAPLEY_JOURNEYS
    return [Figure(NAME, f"shapley, {SHAPLEY_CHANNELS} channels (exact), per 100k journeys",
                   per_100k, "s")]

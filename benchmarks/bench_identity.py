"""The OneID person graph on N identifier edges, against a plain scipy connected-components
call on the same edge list (the floor).

Input (fixed seed): records of a synthetic population, each carrying 2-4 identifiers of one
person (cookie, e-mail, phone, contact or lead id), with one record in a hundred carrying two
persons' cookies (a shared device) so that components merge — `EDGES[scale]` edges in all.

Both sides start from the same observation rows as an Arrow table (what the warehouse
returns), made before the clock starts. RevLens side: `build_graph` — what `revlens identity
run` does between reading the observations and writing the tables: numbering the identifiers,
blocked values, star edges per record, connected components, per-person limits, stable ids and
first-seen times. Floor: the least any connected-components call on these identifiers must
do — number the (type, value) pairs (Arrow's dictionary encoding and one integer hash; the
identifiers are text), join each record's identifiers to its first (the rows come grouped by
record, which the floor uses and RevLens does not), and
`scipy.sparse.csgraph.connected_components` on the edge list; nothing else. RevLens hashes the
record ids in a second thread while it numbers the identifiers (Arrow releases the GIL); the
floor runs in one, so the CPU time of both (every thread) is reported beside the wall clock.
Each side runs in its own fresh process, so each peak RSS is that side's alone; the clocks cover
the work only.
The target: within 2x of the floor on 10M edges.

Engines on DuckDB: the whole `revlens identity run` (reading the observations from a
touchpoints table, the graph, writing the four identity tables) with `identity_engine =
"warehouse"` (every step as queries, connected components by large-star / small-star rounds;
what a Spark warehouse runs) beside `"memory"` (scipy, the DuckDB default) on the same records,
each in a fresh process on a fresh DuckDB file.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.bench_import import _in_worker, _peak_rss_mb
from benchmarks.registry import Figure, RunContext, benchmark

NAME = "identity"
EDGES = {"tiny": 20_000, "small": 200_000, "medium": 2_000_000, "large": 10_000_000}
FLOOR = "scipy connected_components"
ENGINE_PEER = "identity run, memory engine (scipy)"
KINDS = ("anonymous_id", "email", "phone", "contact_id")


@benchmark(NAME)
def run(ctx: RunContext) -> list[Figure]:
    return measure_identity(EDGES[ctx.scale], ctx.repeat)


def observations(edges: int, seed: int = 11):
    """Observation rows (source, record_id, observed_at, kind, value) giving about `edges`
    star edges."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    records = edges // 2                       # 3 identifiers on average: 2 edges a record
    persons = max(records // 3, 1)
    person = rng.integers(0, persons, size=records)
    width = rng.integers(2, 5, size=records)   # 2..4 identifiers
    rows = np.repeat(np.arange(records), width)
    slot = np.arange(len(rows)) - np.repeat(np.cumsum(width) - width, width)
    owner = person[rows]
    shared = (slot == 0) & (rng.random(len(rows)) < 0.01)   # a shared device: another's cookie
    owner = np.where(shared, rng.integers(0, persons, size=len(rows)), owner)
    kind = np.asarray(KINDS, dtype=object)[slot % len(KINDS)]
    variant = rng.integers(0, 2, size=len(rows))            # each person has 2 of each kind
    value = pd.Series(owner * 2 + variant).astype(str).to_numpy(dtype=object)
    base = np.datetime64("2026-01-01T00:00:00", "us")
    return pd.DataFrame({
        "source": "touchpoints", "record_id": rows.astype(str).astype(object),
        "observed_at": pd.to_datetime(base + rng.integers(0, 86_400 * 300, size=records)[rows]
                                      * np.timedelta64(1, "s"), utc=True),
        "kind": kind, "value": value})


def measure_identity(edges: int, repeat: int = 1) -> list[Figure]:
    ours = [_in_worker(revlens_graph, edges) for _ in range(max(repeat, 1))]
    floor = [_in_worker(scipy_floor, edges) for _ in range(max(repeat, 1))]
    best = min(ours, key=lambda r: r["seconds"])
    peer = min(floor, key=lambda r: r["seconds"])
    runs = {engine: min((_in_worker(identity_run_on_duckdb, edges, engine)
                         for _ in range(max(repeat, 1))), key=lambda r: r["seconds"])
            for engine in ("memory", "warehouse")}
    memory, warehouse = runs["memory"], runs["warehouse"]
    return [
        Figure(NAME, "identifier edges", best["edges"], "edges", FLOOR, peer["edges"]),
        Figure(NAME, "persons found", best["persons"], "persons", FLOOR, peer["persons"]),
        Figure(NAME, "build the person graph", best["seconds"], "s", FLOOR, peer["seconds"],
               best["seconds"] / peer["seconds"]),
        Figure(NAME, "build the person graph, CPU time (every thread)", best["cpu_seconds"], "s",
               FLOOR, peer["cpu_seconds"], best["cpu_seconds"] / peer["cpu_seconds"]),
        Figure(NAME, "peak RSS (memory ratio)", best["peak_rss_mb"], "MB", FLOOR,
               peer["peak_rss_mb"], best["peak_rss_mb"] / peer["peak_rss_mb"]),
        Figure(NAME, "persons found, warehouse engine", warehouse["persons"], "persons",
               ENGINE_PEER, memory["persons"]),
        Figure(NAME, "identity run, warehouse engine (DuckDB)", warehouse["seconds"], "s",
               ENGINE_PEER, memory["seconds"], warehouse["seconds"] / memory["seconds"]),
        Figure(NAME, "connected-components rounds, warehouse engine", warehouse["rounds"],
               "rounds"),
    ]


def touchpoints(edges: int):
    """The observations of `observations(edges)` as a touchpoints table: one row per record,
    one column per identifier type (a record carries at most one of each)."""
    import pyarrow as pa

    from revlens.identity.graph import SOURCES

    obs = observations(edges)
    wide = obs.pivot(index=["record_id", "observed_at"], columns="kind", values="value")
    wide = wide.reset_index()
    columns = {"touchpoint_id": pa.array(wide["record_id"], pa.string()),
               "occurred_at": pa.array(wide["observed_at"], pa.timestamp("us", "UTC"))}
    for kind in SOURCES["touchpoints"][2]:
        values = wide[kind] if kind in wide else [None] * len(wide)
        columns[kind] = pa.array([v if isinstance(v, str) else None for v in values],
                                 pa.string())
    return pa.table(columns)


def identity_run_on_duckdb(edges: int, engine: str) -> dict:
    """`resolve` with `identity_engine = engine` on a fresh DuckDB warehouse holding
    `touchpoints(edges)`; the clock covers the run only."""
    import tempfile
    from pathlib import Path

    from revlens.config import load_settings
    from revlens.identity.graph import resolve
    from revlens.identity.guards import IdentityConfig
    from revlens.warehouse import Warehouse

    with tempfile.TemporaryDirectory() as folder, \
            Warehouse(load_settings(Path(folder) / "ws")) as wh:
        wh.con.create_table("touchpoints", touchpoints(edges))
        start = time.perf_counter()
        run = resolve(wh, IdentityConfig(limits={}), engine=engine)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "persons": run.persons, "rounds": run.rounds or 0}


def _arrow_observations(edges: int):
    import pyarrow as pa

    table = pa.Table.from_pandas(observations(edges), preserve_index=False)
    return table.cast(table.schema.set(table.schema.get_field_index("observed_at"),
                                       pa.field("observed_at", pa.timestamp("us", "UTC"))))


def revlens_graph(edges: int) -> dict:
    from revlens.identity.graph import build_graph
    from revlens.identity.guards import IdentityConfig

    obs = _arrow_observations(edges)
    start, cpu = time.perf_counter(), time.process_time()
    graph = build_graph(obs, IdentityConfig(limits={}))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu_seconds": cpu, "edges": graph.edges.num_rows,
            "persons": graph.persons, "peak_rss_mb": _peak_rss_mb()}


def scipy_floor(edges: int) -> dict:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    obs = _arrow_observations(edges)
    start, cpu = time.perf_counter(), time.process_time()
    kind, value, record = (
        np.concatenate([c.indices.to_numpy() for c in pa.table(
            {"c": pc.dictionary_encode(obs[name])}).unify_dictionaries()["c"].chunks])
        for name in ("kind", "value", "record_id"))
    codes, uniques = pd.factorize(value.astype(np.int64) * 8 + kind)
    first = np.r_[True, record[1:] != record[:-1]]          # rows come grouped by record
    anchor = codes[np.flatnonzero(first)][np.cumsum(first) - 1]
    a, b = anchor[~first], codes[~first]
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)),
                       shape=(len(uniques), len(uniques)))
    count, _ = connected_components(graph, directed=False)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu_seconds": cpu, "edges": int(len(a)), "persons": int(count),
            "peak_rss_mb": _peak_rss_mb()}

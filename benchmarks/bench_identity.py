"""The OneID person graph on N identifier edges, against a plain scipy connected-components
call on the same edge list (the floor).

Input (fixed seed): records of a synthetic population, each carrying 2-4 identifiers of one
person (cookie, e-mail, phone, contact or lead id), with one record in a hundred carrying two
persons' cookies (a shared device) so that components merge — `EDGES[scale]` edges in all.

RevLens side: `build_graph` — what `revlens identity run` does between reading the
observations and writing the tables: factorising identifiers, blocked values, edges per record,
connected components, per-person limits and stable ids. Floor: the edge list as two integer
arrays into `scipy.sparse.csgraph.connected_components`, nothing else. Each side runs in its own
fresh process, so each peak RSS is that side's alone; the clock covers the call only.
The issue's target: within 2x of the floor on 10M edges.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.bench_import import _in_worker, _peak_rss_mb
from benchmarks.registry import Figure, RunContext, benchmark

NAME = "identity"
EDGES = {"tiny": 20_000, "small": 200_000, "medium": 2_000_000, "large": 10_000_000}
FLOOR = "scipy connected_components"
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
    return [
        Figure(NAME, "identifier edges", best["edges"], "edges", FLOOR, peer["edges"]),
        Figure(NAME, "persons found", best["persons"], "persons", FLOOR, peer["persons"]),
        Figure(NAME, "build the person graph", best["seconds"], "s", FLOOR, peer["seconds"],
               best["seconds"] / peer["seconds"]),
        Figure(NAME, "peak RSS (memory ratio)", best["peak_rss_mb"], "MB", FLOOR,
               peer["peak_rss_mb"], best["peak_rss_mb"] / peer["peak_rss_mb"]),
    ]


def revlens_graph(edges: int) -> dict:
    from revlens.identity.graph import build_graph
    from revlens.identity.guards import IdentityConfig

    obs = observations(edges)
    start = time.perf_counter()
    graph = build_graph(obs, IdentityConfig(limits={}), {})
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "edges": len(graph.edges),
            "persons": len(set(graph.person_ids)), "peak_rss_mb": _peak_rss_mb()}


def scipy_floor(edges: int) -> dict:
    import pandas as pd
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    obs = observations(edges)
    codes, uniques = pd.factorize(obs["kind"] + "\x1f" + obs["value"])
    record = obs["record_id"].to_numpy()
    first = np.r_[True, record[1:] != record[:-1]]          # rows come grouped by record
    anchor = codes[np.flatnonzero(first)][np.cumsum(first) - 1]
    a, b = anchor[~first], codes[~first]
    start = time.perf_counter()
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)),
                       shape=(len(uniques), len(uniques)))
    count, _ = connected_components(graph, directed=False)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "edges": int(len(a)), "persons": int(count),
            "peak_rss_mb": _peak_rss_mb()}

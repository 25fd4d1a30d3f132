"""Connected components inside the warehouse (large-star / small-star) on hand-made graphs
whose components can be read off at a glance — every node labelled with the least node of its
component — and against scipy on a random graph."""

from __future__ import annotations

import ibis
import numpy as np
import pyarrow as pa
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as scipy_components

from revlens.config import load_settings
from revlens.identity.components import ComponentsDidNotConverge, connected_components
from revlens.warehouse import Warehouse


@pytest.fixture
def wh(tmp_path):
    with Warehouse(load_settings(tmp_path / "ws", warehouse_url="duckdb://:memory:")) as wh:
        yield wh


def solve(wh, pairs, **kwargs) -> tuple[dict[int, int], int]:
    """node -> label of every node with an edge, and the rounds it took."""
    a, b = zip(*pairs, strict=True) if pairs else ((), ())
    edges = ibis.memtable(pa.table({"a": pa.array(a, pa.int64()), "b": pa.array(b, pa.int64())}))
    with wh.scratch_scope():
        found = connected_components(wh, edges, **kwargs)
        rows = wh.to_arrow(found.labels).to_pylist()
    labels = {r["node"]: r["label"] for r in rows}
    assert len(labels) == len(rows)                 # one label per node
    return labels, found.rounds


def test_a_chain_is_one_component_labelled_by_its_least_node(wh):
    labels, _ = solve(wh, [(3, 1), (1, 4), (4, 2)])
    assert labels == {1: 1, 2: 1, 3: 1, 4: 1}


def test_a_star_takes_the_least_node_not_its_centre(wh):
    labels, _ = solve(wh, [(5, 9), (5, 2), (3, 5), (5, 8)])
    assert labels == {2: 2, 3: 2, 5: 2, 8: 2, 9: 2}


def test_a_star_around_its_least_node_needs_no_round(wh):
    labels, rounds = solve(wh, [(1, 7), (1, 3), (9, 1)])
    assert (labels, rounds) == ({1: 1, 3: 1, 7: 1, 9: 1}, 0)


def test_two_components_stay_apart(wh):
    labels, _ = solve(wh, [(12, 10), (11, 12), (2, 3), (3, 1)])
    assert labels == {1: 1, 2: 1, 3: 1, 10: 10, 11: 10, 12: 10}


def test_a_cycle_with_duplicate_edges_and_a_self_loop(wh):
    # 6 - 4 - 7 - 5 - 6 around, every edge also given backwards; 8 only loops to itself
    cycle = [(6, 4), (4, 7), (7, 5), (5, 6)]
    labels, _ = solve(wh, cycle + [(b, a) for a, b in cycle] + [(8, 8)])
    assert labels == {4: 4, 5: 4, 6: 4, 7: 4}        # 8 has no edge: a component of its own


def test_no_edges_no_labels(wh):
    assert solve(wh, []) == ({}, 0)


def test_a_long_path_needs_many_rounds_and_a_round_limit_stops_it(wh):
    # 0 - 1 - 2 - ... - 1023: each round about halves the distance to the least node
    path = [(i, i + 1) for i in range(1023)]
    labels, rounds = solve(wh, path)
    assert labels == dict.fromkeys(range(1024), 0)
    assert 5 <= rounds <= 20                     # log2(1024) = 10
    with pytest.raises(ComponentsDidNotConverge) as stopped:
        solve(wh, path, max_rounds=3)
    assert stopped.value.rounds == 3 and stopped.value.edges > 0
    assert "did not converge in 3 rounds" in str(stopped.value)


def test_a_random_graph_agrees_with_scipy(wh):
    rng = np.random.default_rng(20260301)
    nodes, count = 6000, 4000
    a, b = rng.integers(0, nodes, count), rng.integers(0, nodes, count)
    path = rng.permutation(nodes)[:300]             # and one long path in random order
    a, b = np.r_[a, path[:-1]], np.r_[b, path[1:]]
    labels, _ = solve(wh, list(zip(a.tolist(), b.tolist(), strict=True)))
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(nodes, nodes))
    _, component = scipy_components(graph, directed=False)
    least = {}
    for node, c in enumerate(component):
        least.setdefault(c, node)                   # nodes in order: the first is the least
    size = np.bincount(component)
    touched = set(a.tolist()) | set(b.tolist())     # a node whose only edge loops has no label
    assert labels == {n: least[component[n]] for n in touched if size[component[n]] > 1}
    assert len(set(labels.values())) > 100          # many components, some large

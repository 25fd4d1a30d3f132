"""Connected components of a graph held in the warehouse, as Ibis queries: the large-star /
small-star algorithm of Kiveris et al. ("Connected Components in MapReduce and Beyond", SoCC
2014), the one GraphFrames runs on Spark. No edge leaves the warehouse.

The graph is a table of undirected edges (`a`, `b`: int64 node ids); it is kept as pairs
(`lo`, `hi`) with `lo < hi`, without self-loops or duplicates. One round is two steps, each
computed into a temporary table (the warehouse's `create_temp`: on Spark a checkpoint, so the
plan of a round never grows with the rounds before it):

* **large star**: every node `u` links each larger neighbour to `m(u)`, the least of `u` and its
  neighbours;
* **small star**: every node `u` links each smaller neighbour, and itself, to the least of them.

Both keep the components (a node is only ever relinked to another node of its own component),
and together they make every component a star around its least node in O(log² n) rounds —
rarely more than a handful on identity graphs (see tests/identity/test_components.py). The
rounds stop when the edges are such stars, checked exactly: no node is both a centre and a
leaf, and no leaf has two centres. Every node then has the label of its component's least
node: `labels` gives (node, label) for every node that has an edge.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import ibis

from revlens.errors import RevLensError
from revlens.warehouse import Warehouse

MAX_ROUNDS = 64
"""A chain, the slowest graph measured, takes about log2(n) rounds for n nodes (10 for 1,024,
13 for 100,000 in random order): 64 leave room for any graph a warehouse holds, so reaching
the limit means a fault, not a large graph."""


class ComponentsDidNotConverge(RevLensError):
    """The rounds reached their limit before every component was a star."""

    def __init__(self, rounds: int, edges: int, unsettled: int):
        self.rounds, self.edges, self.unsettled = rounds, edges, unsettled
        super().__init__(
            f"connected components did not converge in {rounds} rounds: {unsettled:,} nodes "
            f"(of a graph with {edges:,} edges left) are not yet in a star around their "
            f"component's least node; pass a larger max_rounds if the graph is known to need "
            f"them; running again with the same data will not help")


@dataclass
class Components:
    labels: ibis.Table   # node, label: the least node of the node's component
    rounds: int          # large-star + small-star rounds run


def connected_components(wh: Warehouse, edges: ibis.Table,
                         max_rounds: int = MAX_ROUNDS) -> Components:
    """The components of the undirected graph `edges` (int64 columns `a`, `b`). `labels` is a
    `wh.scratch` table, dropped with the caller's `scratch_scope`; nodes without an edge are
    not in it (each is a component of its own)."""
    with _Temps(wh) as temps:
        e = temps.keep(edges.select(lo=ibis.least(edges.a, edges.b),
                                    hi=ibis.greatest(edges.a, edges.b))
                       .filter(lambda t: t.lo != t.hi).distinct())
        rounds = 0
        while (unsettled := _unsettled(wh, e)) > 0:
            if rounds == max_rounds:
                raise ComponentsDidNotConverge(rounds, int(wh.execute(e.count())), unsettled)
            e = temps.replace(_large_star(e))
            e = temps.replace(_small_star(e))
            rounds += 1
        labels = wh.scratch(ibis.union(e.select(node=e.hi, label=e.lo),
                                       e.select(node=e.lo, label=e.lo).distinct()))
    return Components(labels, rounds)


def _large_star(e: ibis.Table) -> ibis.Table:
    both = ibis.union(e.select(u=e.lo, v=e.hi), e.select(u=e.hi, v=e.lo), distinct=False)
    least = both.group_by("u").agg(m=both.v.min())
    least = least.mutate(m=ibis.least(least.u, least.m))
    j = e.join(least, e.lo == least.u)
    return j.select(lo=j.m, hi=j.hi).distinct()


def _small_star(e: ibis.Table) -> ibis.Table:
    least = e.group_by("hi").agg(m=e.lo.min())
    j = e.join(least, "hi")
    smaller = j.filter(j.lo != j.m).select(lo=j.m, hi=j.lo)
    return ibis.union(smaller, least.select(lo=least.m, hi=least.hi), distinct=True)


def _unsettled(wh: Warehouse, e: ibis.Table) -> int:
    """Nodes not yet in a star around their component's least node: a node that is both a
    centre (`lo`) and a leaf (`hi`), or a leaf with two centres. 0 means done."""
    ends = ibis.union(e.select(node=e.lo, centre=ibis.literal(1), leaf=ibis.literal(0)),
                      e.select(node=e.hi, centre=ibis.literal(0), leaf=ibis.literal(1)),
                      distinct=False)
    per = ends.group_by("node").agg(centre=ends.centre.sum(), leaf=ends.leaf.sum())
    bad = per.filter(((per.centre > 0) & (per.leaf > 0)) | (per.leaf > 1))
    return int(wh.execute(bad.count()))


class _Temps:
    """The temporary tables of the rounds: each step's table replaces the one before it."""

    def __init__(self, wh: Warehouse):
        self.wh, self.names = wh, []

    def __enter__(self) -> _Temps:
        return self

    def __exit__(self, *exc: object) -> None:
        while self.names:
            self.wh.drop_temp(self.names.pop())

    def keep(self, expr: ibis.Table) -> ibis.Table:
        name = f"_cc_{uuid.uuid4().hex[:12]}"
        table = self.wh.create_temp(name, expr)
        self.names.append(name)
        return table

    def replace(self, expr: ibis.Table) -> ibis.Table:
        """`expr` (which may read the last table) kept; the last table dropped."""
        new = self.keep(expr)
        self.wh.drop_temp(self.names.pop(-2))
        return new

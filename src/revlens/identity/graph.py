"""The person identity graph (OneID): identifiers seen together become one person.

1. **Observations**: every identifier on a touchpoint, lead or contact, and both ends of every
   tracking identity link, with the record it came from and when (`observations`).
2. **Guards** (`guards`): values are normalised; blocked values are set aside with a reason
   (naming the value's earliest observation).
3. **Edges**: the identifiers of one record are joined to the record's first identifier (in
   `IDENTIFIER_TYPES` order, then by value), so a record with k identifiers gives k - 1 edges.
4. **Persons** are the connected components (scipy.sparse.csgraph). A component that would
   hold more values of a type than its limit is rebuilt edge by edge in time order, dropping
   (and recording) each edge that would break the limit.
5. **Stable ids** (`assign_ids`): an identifier keeps the person_id it had in the previous run.
   When components merge, the oldest id (lowest number) survives and the merge is logged; when
   a person splits, the part holding most of its identifiers keeps the id (ties: the part with
   the smallest identifier), the others get new ids, and the split is logged.

That is the `memory` engine. The `warehouse` engine (`revlens.identity.warehouse_graph`, the
workspace setting `identity_engine`) runs the same steps as queries in the warehouse, with
connected components by label propagation (`revlens.identity.components`), and writes the
same rows.

Tables written (in one transaction): `identity_map` (identifier_type, identifier_value,
person_id, first_seen), `identity_edges` (the edges kept, with their record), and appended
`identity_rejections` and `identity_log` rows of this run.
"""

from __future__ import annotations

import collections
from collections import defaultdict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from revlens.identity.guards import IDENTIFIER_TYPES, IdentityConfig, blocked_reasons
from revlens.warehouse import Warehouse, refresh_step
from revlens.warehouse.schema import (
    IDENTITY_EDGES_SCHEMA,
    IDENTITY_EDGES_TABLE,
    IDENTITY_LINKS_TABLE,
    IDENTITY_LOG_SCHEMA,
    IDENTITY_LOG_TABLE,
    IDENTITY_MAP_SCHEMA,
    IDENTITY_MAP_TABLE,
    IDENTITY_REJECTIONS_SCHEMA,
    IDENTITY_REJECTIONS_TABLE,
)
from revlens.warehouse.spark import is_spark

SOURCES = {  # entity -> (record id column, time column, identifier columns)
    "touchpoints": ("touchpoint_id", "occurred_at",
                    ("anonymous_id", "email", "phone", "wechat_openid", "wechat_unionid",
                     "contact_id", "lead_id")),
    "leads": ("lead_id", "created_at", ("lead_id", "email", "phone", "wechat_unionid",
                                        "contact_id")),
    "contacts": ("contact_id", "created_at", ("contact_id", "email", "phone", "wechat_unionid")),
}
LINK_KINDS = {"anonymous_id": "anonymous_id", "previous_id": "anonymous_id",
              "email": "email", "phone": "phone", "wechat_openid": "wechat_openid",
              "wechat_unionid": "wechat_unionid", "user_id": "contact_id"}
"""identity_links kinds -> identifier types (group_id names an account, not a person)."""
PRIORITY = {kind: i for i, kind in enumerate(IDENTIFIER_TYPES)}
TS = "timestamp('UTC', 6)"
OBSERVATION_TYPES = {"source": pa.string(), "record_id": pa.string(),
                     "observed_at": pa.timestamp("us", "UTC"), "kind": pa.string(),
                     "value": pa.string()}
KIND_NAMES = tuple(sorted(IDENTIFIER_TYPES))
"""Identifier types in the order of their names: nodes are numbered by (type, value)."""
KIND_RANK = {kind: i for i, kind in enumerate(KIND_NAMES)}
KIND_PRIORITY = np.asarray([PRIORITY[kind] for kind in KIND_NAMES], np.int64)
NEVER = np.iinfo(np.int64).max
"""A time after every observation (microseconds): the first-seen of a node seen without one."""


@dataclass
class IdentityRun:
    persons: int
    identifiers: int
    edges: int
    dropped_edges: int
    blocked: int
    new: int
    merges: int
    splits: int
    rounds: int | None = field(default=None, compare=False)
    """Rounds of connected components in the warehouse (None: solved in memory)."""

    def summary(self) -> str:
        return (f"{self.persons:,} persons from {self.identifiers:,} identifiers and "
                f"{self.edges:,} edges; {self.blocked:,} blocked values, "
                f"{self.dropped_edges:,} edges dropped by limits; {self.new:,} new, "
                f"{self.merges:,} merges, {self.splits:,} splits")


def observations(wh: Warehouse) -> pa.Table:
    """(source, record_id, observed_at, kind, value) for every identifier on every record."""
    table = observation_table(wh)
    if table is None:
        return pa.table({name: pa.array([], kind) for name, kind in OBSERVATION_TYPES.items()})
    return wh.to_arrow(table)


def observation_table(wh: Warehouse) -> ibis.Table | None:
    """`observations` as an expression over the warehouse's tables (None: no source table)."""
    present = set(wh.tables())
    parts = []
    for entity, (key, when, columns) in SOURCES.items():
        if entity not in present:
            continue
        t = wh.table(entity)
        for column in columns:
            rows = t.filter(t[column].notnull())
            parts.append(rows.select(
                source=ibis.literal(entity), record_id=rows[key].cast("string"),
                observed_at=rows[when].cast(TS), kind=ibis.literal(column),
                value=_normalised(rows[column].cast("string"), column)))
    if IDENTITY_LINKS_TABLE in present:
        links = wh.table(IDENTITY_LINKS_TABLE)
        for side in ("from", "to"):
            kind = links[f"{side}_kind"]
            rows = links.filter(kind.isin(list(LINK_KINDS)))
            rows = rows.select(
                source=ibis.literal("identity_links"),
                record_id=rows.from_kind + ":" + rows.from_value + ">" + rows.to_kind + ":"
                + rows.to_value,
                observed_at=rows.observed_at.cast(TS),
                kind=rows[f"{side}_kind"].substitute(LINK_KINDS),
                value=ibis.ifelse(rows[f"{side}_kind"] == "email",
                                  rows[f"{side}_value"].strip().lower(),
                                  rows[f"{side}_value"].strip()))
            parts.append(rows)
    return ibis.union(*parts, distinct=False) if parts else None


def _normalised(value: ibis.StringValue, kind: str) -> ibis.StringValue:
    """`guards.normalise` as an expression (phones are E.164 already in the warehouse)."""
    return value.strip().lower() if kind == "email" else value.strip()


def _codes(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Dictionary codes (int64, one per row) and the dictionary of a string column: hashing
    in Arrow, without Python objects per row."""
    chunked = column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])
    encoded = pa.table({"c": pc.dictionary_encode(chunked)}).unify_dictionaries()["c"]
    if not encoded.num_chunks:
        return np.zeros(0, np.int64), pa.array([], pa.string())
    codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False).astype(np.int64)
                            for c in encoded.chunks])
    return codes, encoded.chunks[0].dictionary


def _ranks(strings: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Each string's position in byte order (code point order, as Python sorts strings), and
    the strings' indices in that order."""
    order = pc.sort_indices(strings).to_numpy()
    ranks = np.empty(len(order), np.int64)
    ranks[order] = np.arange(len(order))
    return ranks, order


@dataclass
class _Nodes:
    """The distinct identifiers of a set of observations, numbered in key order
    (`kind`, then `value`, as the strings "kind\\x1fvalue" sort)."""

    codes: np.ndarray       # node of each observation row
    kind_index: np.ndarray  # per node: index into KIND_NAMES
    values: pa.Array        # per node
    keys: np.ndarray        # per node: kind rank * value count + value rank, ascending
    value_ranks: np.ndarray
    value_dictionary: pa.Array

    def node_of(self, kinds: pa.Array, values: pa.Array) -> np.ndarray:
        """The node of each (kind, value), -1 where it is not one of these nodes."""
        kind = np.asarray([KIND_RANK.get(k, -1) for k in kinds.to_pylist()], np.int64)
        code = pc.index_in(values, value_set=self.value_dictionary)
        code = pc.fill_null(code, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        known = (kind >= 0) & (code >= 0)
        key = kind * len(self.value_ranks) + self.value_ranks[np.where(known, code, 0)]
        node = np.searchsorted(self.keys, key)
        node = np.minimum(node, max(len(self.keys) - 1, 0))
        found = known & (len(self.keys) > 0)
        found &= self.keys[node] == key if len(self.keys) else found
        return np.where(found, node, -1)

    def subset(self, keep: np.ndarray) -> tuple[_Nodes, np.ndarray]:
        """The nodes where `keep`, renumbered, and the old -> new node map (-1: dropped)."""
        renumber = np.where(keep, np.cumsum(keep) - 1, -1)
        nodes = _Nodes(self.codes, self.kind_index[keep], self.values.filter(pa.array(keep)),
                       self.keys[keep], self.value_ranks, self.value_dictionary)
        return nodes, renumber


def _nodes(kinds: pa.ChunkedArray, values: pa.ChunkedArray) -> _Nodes:
    """Number the distinct (kind, value) pairs of the observations in key order: values are
    hashed to dictionary codes, only the distinct values are sorted, and the pairs present
    are numbered by a running count over (kind, value rank)."""
    kind_codes, kind_dictionary = _codes(kinds)
    unknown = set(kind_dictionary.to_pylist()) - set(KIND_RANK)
    if unknown:
        raise ValueError(f"unknown identifier types {sorted(unknown)}")
    present = sorted(kind_dictionary.to_pylist())        # the types seen, in name order
    local = np.asarray([present.index(k) for k in kind_dictionary.to_pylist()], np.int64)
    value_codes, value_dictionary = _codes(values)
    value_ranks, by_rank = _ranks(value_dictionary)
    span = max(len(value_ranks), 1)
    pair = local[kind_codes] * span + value_ranks[value_codes]
    seen = np.zeros(len(present) * span, bool)
    seen[pair] = True
    local_keys = np.flatnonzero(seen)
    numbering = np.cumsum(seen, dtype=np.int64) - 1
    kind_index = np.asarray([KIND_RANK[k] for k in present], np.int8)[local_keys // span]
    ranks = local_keys % span
    return _Nodes(numbering[pair], kind_index, value_dictionary.take(pa.array(by_rank[ranks])),
                  kind_index.astype(np.int64) * span + ranks, value_ranks, value_dictionary)


def _records(obs: pa.Table) -> np.ndarray:
    """An integer per (source, record_id) of each observation row."""
    source, _ = _codes(obs["source"])
    record_id, record_ids = _codes(obs["record_id"])
    return source * max(len(record_ids), 1) + record_id


def _edges(obs: pa.Table, record: np.ndarray, node: np.ndarray, kind_index: np.ndarray
           ) -> pa.Table:
    """Star edges per record (`_records`): from its first identifier (by `IDENTIFIER_TYPES`
    priority, then node order) to each other one (`kind_index`: each node's type). Each
    record's first identifier is a minimum over integer codes, without sorting."""
    count = max(len(kind_index), 1)
    packed = KIND_PRIORITY[kind_index[node]] * count + node
    first = np.full(int(record.max()) + 1 if len(record) else 0, NEVER, np.int64)
    np.minimum.at(first, record, packed)
    anchor = first[record] % count
    rows = np.flatnonzero(node != anchor)
    taken = pa.array(rows)
    return pa.table({
        "a": pa.array(anchor[rows], pa.int64()), "b": pa.array(node[rows], pa.int64()),
        "source": obs["source"].take(taken), "record_id": obs["record_id"].take(taken),
        "observed_at": _instants(obs["observed_at"]).take(taken)})


def _instants(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """UTC instants, in microseconds."""
    return column.cast(pa.timestamp("us", "UTC"))


def _first_seen(node: np.ndarray, count: int, observed_at: pa.ChunkedArray) -> pa.Array:
    """Each node's earliest observation (null if it was never observed with a time)."""
    instants = _instants(observed_at)
    micros = pc.fill_null(instants.cast(pa.int64()), NEVER).to_numpy()
    first = np.full(count, NEVER, np.int64)
    np.minimum.at(first, node, micros)
    return pa.array(first, pa.int64(), mask=first == NEVER).cast(pa.timestamp("us", "UTC"))


def _limited_components(labels: np.ndarray, kind_index: np.ndarray, limits: dict[str, int]
                        ) -> set[int]:
    over: set[int] = set()
    for kind, limit in limits.items():
        mask = kind_index == KIND_RANK.get(kind, -1)
        counts = np.bincount(labels[mask], minlength=labels.max() + 1 if len(labels) else 0)
        over |= set(np.flatnonzero(counts > limit).tolist())
    return over


def _rebuild_with_limits(edges: pd.DataFrame, kinds: Mapping[int, str],
                         limits: dict[str, int]) -> tuple[dict[int, int], list[dict]]:
    """Union-find over the edges of over-limit components (`kinds`: node -> identifier type,
    for every node of them) in time order — then by record, and within a record in the order
    its edges were made (the other end's type priority, then node); an edge that would give a
    person more than its limit of a type is dropped. Returns node -> root (the least node of
    its part) for the nodes touched, and the dropped edges with their reasons."""
    parent = {int(n): int(n) for n in kinds}
    counts = {int(n): defaultdict(int, {k: 1}) for n, k in kinds.items()}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    ordered = edges.assign(priority=edges["b"].map(kinds).map(PRIORITY)).sort_values(
        ["observed_at", "source", "record_id", "priority", "b"], kind="stable")
    dropped = []
    for e in ordered.itertuples(index=False):
        ra, rb = root(int(e.a)), root(int(e.b))
        if ra == rb:
            continue
        merged = {k: counts[ra].get(k, 0) + counts[rb].get(k, 0)
                  for k in set(counts[ra]) | set(counts[rb])}
        broken = [k for k, limit in limits.items() if merged.get(k, 0) > limit]
        if broken:
            k = broken[0]
            dropped.append({"edge": e, "reason": f"would give one person {merged[k]} "
                                                 f"{k} values (limit {limits[k]})"})
            continue
        low, high = sorted((ra, rb))
        parent[high] = low
        counts[low] = defaultdict(int, merged)
    return {n: root(n) for n in parent}, dropped


def dropped_rejections(dropped: list[dict], kind_of, value_of) -> list[dict]:
    """`identity_rejections` rows (without `run_at`) of edges dropped by a limit; `kind_of`
    and `value_of` give a node's identifier type and value."""
    return [{"identifier_type": kind_of[d["edge"].a], "identifier_value": value_of[d["edge"].a],
             "other_type": kind_of[d["edge"].b], "other_value": value_of[d["edge"].b],
             "source": d["edge"].source, "record_id": d["edge"].record_id,
             "reason": d["reason"]} for d in dropped]


def components(node_count: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(node_count, node_count))
    return connected_components(graph, directed=False)[1]


def _previous_map(wh: Warehouse) -> pa.Table:
    """(kind, value, number) of every identifier of the previous run's identity map."""
    if IDENTITY_MAP_TABLE not in wh.tables():
        return pa.table({"kind": pa.array([], pa.string()), "value": pa.array([], pa.string()),
                         "number": pa.array([], pa.int64())})
    t = wh.table(IDENTITY_MAP_TABLE)
    return wh.to_arrow(t.select(kind=t.identifier_type, value=t.identifier_value,
                                number=t.person_id.substr(1).cast("int64")))


def person_ids(numbers: np.ndarray | pa.Array) -> pa.Array:
    """`P` and the number in eight digits: the text of a person id."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), 8, "0")
    return pc.binary_join_element_wise("P", digits, "")


def assign_ids(labels: np.ndarray, old: np.ndarray, last_number: int
               ) -> tuple[np.ndarray, pa.Table]:
    """Person number per node from component labels, stable against `old` (each node's
    previous person number, -1 if none; nodes come in key order); `last_number` is the
    highest number given so far. Also the events, as (event, person, other) columns: new,
    merge (the oldest id survives), split (a part that lost its id)."""
    count = int(labels.max()) + 1 if len(labels) else 0
    smallest = np.full(count, len(labels), np.int64)
    np.minimum.at(smallest, labels, np.arange(len(labels)))
    had = old >= 0
    claims = (pd.DataFrame({"old": old[had], "label": labels[had]})
              .groupby(["old", "label"], sort=True).size().rename("n").reset_index())
    claims["smallest"] = smallest[claims["label"].to_numpy()]
    # each previous id stays with the part holding most of its identifiers (ties: smallest)
    keeper = (claims.sort_values(["old", "n", "smallest"], ascending=[True, False, True])
              .drop_duplicates("old"))
    # a part keeping several previous ids is a merge: the oldest (lowest number) survives
    survivor = keeper.groupby("label")["old"].min()
    chosen = np.full(count, -1, np.int64)
    chosen[survivor.index.to_numpy()] = survivor.to_numpy()
    absorbed = keeper[keeper["old"].to_numpy() != chosen[keeper["label"].to_numpy()]]
    absorbed = absorbed.sort_values("old")
    fresh = np.flatnonzero(chosen < 0)
    fresh = fresh[np.argsort(smallest[fresh], kind="stable")]
    chosen[fresh] = last_number + 1 + np.arange(len(fresh))
    kept = pd.MultiIndex.from_frame(keeper[["old", "label"]])
    split = claims[~pd.MultiIndex.from_frame(claims[["old", "label"]]).isin(kept)]
    events = _events(("merge", chosen[absorbed["label"].to_numpy()], absorbed["old"]),
                     ("new", chosen[fresh], None),
                     ("split", chosen[split["label"].to_numpy()], split["old"]))
    return chosen[labels], events


def _events(*parts: tuple[str, np.ndarray, pd.Series | None]) -> pa.Table:
    """`identity_log` rows without their time: (event, person_id, other_person_id)."""
    tables = [pa.table({
        "event": pa.array([event] * len(person), pa.string()),
        "person_id": person_ids(person),
        "other_person_id": (pa.nulls(len(person), pa.string()) if other is None
                            else person_ids(other.to_numpy()))}) for event, person, other in parts]
    return pa.concat_tables(tables)


@dataclass
class Graph:
    """The persons of a set of observations (see `build_graph`)."""

    kinds: pa.Array           # identifier type per node (nodes in key order)
    values: pa.Array          # identifier value per node
    numbers: np.ndarray       # person number per node
    first_seen: pa.Array      # per node: its earliest observation
    edges: pa.Table           # a, b (nodes), source, record_id, observed_at: the edges kept
    blocked: pd.DataFrame     # observations of blocked values, one per value, with `reason`
    dropped: list[dict]       # edges over a limit: {"edge": row, "reason": text}
    events: pa.Table          # event (new / merge / split), person_id, other_person_id

    @property
    def person_ids(self) -> pa.Array:
        return person_ids(self.numbers)

    @property
    def persons(self) -> int:
        return len(np.unique(self.numbers))


def build_graph(obs: pa.Table | pd.DataFrame, config: IdentityConfig,
                previous: pa.Table | None = None) -> Graph:
    """Persons of `observations` rows, with ids stable against `previous` (kind, value,
    number: the previous run's map)."""
    if isinstance(obs, pd.DataFrame):
        obs = pa.Table.from_pandas(obs, preserve_index=False)
    obs = obs.select(list(OBSERVATION_TYPES)).cast(pa.schema(OBSERVATION_TYPES))
    with ThreadPoolExecutor(1) as thread:     # hashing in Arrow releases the GIL
        records = thread.submit(_records, obs)
        nodes = _nodes(obs["kind"], obs["value"])
        record = records.result()
    kinds = _kind_names(nodes.kind_index)
    reasons = blocked_reasons(kinds, nodes.values, config)
    is_blocked = pd.notna(reasons)
    hit = is_blocked[nodes.codes]
    blocked = first_observations(obs.filter(pa.array(hit)).to_pandas().assign(
        reason=reasons[nodes.codes[hit]]))
    codes = nodes.codes
    if hit.any():
        nodes, renumber = nodes.subset(~is_blocked)
        obs, codes = obs.filter(pa.array(~hit)), renumber[codes[~hit]]
        record = record[~hit]
    count = len(nodes.keys)
    edges = _edges(obs, record, codes, nodes.kind_index)
    a, b = edges["a"].to_numpy(), edges["b"].to_numpy()
    labels = components(count, a, b)
    dropped: list[dict] = []
    over = _limited_components(labels, nodes.kind_index, config.limits) if count else set()
    if over:
        labels, edges, dropped = _apply_limits(labels, edges, nodes, over, config.limits)
    old = np.full(count, -1, np.int64)
    last_number = 0
    if previous is not None and previous.num_rows:
        found = nodes.node_of(previous["kind"].combine_chunks(),
                              previous["value"].combine_chunks())
        number = previous["number"].to_numpy()
        old[found[found >= 0]] = number[found >= 0]
        last_number = int(number.max())
    numbers, events = assign_ids(labels, old, last_number)
    return Graph(_kind_names(nodes.kind_index), nodes.values, numbers,
                 _first_seen(codes, count, obs["observed_at"]), edges, blocked, dropped, events)


def _kind_names(kind_index: np.ndarray) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(kind_index, pa.int8()),
                                          pa.array(KIND_NAMES)).cast(pa.string())


def _apply_limits(labels: np.ndarray, edges: pa.Table, nodes: _Nodes, over: set[int],
                  limits: dict[str, int]) -> tuple[np.ndarray, pa.Table, list[dict]]:
    """Rebuild the over-limit components edge by edge (`_rebuild_with_limits`): their nodes'
    new labels, the edges kept and the edges dropped."""
    in_over = np.isin(labels, list(over))
    members = np.flatnonzero(in_over)
    inside = in_over[edges["a"].to_numpy()]
    sub = edges.filter(pa.array(inside)).to_pandas()
    kind_of = dict(zip(members.tolist(), np.asarray(KIND_NAMES)[nodes.kind_index[members]],
                       strict=True))
    roots, dropped = _rebuild_with_limits(sub, kind_of, limits)
    labels = labels.copy()
    offset = labels.max() + 1
    for node, root in roots.items():
        labels[node] = offset + root
    drop_index = {(int(d["edge"].a), int(d["edge"].b), d["edge"].record_id) for d in dropped}
    keep = np.ones(edges.num_rows, dtype=bool)
    keep[np.flatnonzero(inside)] = [
        (int(a), int(b), r) not in drop_index
        for a, b, r in zip(sub["a"], sub["b"], sub["record_id"], strict=True)]
    labels = np.unique(labels, return_inverse=True)[1]    # labels 0..n-1 again
    return labels, edges.filter(pa.array(keep)), dropped


def first_observations(obs: pd.DataFrame) -> pd.DataFrame:
    """One observation per identifier: its earliest (then by source and record id), the one
    `identity_rejections` names for a blocked value."""
    return obs.sort_values(["observed_at", "source", "record_id"], kind="stable"
                           ).drop_duplicates(["kind", "value"])


ENGINES = ("auto", "memory", "warehouse")
"""Where persons are found (the workspace setting `identity_engine`): `memory` reads the
observations into this process and solves the graph with scipy; `warehouse` computes every step
as queries in the warehouse (`revlens.identity.warehouse_graph`); `auto` is `warehouse` on a
Spark warehouse, `memory` otherwise. Both write the same tables."""


def engine_for(wh: Warehouse, engine: str | None = None) -> str:
    """`memory` or `warehouse`: `engine`, else the workspace's `identity_engine`, with `auto`
    decided by the warehouse."""
    chosen = engine or wh.settings.identity_engine
    if chosen not in ENGINES:
        raise ValueError(f"unknown identity engine {chosen!r}; use one of {', '.join(ENGINES)}")
    if chosen == "auto":
        return "warehouse" if is_spark(wh.url) else "memory"
    return chosen


def resolve(wh: Warehouse, config: IdentityConfig | None = None,
            engine: str | None = None) -> IdentityRun:
    """Rebuild the identity graph and write its tables (module docstring), in memory or in the
    warehouse (`engine_for`)."""
    config = config or IdentityConfig()
    run_at = datetime.now(UTC)
    if engine_for(wh, engine) == "warehouse":
        from revlens.identity.warehouse_graph import resolve_in_warehouse

        return resolve_in_warehouse(wh, config, run_at)
    g = build_graph(observations(wh), config, _previous_map(wh))
    write_tables(wh, *_arrow_tables(g, run_at))
    events = collections.Counter(g.events["event"].to_pylist())
    return IdentityRun(
        persons=g.persons, identifiers=len(g.values), edges=g.edges.num_rows,
        dropped_edges=len(g.dropped), blocked=len(g.blocked), new=events["new"],
        merges=events["merge"], splits=events["split"])


def _arrow_tables(g: Graph, run_at: datetime) -> tuple[pa.Table, pa.Table, list, list]:
    """The rows `write_tables` writes, from a graph built in memory."""
    identity_map = pa.table([g.kinds, g.values, g.person_ids, g.first_seen],
                            schema=IDENTITY_MAP_SCHEMA.to_pyarrow())
    a, b = g.edges["a"], g.edges["b"]
    edge_rows = pa.table([g.kinds.take(a), g.values.take(a), g.kinds.take(b), g.values.take(b),
                          g.edges["source"], g.edges["record_id"], g.edges["observed_at"]],
                         schema=IDENTITY_EDGES_SCHEMA.to_pyarrow())
    rejections = [{"identifier_type": r.kind, "identifier_value": r.value,
                   "other_type": None, "other_value": None, "source": r.source,
                   "record_id": r.record_id, "reason": r.reason}
                  for r in g.blocked.itertuples(index=False)]
    kind_of, value_of = g.kinds.to_numpy(zero_copy_only=False), g.values
    rejections += dropped_rejections(g.dropped, kind_of,
                                     {int(n): value_of[int(n)].as_py() for d in g.dropped
                                      for n in (d["edge"].a, d["edge"].b)})
    log = g.events.add_column(0, "run_at", pa.array([run_at] * g.events.num_rows,
                                                    pa.timestamp("us", "UTC")))
    return (identity_map, edge_rows, [rejection_table(rejections, run_at)],
            [log.cast(IDENTITY_LOG_SCHEMA.to_pyarrow())])


def rejection_table(rows: list[dict], run_at: datetime) -> pa.Table:
    """`identity_rejections` rows of this run (`rows` without their `run_at`)."""
    return pa.Table.from_pylist([{**r, "run_at": run_at} for r in rows],
                                schema=IDENTITY_REJECTIONS_SCHEMA.to_pyarrow())


def write_tables(wh: Warehouse, identity_map: pa.Table | ibis.Table,
                 edges: pa.Table | ibis.Table, rejections: list[pa.Table | ibis.Table],
                 log: list[pa.Table | ibis.Table]) -> None:
    """Replace `identity_map` and `identity_edges`, append this run's rejections and log, in
    one transaction. Each part is an Arrow table or an Ibis table with the columns of its
    table's schema (in that order); empty Arrow parts are skipped."""
    with wh.transaction():
        for name, schema in ((IDENTITY_MAP_TABLE, IDENTITY_MAP_SCHEMA),
                             (IDENTITY_EDGES_TABLE, IDENTITY_EDGES_SCHEMA),
                             (IDENTITY_REJECTIONS_TABLE, IDENTITY_REJECTIONS_SCHEMA),
                             (IDENTITY_LOG_TABLE, IDENTITY_LOG_SCHEMA)):
            if name not in wh.tables():
                wh.con.create_table(name, schema=schema)
        wh.con.truncate_table(IDENTITY_MAP_TABLE)
        wh.con.truncate_table(IDENTITY_EDGES_TABLE)
        wh.append(IDENTITY_MAP_TABLE, identity_map)
        wh.append(IDENTITY_EDGES_TABLE, edges)
        for name, parts in ((IDENTITY_REJECTIONS_TABLE, rejections), (IDENTITY_LOG_TABLE, log)):
            for part in parts:
                if not isinstance(part, pa.Table) or part.num_rows:
                    wh.append(name, part)


@refresh_step(IDENTITY_MAP_TABLE)
def build_identity_map(wh: Warehouse) -> None:
    resolve(wh)

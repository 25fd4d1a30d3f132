"""Why identifiers are one person: the edges that joined them, and what was kept apart.

`explain(wh, identifier)` finds the identifier's person and walks the person's edges outward
from it (breadth first): each step names the identifier reached, the one it was reached from,
and the record (touchpoint, lead, contact or identity link) that observed them together — the
shortest chain of evidence from the identifier to every other identifier of the person.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime

from pydantic import BaseModel

from revlens.errors import RevLensError
from revlens.identity.guards import IDENTIFIER_TYPES, normalise
from revlens.warehouse import Warehouse
from revlens.warehouse.schema import (
    IDENTITY_EDGES_TABLE,
    IDENTITY_MAP_TABLE,
    IDENTITY_REJECTIONS_TABLE,
)


class UnknownIdentifier(RevLensError):
    def __init__(self, identifier: str):
        super().__init__(f"no person has the identifier {identifier!r}; write it as TYPE:VALUE "
                         f"(types: {', '.join(IDENTIFIER_TYPES)}) or run `revlens identity run` "
                         "after importing the records that carry it")


class Step(BaseModel):
    identifier_type: str
    identifier_value: str
    via_type: str
    via_value: str
    source: str
    record_id: str
    observed_at: datetime | None


class Rejection(BaseModel):
    identifier_type: str
    identifier_value: str
    other_type: str | None
    other_value: str | None
    source: str | None
    record_id: str | None
    reason: str


class IdentityExplanation(BaseModel):
    identifier_type: str
    identifier_value: str
    person_id: str
    identifiers: int
    steps: list[Step]
    rejections: list[Rejection]


def parse_identifier(text: str) -> list[tuple[str, str]]:
    """`TYPE:VALUE`, or a bare value tried as every type (an e-mail or a phone normalised)."""
    kind, sep, value = text.partition(":")
    if sep and kind in IDENTIFIER_TYPES:
        return [(kind, normalise(kind, value))]
    return [(k, normalise(k, text)) for k in IDENTIFIER_TYPES]


def explain(wh: Warehouse, identifier: str) -> IdentityExplanation:
    if IDENTITY_MAP_TABLE not in wh.tables():
        raise UnknownIdentifier(identifier)
    ids = wh.table(IDENTITY_MAP_TABLE)
    found = []
    for kind, value in parse_identifier(identifier):
        hit = ids.filter((ids.identifier_type == kind) & (ids.identifier_value == value))
        found += wh.to_arrow(hit).to_pylist()
    if not found:
        raise UnknownIdentifier(identifier)
    start = found[0]
    person = start["person_id"]
    members = wh.to_arrow(ids.filter(ids.person_id == person)).to_pylist()
    keys = {(m["identifier_type"], m["identifier_value"]) for m in members}
    edges = wh.table(IDENTITY_EDGES_TABLE)
    rows = wh.to_arrow(edges.filter(edges.a_value.isin([v for _, v in keys])
                                    | edges.b_value.isin([v for _, v in keys]))).to_pylist()
    adjacent: dict[tuple[str, str], list[tuple[tuple[str, str], dict]]] = {}
    for e in rows:
        a, b = (e["a_type"], e["a_value"]), (e["b_type"], e["b_value"])
        if a in keys and b in keys:
            adjacent.setdefault(a, []).append((b, e))
            adjacent.setdefault(b, []).append((a, e))
    origin = (start["identifier_type"], start["identifier_value"])
    seen, queue, steps = {origin}, deque([origin]), []
    while queue:
        here = queue.popleft()
        for there, e in sorted(adjacent.get(here, []),
                               key=lambda te: (te[1]["observed_at"] is None,
                                               te[1]["observed_at"], te[0])):
            if there in seen:
                continue
            seen.add(there)
            queue.append(there)
            steps.append(Step(identifier_type=there[0], identifier_value=there[1],
                              via_type=here[0], via_value=here[1], source=e["source"],
                              record_id=e["record_id"], observed_at=e["observed_at"]))
    rejections: list[Rejection] = []
    if IDENTITY_REJECTIONS_TABLE in wh.tables():
        rej = wh.table(IDENTITY_REJECTIONS_TABLE)
        latest = rej.run_at.max()
        mine = rej.filter(rej.run_at == latest, (rej.identifier_value == origin[1])
                          | (rej.other_value == origin[1]))
        rejections = [Rejection(**{k: r[k] for k in Rejection.model_fields})
                      for r in wh.to_arrow(mine).to_pylist()]
    return IdentityExplanation(identifier_type=origin[0], identifier_value=origin[1],
                               person_id=person, identifiers=len(keys), steps=steps,
                               rejections=rejections)

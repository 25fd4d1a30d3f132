"""Two more runners: the path table (`path_report`) and one conversion's touches with their
credit under every model (`explain_conversion`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from revlens.attribution.engine import (
    MODEL_NAMES,
    in_scratch_scope,
    materialised,
    touch_credits,
)
from revlens.attribution.exceptions import UnknownOpportunity
from revlens.attribution.report import AttributionRequest
from revlens.warehouse import Warehouse


class PathRow(BaseModel):
    path: str
    total_conversions: float
    total_conversion_value: float
    total_null: float


class PathReport(BaseModel):
    conversion: str
    rows: list[PathRow]


@in_scratch_scope
def path_report(wh: Warehouse, request: AttributionRequest,
                owner_ids: frozenset[str] | None = None) -> PathReport:
    """Converting and non-converting paths (see `paths`), the ChannelAttribution layout, of
    the journeys `owner_ids` own (None: all)."""
    scope = request.scope(wh.settings.timezone, owner_ids)
    rows = wh.to_arrow(scope.paths(wh)).to_pylist()
    return PathReport(conversion=request.conversion, rows=[PathRow(**r) for r in rows])


class ExplainedTouch(BaseModel):
    touchpoint_id: str
    occurred_at: datetime
    type: str
    channel: str
    campaign_id: str | None
    content_id: str | None
    keyword: str | None
    position: int
    milestones: list[str]
    credits: dict[str, float]


class Explanation(BaseModel):
    conversion: str
    conversion_id: str
    converted_at: datetime
    amount: float
    touches: list[ExplainedTouch]


@in_scratch_scope
def explain_conversion(wh: Warehouse, conversion_id: str, request: AttributionRequest,
                       owner_ids: frozenset[str] | None = None) -> Explanation:
    """Each touch of one conversion's journey with its credit under every model; a
    conversion `owner_ids` do not own is not found. Markov and Shapley credits use the
    channel shares learnt from the journeys in the same scope."""
    scope = request.scope(wh.settings.timezone, owner_ids)
    journey = scope.journeys(wh)
    with materialised(wh, journey.filter(journey.conversion_id == conversion_id)) as journey:
        rows = wh.to_arrow(journey.order_by("pos")).to_pylist()
        if not rows:
            raise UnknownOpportunity(conversion_id, request.conversion)
        credits: dict[str, dict[str, float]] = {r["touchpoint_id"]: {} for r in rows}
        for model in MODEL_NAMES:
            credited = touch_credits(wh, request.spec(model), scope, journey)
            for r in wh.to_arrow(credited.select("touchpoint_id", "credit")).to_pylist():
                credits[r["touchpoint_id"]][model] = r["credit"]
    first = rows[0]
    return Explanation(
        conversion=request.conversion, conversion_id=conversion_id,
        converted_at=first["converted_at"], amount=first["amount"],
        touches=[ExplainedTouch(
            touchpoint_id=r["touchpoint_id"], occurred_at=r["occurred_at"], type=r["type"],
            channel=r["channel"], campaign_id=r["campaign_id"], content_id=r["content_id"],
            keyword=r["keyword"], position=r["pos"], milestones=_milestones(r),
            credits=credits[r["touchpoint_id"]]) for r in rows])


def _milestones(row: dict) -> list[str]:
    marks = {"first": row["pos"] == 1, "lead_created": row["pos"] == row["lead_pos"],
             "opportunity_created": row["pos"] == row["opp_pos"],
             "closed_won": row["pos"] == row["won_pos"], "last": row["pos"] == row["n"]}
    return [name for name, hit in marks.items() if hit]

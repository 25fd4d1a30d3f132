"""The `attribution_credits` refresh step: credits of every model for every conversion type.

`revlens refresh` rewrites the table (migration 5) with the built-in models at their default
parameters and the latest version of every saved custom model, over the default lookback
window, so dashboards only aggregate. Invariant, checked by the tests: per (model,
conversion_type, conversion_id) the credits sum to 1.
"""

from __future__ import annotations

from revlens.attribution.conversions import CONVERSIONS
from revlens.attribution.custom_models import latest_custom_models
from revlens.attribution.engine import (
    CREDIT_COLUMNS,
    MODEL_NAMES,
    Scope,
    materialised,
    touch_credits,
)
from revlens.attribution.persons import person_source
from revlens.attribution.specs import ModelSpec
from revlens.warehouse import Warehouse, refresh_step
from revlens.warehouse.schema import ATTRIBUTION_CREDITS_SCHEMA, ATTRIBUTION_CREDITS_TABLE

TABLE = ATTRIBUTION_CREDITS_TABLE


def all_specs(wh: Warehouse) -> list[ModelSpec]:
    return [*(ModelSpec(model=m) for m in MODEL_NAMES), *latest_custom_models(wh)]


@refresh_step(TABLE)
def build_attribution_credits(wh: Warehouse) -> None:
    if TABLE not in wh.tables():
        wh.con.create_table(TABLE, schema=ATTRIBUTION_CREDITS_SCHEMA)
    wh.con.truncate_table(TABLE)
    for conversion_type in CONVERSIONS:
        scope = Scope(conversion_type, persons=person_source(wh))
        with wh.scratch_scope(), materialised(wh, scope.journeys(wh)) as journey:
            if wh.execute(journey.count()) == 0:   # no touch before any such conversion
                continue
            for spec in all_specs(wh):
                credited = touch_credits(wh, spec, scope, journey)
                wh.append(TABLE, credited.select(*CREDIT_COLUMNS).cast(
                    ATTRIBUTION_CREDITS_SCHEMA))

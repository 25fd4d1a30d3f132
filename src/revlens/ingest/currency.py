"""Converting amounts given in another currency into the workspace currency.

An amount's currency is the one its symbol names (`$12`, `12元`), else the row's `currency`
column, else the workspace currency. Foreign amounts are multiplied by the `fx_rates` rate of
the latest date on or before the row's date (its entity's time column; today when absent) and
rounded to cents. An amount whose currency has no such rate is rejected with a reason that
says which rate to import; so is one whose symbol contradicts the row's `currency` column.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MONEY = pa.decimal128(18, 2)


def convert_money(values: pa.Array, symbols: pa.Array, row_currency: pa.Array | None,
                  when: pa.Array | None, workspace_currency: str,
                  fx_rates: Callable[[], pa.Table] | None
                  ) -> tuple[pa.Array, pa.Array | None, pa.Array | None]:
    """(converted amounts, rows that failed, reason per row) — failed is None when none did."""
    conflict = None
    currency = symbols
    if row_currency is not None:
        currency = pc.coalesce(symbols, row_currency)
        conflict = pc.fill_null(pc.not_equal(symbols, row_currency), False)
    foreign = pc.fill_null(pc.and_(pc.is_valid(values),
                                   pc.not_equal(currency, workspace_currency)), False)
    if not pc.any(foreign).as_py() and not (conflict is not None and pc.any(conflict).as_py()):
        return values, None, None
    rates = fx_rates() if fx_rates else None
    frame = pd.DataFrame({
        "i": range(len(values)),
        "currency": currency.to_pandas(),
        "day": _days(when, len(values)),
    })[foreign.to_numpy(zero_copy_only=False)]
    if rates is not None and rates.num_rows:
        table = rates.to_pandas()
        table["day"] = pd.to_datetime(table["date"])
        table = table.sort_values("day")
        frame = pd.merge_asof(frame.sort_values("day"), table[["day", "currency",
                                                              "rate_to_workspace_currency"]],
                              on="day", by="currency", direction="backward")
    else:
        frame["rate_to_workspace_currency"] = float("nan")
    frame = frame.sort_values("i")
    rate = pd.Series(float("nan"), index=range(len(values)))
    rate[frame["i"].to_numpy()] = frame["rate_to_workspace_currency"].to_numpy()
    rate_arr = pa.array(rate.to_numpy(), pa.float64(), from_pandas=True)
    factor = pc.if_else(foreign, rate_arr, pa.scalar(1.0))
    converted = pc.cast(pc.round(pc.multiply(pc.cast(values, pa.float64()), factor), 2), MONEY)
    failed = pc.and_(foreign, pc.is_null(rate_arr))
    reason = pc.binary_join_element_wise(
        "amount in ", currency, ", but fx_rates has no ", currency,
        f" rate to {workspace_currency} on or before that date; import fx_rates "
        "(date, currency, rate_to_workspace_currency) first", "")
    if conflict is not None:
        clash = pc.binary_join_element_wise(
            "the amount is written in ", symbols, " but the currency column says ", row_currency,
            "; make them agree", "")
        reason = pc.if_else(conflict, clash, reason)
        failed = pc.or_(failed, conflict)
    return pc.if_else(failed, pa.scalar(None, MONEY), converted), failed, reason


def _days(when: pa.Array | None, n: int) -> pd.Series:
    if when is None:
        return pd.Series([pd.Timestamp(datetime.now(UTC).date())] * n)
    if pa.types.is_timestamp(when.type):
        when = pc.cast(pc.cast(when, pa.timestamp("us")), pa.date32())
    days = pd.to_datetime(when.to_pandas())
    return days.fillna(pd.Timestamp(datetime.now(UTC).date()))

"""Expressions whose best form differs between engines: each function gives the same result
on every backend, in the form that engine runs well."""

from __future__ import annotations

import ibis


def engine_of(expr: ibis.Expr) -> str:
    """The name of the backend an expression's tables belong to (`duckdb`, `pyspark`, ...)."""
    backend = expr._find_backend(use_default=True)
    return backend.name


def ordered_concat(value: ibis.Column, sep: str, order_by: ibis.Column) -> ibis.Scalar:
    """The group's non-null `value`s joined by `sep` in `order_by` order (an aggregate).
    Spark cannot order `group_concat`; there the pairs are collected, sorted and joined."""
    if engine_of(value) != "pyspark":
        return value.group_concat(sep, order_by=order_by)
    pairs = ibis.struct({"k": order_by, "v": value}).collect()
    return pairs.sort().map(lambda p: p.v).join(sep)


def ordered_first(value: ibis.Column, order_by: list[ibis.Column]) -> ibis.Scalar:
    """The group's first non-null `value` in `order_by` order (an aggregate). Spark cannot
    order `first`; there the non-null (keys, value) pairs are collected, sorted, and the first
    taken."""
    if engine_of(value) != "pyspark":
        return value.first(order_by=order_by)
    pairs = ibis.struct({**{f"k{i}": k for i, k in enumerate(order_by)}, "v": value})
    return pairs.collect(where=value.notnull()).sort()[0].v

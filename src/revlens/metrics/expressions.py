"""Measure expressions: arithmetic over a base model's columns, written as text in the catalog
(`amount - cost`, `amount * 0.5`) and compiled to Ibis — never to SQL strings.

Allowed: column names, numbers, `+ - * /`, unary minus and parentheses. Anything else (calls,
attributes, comparisons) is refused with the reason, so a workspace catalog file cannot reach
beyond the model's columns.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable

import ibis
import ibis.expr.types as ir

_OPERATORS: dict[type, Callable] = {ast.Add: operator.add, ast.Sub: operator.sub,
                                    ast.Mult: operator.mul, ast.Div: operator.truediv}


class ExpressionError(ValueError):
    pass


def columns_of(text: str) -> set[str]:
    """The column names an expression reads (raises ExpressionError when it is not allowed)."""
    return {node.id for node in ast.walk(_parse(text)) if isinstance(node, ast.Name)}


def _parse(text: str) -> ast.expr:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"{text!r} is not an expression ({exc.msg})") from None
    for node in ast.walk(tree):
        allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.USub, ast.Name, ast.Load,
                   ast.Constant, *_OPERATORS)
        if not isinstance(node, allowed):
            raise ExpressionError(f"{text!r}: only column names, numbers, + - * / and "
                                  f"parentheses are allowed, not {type(node).__name__}")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise ExpressionError(f"{text!r}: {node.value!r} is not a number")
    return tree.body


def compile_expression(text: str, table: ir.Table) -> ir.Value:
    """`text` over `table`'s columns as an Ibis value (decimals become float64)."""

    def build(node: ast.expr) -> ir.Value:
        if isinstance(node, ast.Name):
            if node.id not in table.columns:
                raise ExpressionError(f"{text!r}: no column {node.id!r}; columns: "
                                      f"{', '.join(table.columns)}")
            column = table[node.id]
            return column.cast("float64") if column.type().is_decimal() else column
        if isinstance(node, ast.Constant):
            return ibis.literal(float(node.value))
        if isinstance(node, ast.UnaryOp):
            return -build(node.operand)
        assert isinstance(node, ast.BinOp)
        return _OPERATORS[type(node.op)](build(node.left), build(node.right))

    return build(_parse(text))

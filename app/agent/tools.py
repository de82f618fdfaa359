"""Tools the agent can call.

Both are pure and need no network, so the agent's tool loop runs the same in CI, on a laptop and in the cloud.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from datetime import UTC, datetime

from langchain_core.tools import BaseTool, tool

MAX_EXPRESSION_CHARS = 200
MAX_EXPONENT = 100
MAX_RESULT_DIGITS = 1000
_RESULT_LIMIT = 10**MAX_RESULT_DIGITS

_BINARY_OPERATORS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY_OPERATORS: dict[type[ast.unaryop], Callable[[float], float]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}


class CalculatorError(ValueError):
    """The expression is not plain arithmetic, or is too large to evaluate safely."""


def evaluate_arithmetic(expression: str) -> int | float:
    """Evaluate ``+ - * / // % **`` and parentheses over numbers, nothing else.

    The expression is parsed, never passed to ``eval``; names, calls and attributes are rejected, and exponents and
    results are bounded so a request cannot make the server compute for minutes.
    """
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise CalculatorError(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise CalculatorError(f"not an arithmetic expression: {expression!r}") from error
    return _evaluate(tree.body)


def _evaluate(node: ast.expr) -> int | float:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY_OPERATORS:
        return _UNARY_OPERATORS[type(node.op)](_evaluate(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY_OPERATORS:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise CalculatorError(f"exponent larger than {MAX_EXPONENT}")
        try:
            result = _BINARY_OPERATORS[type(node.op)](left, right)
        except ZeroDivisionError as error:
            raise CalculatorError("division by zero") from error
        except OverflowError as error:
            raise CalculatorError("result too large") from error
        if isinstance(result, complex):
            raise CalculatorError("result is not a real number")
        if isinstance(result, int) and abs(result) >= _RESULT_LIMIT:
            raise CalculatorError(f"result has more than {MAX_RESULT_DIGITS} digits")
        if isinstance(result, float) and not math.isfinite(result):
            raise CalculatorError("result too large")
        return result
    raise CalculatorError(f"unsupported element: {ast.dump(node)[:60]}")


@tool
def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression such as "(17 + 25) * 3" or "2 ** 10".

    Supports + - * / // % ** and parentheses over integers and decimals.
    """
    try:
        return str(evaluate_arithmetic(expression))
    except CalculatorError as error:
        return f"Error: {error}"


@tool
def current_utc_time() -> str:
    """Return the current date and time in UTC, in ISO 8601 format."""
    return datetime.now(UTC).isoformat(timespec="seconds")


TOOLS: list[BaseTool] = [calculator, current_utc_time]

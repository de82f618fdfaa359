"""The agent's tools, called as the model calls them (through the LangChain tool interface)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from agent.tools import MAX_EXPRESSION_CHARS, TOOLS, calculator, current_utc_time


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("(17 + 25) * 3", "126"),
        ("2 ** 10", "1024"),
        ("7 / 2", "3.5"),
        ("7 // 2", "3"),
        ("-3 + 5 % 3", "-1"),
        ("1.5 * 4", "6.0"),
    ],
)
def test_calculator_evaluates_arithmetic(expression: str, expected: str) -> None:
    assert calculator.invoke({"expression": expression}) == expected


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("__import__('os').system('true')", "unsupported element"),
        ("x + 1", "unsupported element"),
        ("2 +", "not an arithmetic expression"),
        ("1 / 0", "division by zero"),
        ("9 ** 9 ** 9", "exponent larger than"),
        ("(10 ** 99) ** 99 * (10 ** 99) ** 99", "result has more than"),
        ("10.0 ** 100 ** 2", "exponent larger than"),
        ("1e308 * 10", "result too large"),
        ("True + 1", "unsupported element"),
        ("1" + " + 1" * MAX_EXPRESSION_CHARS, "longer than"),
    ],
)
def test_calculator_refuses_anything_but_bounded_arithmetic(expression: str, reason: str) -> None:
    result = calculator.invoke({"expression": expression})
    assert result.startswith("Error: ") and reason in result, result


def test_current_utc_time_is_now_in_utc() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    stamp = datetime.fromisoformat(current_utc_time.invoke({}))
    after = datetime.now(UTC)
    assert stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0
    assert before <= stamp <= after


def test_tools_offered_to_the_model() -> None:
    assert [t.name for t in TOOLS] == ["calculator", "current_utc_time"]
    assert all(t.description for t in TOOLS)

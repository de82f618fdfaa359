"""What a rule is (cdk-nag is the model): a pure function over one resource's inputs answering an `Outcome`
(compliant, non-compliant with what is wrong and how to fix it, or not applicable), named and described by a
`Rule`; a `StackRule` for properties that span resources; a `Finding` for each violation a plan or a stack has."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..wire import PlannedResource
from .acceptance import acceptance


class Compliance(Enum):
    COMPLIANT = "compliant"
    NON_COMPLIANT = "non-compliant"
    NOT_APPLICABLE = "not applicable"


@dataclass(frozen=True)
class Outcome:
    """What a rule answers for one resource."""

    compliance: Compliance
    message: str = ""
    """What is wrong and how to fix it (non-compliant only)."""

    @property
    def violated(self) -> bool:
        return self.compliance is Compliance.NON_COMPLIANT


COMPLIANT = Outcome(Compliance.COMPLIANT)
NOT_APPLICABLE = Outcome(Compliance.NOT_APPLICABLE)
"""The resource does not hold what the rule is about (not an HTTPS listener, not an app container, ...)."""


def violation(message: str) -> Outcome:
    return Outcome(Compliance.NON_COMPLIANT, message)


def outcome(*problems: str | None) -> Outcome:
    """Compliant when no problem is found; else one violation naming every problem, in order."""
    found = [p for p in problems if p]
    return violation("; ".join(found)) if found else COMPLIANT


def listed(value: Any) -> list[Any]:
    """A policy's `Action`, `Resource` or `Statement`: one value or a list of them, as a list."""
    return value if isinstance(value, list) else [value] if value is not None else []


@dataclass(frozen=True)
class Rule:
    """A rule over one resource of the given types."""

    id: str
    description: str
    types: tuple[str, ...]
    check: Callable[[dict[str, Any]], Outcome]

    def assess(self, resource_type: str, inputs: dict[str, Any]) -> Outcome:
        """The rule's outcome for one resource: not applicable to other types."""
        return self.check(inputs) if resource_type in self.types else NOT_APPLICABLE

    def evaluate(self, resource_type: str, inputs: dict[str, Any]) -> str | None:
        """The violation to report, or None: compliant, not applicable, or accepted on the resource (its
        `accepted:<id>` tag or annotation, see `acceptance`), in which case the check does not run."""
        if resource_type not in self.types or acceptance(inputs, self.id) is not None:
            return None
        result = self.check(inputs)
        return result.message if result.violated else None


@dataclass(frozen=True)
class StackRule:
    """A rule over the whole stack, for properties that span resources (a load balancer and its WAF)."""

    id: str
    description: str
    check: Callable[[list[PlannedResource]], list[tuple[PlannedResource, str]]]
    """The offending resources with their messages: none when compliant or not applicable (a prod-only rule on a
    dev stack)."""

    def evaluate_stack(self, resources: list[PlannedResource]) -> list[tuple[PlannedResource, str]]:
        """The offending resources with their messages (none when compliant)."""
        return self.check(resources)


@dataclass(frozen=True)
class Finding:
    rule: str
    resource_type: str
    resource_name: str
    message: str

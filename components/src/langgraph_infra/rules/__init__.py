"""Rules every stack must satisfy, as pure functions over one resource (its type token and its inputs, with the
engine's camelCase names), one module per cloud: `common` (every cloud, and the stack rules that span clouds),
`aws`, `gcp`, `kubernetes`, `docker` (the local stack). The same functions run offline over a plan
(`python -m infra.plan --rules`, the tests) and inside Pulumi as the policy pack in `policy/`
(`pulumi preview --policy-pack policy`).

Each rule answers an `Outcome` (cdk-nag's three: compliant, non-compliant with a message that says what is wrong and
how to fix it, or not applicable); `Rule.evaluate` gives the violation to report, skipping the findings a resource
accepts (`rules.acceptance`). A new rule goes in its cloud's module and in that module's `RULES`.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..wire import PlannedResource
from . import aws, common, docker, gcp, kubernetes
from .acceptance import acceptance
from .rule import COMPLIANT, NOT_APPLICABLE, Compliance, Finding, Outcome, Rule, StackRule

__all__ = ["COMPLIANT", "NOT_APPLICABLE", "RULES", "STACK_RULES", "Compliance", "Finding", "Outcome", "Rule",
           "StackRule", "accepted_findings", "evaluate"]

RULES: tuple[Rule, ...] = (*aws.RULES, *gcp.RULES, *docker.RULES, *kubernetes.RULES)
"""Every per-resource rule. A resource meets only its own cloud's rules, so findings come in each cloud's order."""

STACK_RULES: tuple[StackRule, ...] = (
    common.PROD_EDGE_PROTECTION,
    common.PROD_NO_CORS_WILDCARD,
    common.PROD_AUDIT_TRAIL,
    gcp.PROD_IMAGE_ADMISSION,
    common.CUSTOMER_KEY_EVERYWHERE,
    common.SERVER_NOT_MASTER,
    common.PROD_CREDENTIALS_ROTATE,
    kubernetes.QUEUE_ON_BACKLOG,
)
"""Every rule over the whole stack, in the order their findings are reported."""


def evaluate(resources: Iterable[PlannedResource], rules: Iterable[Rule] = RULES,
             stack_rules: Iterable[StackRule] = STACK_RULES) -> list[Finding]:
    """Every violation in a plan's resources: per resource in order, then per stack rule."""
    resources = list(resources)
    findings = []
    for resource in resources:
        for rule in rules:
            message = rule.evaluate(resource.type, resource.inputs)
            if message:
                findings.append(Finding(rule.id, resource.type, resource.name, message))
    for stack_rule in stack_rules:
        for resource, message in stack_rule.evaluate_stack(resources):
            findings.append(Finding(stack_rule.id, resource.type, resource.name, message))
    return findings


def accepted_findings(resources: Iterable[PlannedResource],
                      rules: Iterable[Rule] = RULES) -> list[tuple[str, str, str, str]]:
    """(rule id, resource type, resource name, reason) of every finding a resource's `accepted:` tag suppresses:
    what `--rules` lists as accepted, so a reviewer sees each one and its reason."""
    rules = list(rules)
    found = []
    for r in resources:
        for rule in rules:
            reason = acceptance(r.inputs, rule.id)
            if reason is not None and rule.assess(r.type, r.inputs).violated:
                found.append((rule.id, r.type, r.name, reason))
    return found

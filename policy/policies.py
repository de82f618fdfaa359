"""Each rule of langgraph_infra.rules as a Pulumi resource validation policy (mandatory)."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from langgraph_infra.rules import RULES, Rule


def policy_for(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        message = rule.evaluate(args.resource_type, dict(args.props))
        if message:
            report_violation(message, None)

    return ResourceValidationPolicy(name=rule.id, description=rule.description, validate=validate)


def policies() -> list[ResourceValidationPolicy]:
    return [policy_for(rule) for rule in RULES]

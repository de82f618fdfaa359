"""Each rule of langgraph_infra.rules as a Pulumi policy (mandatory): the per-resource rules as resource validation
policies, the rules that span resources as stack validation policies."""

from __future__ import annotations

from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from langgraph_infra.rules import RULES, STACK_RULES, Rule, StackRule
from langgraph_infra.wire import PlannedResource


def policy_for(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        message = rule.evaluate(args.resource_type, dict(args.props))
        if message:
            report_violation(message, None)

    return ResourceValidationPolicy(name=rule.id, description=rule.description, validate=validate)


def stack_policy_for(rule: StackRule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [PlannedResource(r.resource_type, r.name, dict(r.props), tuple(d.name for d in r.dependencies))
                     for r in args.resources]
        by_name = {r.name: r for r in args.resources}
        for resource, message in rule.evaluate_stack(resources):
            report_violation(message, by_name[resource.name].urn if resource.name in by_name else None)

    return StackValidationPolicy(name=rule.id, description=rule.description, validate=validate)


def policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    return [*(policy_for(rule) for rule in RULES), *(stack_policy_for(rule) for rule in STACK_RULES)]

"""The command line of the offline plan (`python -m infra.plan`, `python -m langgraph_infra.plan`): the plan as text
or JSON, `--capacity`, `--rules` and `--manifests`. The one place that joins the plan, the rules and the manifests.

Exit codes: 0 planned (and, with `--rules`, no violation); 1 a rule is violated; 2 the plan could not run (bad
arguments, a missing stack file, invalid configuration), with `error: ...` on stderr and no traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .. import manifests
from ..rules import RULES, STACK_RULES, accepted_findings, evaluate
from .capacity_report import print_capacity
from .engine import no_full_collection, run_plan
from .model import Plan, PlanError
from .rendering import print_error


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {message}\n")


def main(argv: list[str] | None = None, project_dir: Path | None = None) -> int:
    """Run the command line with `argv` (default: `sys.argv[1:]`) in `project_dir` (default: the current folder);
    the exit code."""
    parser = _Parser(
        prog="python -m infra.plan",
        description="Plan a stack offline: run the real program under Pulumi mocks and list every resource.",
    )
    parser.add_argument("--stack", default="dev", help="stack name: reads Pulumi.<stack>.yaml (default: dev)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (stack, resources, outputs, notes) instead of text; with "
                             "--rules, the findings")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value for this run (dotted paths reach inside objects)")
    parser.add_argument("--secret", action="append", default=[], metavar="KEY=VALUE",
                        help="set a secret config value for this run (printed only with --show-secrets)")
    parser.add_argument("--show-secrets", action="store_true",
                        help="print secret values, as `pulumi preview --show-secrets` (values the plan made up "
                             "print as <mock:...>)")
    parser.add_argument("--capacity", action="store_true",
                        help="print the capacity derivation (inputs, per-replica figures and sources, replicas, "
                             "connections at peak against the budget, headroom) instead of the plan; see "
                             "docs/capacity.md")
    parser.add_argument("--rules", action="store_true",
                        help="check the plan against langgraph_infra.rules (the policy pack's rules); exit 1 on a "
                             "violation")
    parser.add_argument("--manifests", metavar="DIR", type=Path,
                        help="write every Kubernetes object the stack registers to DIR as YAML, one file per object "
                             "(as `helm template` would)")
    args = parser.parse_args(argv)
    # The one full collection a plan defers would fall on printing it: a command's process ends right after.
    with no_full_collection():
        return _run(args, project_dir or Path.cwd())


def _run(args: argparse.Namespace, project_dir: Path) -> int:
    """The command the parsed arguments ask for; its exit code."""
    if args.capacity:
        return print_capacity(project_dir, args.stack, args.set, args.json)
    try:
        plan = run_plan(project_dir, args.stack, sets=args.set, secrets=args.secret)
    except PlanError as err:
        print_error(err, args.stack, args.json)
        return 2
    for note in plan.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.manifests is not None:
        written = manifests.write(manifests.manifests(plan), args.manifests)
        print(f"{len(written)} Kubernetes object(s) written to {args.manifests}")
        return 0
    if args.rules:
        return _check_rules(plan, args.json)
    if args.json:
        print(json.dumps(plan.to_json(show_secrets=args.show_secrets), indent=2, sort_keys=True))
    else:
        print(plan.render(show_secrets=args.show_secrets))
    return 0


def _check_rules(plan: Plan, as_json: bool) -> int:
    """`--rules`: the findings (and, in text, the accepted ones with their reasons); 1 when one is violated."""
    findings = evaluate(plan.resources)
    if as_json:
        print(json.dumps({"stack": plan.stack, "rules": len(RULES) + len(STACK_RULES), "resources": len(plan.resources),
                          "violations": [{"rule": f.rule, "type": f.resource_type, "name": f.resource_name,
                                          "message": f.message} for f in findings]}, indent=2))
    else:
        for rule_id, type_, name, reason in accepted_findings(plan.resources, RULES):
            print(f"accepted: [{rule_id}] {type_} {name}: {reason}")
        for f in findings:
            print(f"violation: [{f.rule}] {f.resource_type} {f.resource_name}: {f.message}")
        print(f"{len(RULES) + len(STACK_RULES)} rules, {len(plan.resources)} resources, {len(findings)} violation(s)")
    return 1 if findings else 0

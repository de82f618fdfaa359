"""The offline plan: run a real Pulumi program under Pulumi's own mocks with a stack's config file and list every
resource it registers (type, name, parent, options, inputs), with every secret shown as `[secret]`.

No Pulumi CLI, credentials or network: review a stack, diff dev against prod, and feed the plan-level checks.
`python -m infra.plan --stack dev` is this repository's entry point; `run_plan()` is the API.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import runpy
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SECRET = "[secret]"
# What `secure:` config values become under the plan: the real ciphertext cannot be decrypted without the CLI.
PLACEHOLDER_PREFIX = "plan-placeholder-"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_SIG_KEY = "4dabf18193072939515e22adb298388d"


class PlanError(Exception):
    """A plan that could not run: bad arguments, a missing stack file, or invalid stack configuration."""


@dataclass
class PlannedResource:
    type: str
    name: str
    parent: str | None
    inputs: dict[str, Any]
    custom: bool
    protect: bool
    depends_on: list[str]
    provider: str | None
    urn: str

    def as_dict(self, *, redact: bool = True, known_secrets: tuple[str, ...] = ()) -> dict[str, Any]:
        inputs = _redact(self.inputs, known_secrets) if redact else self.inputs
        return {
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "protect": self.protect,
            "depends_on": sorted(self.depends_on),
            "inputs": inputs,
        }


@dataclass
class Plan:
    stack: str
    resources: list[PlannedResource]
    outputs: dict[str, Any]
    secret_outputs: set[str] = field(default_factory=set)
    secret_values: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    def by_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> PlannedResource:
        found = [r for r in self.by_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            names = [r.name for r in self.by_type(type_)]
            raise LookupError(f"expected one {type_} named {name!r}, found {names}")
        return found[0]

    def redacted_outputs(self) -> dict[str, Any]:
        return {
            k: SECRET if k in self.secret_outputs else _redact(v, self.secret_values)
            for k, v in sorted(self.outputs.items())
        }

    def to_json(self) -> list[dict[str, Any]]:
        return [r.as_dict(known_secrets=self.secret_values) for r in self.resources]

    def render(self) -> str:
        lines = [f"Plan of stack {self.stack}: {len(self.resources)} resources"]
        for r in self.resources:
            flags = " [protect]" if r.protect else ""
            lines.append(f"\n+ {r.type}  {r.name}{flags}")
            if r.parent:
                lines.append(f"    parent: {r.parent}")
            for key, value in sorted(_redact(r.inputs, self.secret_values).items()):
                text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
                lines.append(f"    {key}: {text}")
        lines.append("\nOutputs:")
        for key, value in self.redacted_outputs().items():
            lines.append(f"    {key}: {json.dumps(value) if not isinstance(value, str) else value}")
        return "\n".join(lines)


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(_SIG_KEY) == _SECRET_SIG


def _redact(value: Any, known: tuple[str, ...] = ()) -> Any:
    """Secret-wrapped values become `[secret]`; so does any string holding a known secret value (defence in depth:
    a value that lost its secret mark must still never be printed)."""
    if _is_secret(value):
        return SECRET
    if isinstance(value, dict):
        return {k: _redact(v, known) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, known) for v in value]
    if isinstance(value, str) and any(s and s in value for s in known):
        return SECRET
    return value


def unwrap(value: Any) -> Any:
    """The raw values (secrets revealed): for tests that must look inside, never for printing."""
    if _is_secret(value):
        return unwrap(value.get("value"))
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


# Stack config files ---------------------------------------------------------------------------------------------

def read_stack_file(project_dir: Path, stack: str) -> tuple[str, dict[str, Any]]:
    project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise PlanError(f"no stack file {path.name} (stacks here: {', '.join(known) or 'none'})")
    data = yaml.safe_load(path.read_text()) or {}
    return project["name"], data.get("config") or {}


def config_map(
    project: str, raw: dict[str, Any], sets: list[str], secrets: list[str]
) -> tuple[dict[str, str], list[str], list[str]]:
    """Pulumi's wire form of a stack's config: namespaced keys, objects as JSON. Returns config, secret keys, and
    the placeholder values standing in for `secure:` ones."""
    values: dict[str, Any] = {}
    secret_keys: list[str] = []
    placeholders: list[str] = []
    for key, value in raw.items():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            placeholder = f"{PLACEHOLDER_PREFIX}{full.split(':', 1)[1].lower()}"
            values[full] = placeholder
            secret_keys.append(full)
            placeholders.append(placeholder)
        else:
            values[full] = value
    for item, secret in [(s, False) for s in sets] + [(s, True) for s in secrets]:
        key, sep, value = item.partition("=")
        if not sep or not key:
            flag = "--secret" if secret else "--set"
            raise PlanError(f"{flag} {item!r}: expected KEY=VALUE (e.g. {flag} postgres.instance_class=db.t4g.small)")
        _set_path(values, project, key, value)
        full = key.split(".")[0] if ":" in key.split(".")[0] else f"{project}:{key.split('.')[0]}"
        if secret:
            secret_keys.append(full)
            placeholders.append(value)
    wire = {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    return wire, sorted(set(secret_keys)), placeholders


def _set_path(values: dict[str, Any], project: str, key: str, value: str) -> None:
    """`--set postgres.instance_class=db.t4g.small` sets one value inside a structured key, like `--path`."""
    head, *rest = key.split(".")
    full = head if ":" in head else f"{project}:{head}"
    parsed: Any = _parse_scalar(value)
    if not rest:
        values[full] = parsed
        return
    node = values.setdefault(full, {})
    if isinstance(node, str):
        node = json.loads(node)
        values[full] = node
    for part in rest[:-1]:
        node = node.setdefault(part, {})
    node[rest[-1]] = parsed


def _parse_scalar(value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


# Mocks --------------------------------------------------------------------------------------------------------

OutputsFn = Callable[[str, dict[str, Any]], dict[str, Any]]
CallFn = Callable[[dict[str, Any]], dict[str, Any]]


def _mock_tables() -> tuple[dict[str, OutputsFn], dict[str, CallFn]]:
    """Each cloud's computed outputs (what the provider would return) live beside its components."""
    outputs: dict[str, OutputsFn] = {}
    calls: dict[str, CallFn] = {}
    from . import targets

    for module in ("langgraph_infra.mocks", *(t.mocks for t in targets.registered().values())):
        mod = importlib.import_module(module)
        outputs.update(mod.OUTPUTS)
        calls.update(mod.CALLS)
    return outputs, calls


def _make_mocks():
    import pulumi

    outputs_table, calls_table = _mock_tables()

    class PlanMocks(pulumi.runtime.Mocks):
        """Stands in for the providers: echoes inputs and adds the outputs a provider computes."""

        def new_resource(self, args: pulumi.runtime.MockResourceArgs):
            state = dict(args.inputs)
            extra = outputs_table.get(args.typ)
            if extra is not None:
                state.update(extra(args.name, args.inputs))
            return f"{args.name}-id", state

        def call(self, args: pulumi.runtime.MockCallArgs):
            fn = calls_table.get(args.token)
            if fn is None:
                raise PlanError(f"the offline plan has no mock for the call {args.token}")
            return fn(args.args)

    return PlanMocks()


def _make_monitor(mocks):
    from pulumi.runtime import rpc
    from pulumi.runtime.mocks import MockMonitor

    class RecordingMonitor(MockMonitor):
        """Pulumi's mock monitor, also keeping what the mocks never see: parent, protect, dependencies."""

        def __init__(self, mocks):
            super().__init__(mocks)
            self.recorded: list[PlannedResource] = []

        def RegisterResource(self, request):
            response = super().RegisterResource(request)
            if request.type != "pulumi:pulumi:Stack":
                inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
                self.recorded.append(PlannedResource(
                    type=request.type,
                    name=request.name,
                    parent=request.parent.rsplit("::", 1)[-1] if request.parent else None,
                    inputs=_plain(inputs),
                    custom=bool(request.custom),
                    protect=bool(request.protect),
                    depends_on=[urn.rsplit("::", 1)[-1] for urn in request.dependencies],
                    provider=request.provider or None,
                    urn=response.urn,
                ))
            return response

    return RecordingMonitor(mocks)


def _plain(value: Any) -> Any:
    """Deserialised inputs with unknowns and resource references made printable; secret wrappers are kept."""
    from pulumi.runtime import rpc

    if value is rpc.UNKNOWN:
        return "[unknown]"
    if _is_secret(value):
        return {_SIG_KEY: _SECRET_SIG, "value": _plain(value.get("value"))}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "urn") and hasattr(value, "_name"):
        return f"[resource {value._name}]"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Running a program ---------------------------------------------------------------------------------------------

def run_plan(
    project_dir: Path,
    stack: str,
    program: Path | None = None,
    *,
    sets: list[str] | None = None,
    secrets: list[str] | None = None,
) -> Plan:
    """Run `program` (default: the project's `main`) under mocks with `Pulumi.<stack>.yaml` and return the plan.

    Secret config values the stack creates secrets from but that are not in the file (they are set per machine
    with `pulumi config set --secret`) get placeholders, with a note, so a plan never needs a real secret.
    """
    import pulumi
    from pulumi.runtime import settings
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    from . import config as stack_config

    project_dir = project_dir.resolve()
    project, raw = read_stack_file(project_dir, stack)
    if program is None:
        main = yaml.safe_load((project_dir / "Pulumi.yaml").read_text()).get("main", ".")
        program = project_dir / main / "__main__.py"
    wire, secret_keys, placeholders = config_map(project, raw, sets or [], secrets or [])

    notes: list[str] = []
    structured = {
        k.split(":", 1)[1]: json.loads(v) if v[:1] in "{[" else v
        for k, v in wire.items() if k.startswith(f"{stack_config.NAMESPACE}:")
    }
    # Fill the secret config values that only a real stack holds, before the program validates them.
    try:
        declared = stack_config.build({k: v for k, v in structured.items() if k in stack_config.SECTIONS})
    except stack_config.ConfigError as err:
        raise PlanError(str(err)) from None
    for name in declared.created_secret_names():
        full = f"{stack_config.NAMESPACE}:{name}"
        if full not in wire:
            placeholder = f"{PLACEHOLDER_PREFIX}{name.lower()}"
            wire[full] = placeholder
            secret_keys.append(full)
            placeholders.append(placeholder)
            notes.append(f"{name} is not in Pulumi.{stack}.yaml: planned with a placeholder; `pulumi up` needs "
                         f"`pulumi config set --secret {name} <value>`")

    # Pulumi's synchronous helpers use the thread's current event loop; code that ran before (asyncio.run in the same
    # process, say) may have closed it or left none, so each plan gets a fresh one.
    asyncio.set_event_loop(asyncio.new_event_loop())
    settings.reset_options()
    pulumi.runtime.set_all_config(wire, sorted(set(secret_keys)))
    mocks = _make_mocks()
    monitor = _make_monitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    root = pulumi.runtime.get_root_resource()

    cwd = os.getcwd()
    # Pulumi runs a program in its `main` folder: so does the plan, so relative paths come out as `up` sees them.
    os.chdir(program.parent)
    sys.path.insert(0, str(project_dir))
    try:
        _sync_await(run_pulumi_func(lambda: runpy.run_path(str(program), run_name="__main__")))
        outputs, secret_outputs = _sync_await(_resolve_outputs(root.outputs))
    except stack_config.ConfigError as err:
        raise PlanError(str(err)) from None
    finally:
        os.chdir(cwd)
        sys.path.remove(str(project_dir))
    return Plan(
        stack=stack,
        # By type then name: stable across runs, and two stacks' plans line up for a diff.
        resources=sorted(monitor.recorded, key=lambda r: (r.type, r.name)),
        outputs=outputs,
        secret_outputs=secret_outputs,
        secret_values=tuple(placeholders),
        notes=notes,
    )


async def _resolve_outputs(outputs: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    import pulumi

    values: dict[str, Any] = {}
    secret: set[str] = set()
    for key, value in outputs.items():
        out = pulumi.Output.from_input(value)
        values[key] = _plain(await out.future(with_unknowns=True))
        if await out.is_secret():
            secret.add(key)
    return values, secret


def main(argv: list[str] | None = None, project_dir: Path | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.plan",
        description="Plan a stack offline: run the real program under Pulumi mocks and list every resource.",
    )
    parser.add_argument("--stack", default="dev", help="stack name: reads Pulumi.<stack>.yaml (default: dev)")
    parser.add_argument("--json", action="store_true", help="print a JSON array of resources instead of text")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value for this run (dotted paths reach inside objects)")
    parser.add_argument("--secret", action="append", default=[], metavar="KEY=VALUE",
                        help="set a secret config value for this run (never printed)")
    parser.add_argument("--rules", action="store_true",
                        help="check the plan against langgraph_infra.rules (the policy pack's rules); exit 1 on a "
                             "violation")
    args = parser.parse_args(argv)
    try:
        plan = run_plan(project_dir or Path.cwd(), args.stack, sets=args.set, secrets=args.secret)
    except PlanError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for note in plan.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.rules:
        from .rules import RULES, evaluate

        findings = evaluate(plan.resources)
        for f in findings:
            print(f"violation: [{f.rule}] {f.resource_type} {f.resource_name}: {f.message}")
        print(f"{len(RULES)} rules, {len(plan.resources)} resources, {len(findings)} violation(s)")
        return 1 if findings else 0
    if args.json:
        print(json.dumps(plan.to_json(), indent=2, sort_keys=True))
    else:
        print(plan.render())
    return 0

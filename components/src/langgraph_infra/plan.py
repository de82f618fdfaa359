"""The offline plan: run a real Pulumi program under Pulumi's own mocks with a stack's config file and list every
resource it registers (type, name, parent, options, inputs) and the stack's outputs, secrets hidden.

No Pulumi CLI, credentials or network: review a stack, diff dev against prod, and feed the plan-level checks.
`python -m infra.plan --stack dev` is this repository's entry point; `run_plan()` is the API.

Reading a plan
    The text plan is a tree, like `pulumi preview`: each component with its resources nested under it, each
    resource's inputs below it as YAML (JSON documents such as ECS container definitions and IAM policies are
    expanded; the tags every resource shares are printed once in the header). `--json` prints one object
    `{"stack", "resources", "outputs", "notes"}` with those documents as objects. Secrets print as `[secret]`;
    `--show-secrets` prints them, except the values the plan had to make up, which print as `<mock:...>`.

Placeholders
    Only the cloud knows ids, ARNs, endpoints, digests and generated passwords; the mocks (each target's
    `mocks.py`, conventions in `langgraph_infra.mocks`) invent them in the stack's own region and project:
    ids are `<mock:Type/NAME>`, invented names and hosts carry `mock`, the AWS account and GCP project number are
    123456789012, image digests start `sha256:00000000`. The text plan also ends each line holding an invented
    value with `# mock`.

Testing your own program with pytest
    `run_plan` runs any Pulumi program under these mocks, including one that builds its configuration in code
    (`langgraph_infra.build_config({...})`) with a stack file that holds no `langgraph-infra:` keys::

        from pathlib import Path
        from langgraph_infra.plan import run_plan, unwrap

        def test_database_is_private():
            plan = run_plan(Path("."), "dev", "infra/__main__.py", sets=["postgres.instance_class=db.t4g.small"])
            rds = plan.one("aws:rds/instance:Instance")           # exactly one, else LookupError
            assert rds.inputs["publiclyAccessible"] is False
            assert len(plan.by_type("aws:ecs/service:Service")) == 2
            password = unwrap(rds.inputs["password"])             # secrets stay wrapped until you unwrap them

    `PlannedResource.inputs` holds the inputs as registered (secrets wrapped: `unwrap` reveals them), `Plan.outputs`
    the stack's outputs, `Plan.render()` / `Plan.to_json()` what the CLI prints. Configuration problems raise
    `PlanError`; any other error in the program raises as it would under `pulumi up`.

    What the mocks answer: every resource echoes its inputs and gets the id `<mock:Type/NAME>`; the resources and
    lookups the components use also get the outputs their provider computes (the `OUTPUTS` and `CALLS` tables of
    `langgraph_infra.mocks` and each target's `mocks.py`, plus AWS `getCallerIdentity`, `getRegion`,
    `getPartition`). A lookup with no mock raises `PlanError` naming it. Pulumi's `pulumi.runtime.set_mocks`
    is what runs underneath, so anything the Pulumi testing guide says about mocks holds here.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import os
import re
import runpy
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .mocks import ACCOUNT, MOCK_SECRET_PREFIX, Where, mock_id

__all__ = ["SECRET", "Plan", "PlanError", "PlannedResource", "main", "run_plan", "unwrap"]

SECRET = "[secret]"
# What `secure:` config values become under the plan: the real ciphertext cannot be decrypted without the CLI.
PLACEHOLDER_PREFIX = "plan-placeholder-"
MOCK_MARK = "# mock"
WIDTH = 110
"""Text plan: a list or map goes on one line when that line fits in WIDTH columns, else one entry per line."""
FOLD_AT = 240
"""Text plan: a single string longer than this (a base64 blob, say) shows its start, end and length."""
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_LOOKS_TYPED = re.compile(r"(?i)^(true|false|yes|no|on|off|null|~|[-+]?(\d[\d_]*)?\.?\d+(e[-+]?\d+)?)$")
# What the mocks make up carries one of the placeholder conventions (langgraph_infra.mocks), or is an address; a
# value they merely derive from the inputs (a service account's email, say) is what the cloud would return too.
_INVENTED = re.compile(rf"mock|{ACCOUNT}|sha256:00000000|\b\d{{1,3}}(\.\d{{1,3}}){{3}}\b", re.IGNORECASE)
_DOCKER_CONTAINER = "docker:index/container:Container"
_LEGEND = (
    "+ to create, nested under its parent; [protect] kept from deletion; [secret] hidden (--show-secrets shows it)",
    "<mock:Type/NAME> the id of resource NAME; `# mock` a value only the cloud knows, made up by the plan's mocks",
    "(account and project number 123456789012, `mock` in names and hosts, digests sha256:00000000..., addresses)",
)


class PlanError(Exception):
    """A plan that could not run: bad arguments, a missing stack file, or invalid stack configuration."""


@dataclass
class PlannedResource:
    """One registered resource, as the engine would receive it."""

    type: str
    name: str
    parent: str | None
    """The parent's name (None: the stack)."""
    inputs: dict[str, Any]
    """Inputs as registered; secret values stay wrapped (`unwrap` reveals them)."""
    custom: bool
    protect: bool
    depends_on: list[str]
    provider: str | None
    urn: str
    parent_urn: str | None = None

    def as_dict(self, *, redact: bool = True, known_secrets: tuple[str, ...] = ()) -> dict[str, Any]:
        """JSON-ready: JSON documents in inputs parsed, secrets `[secret]` (unless `redact=False`: raw inputs)."""
        inputs = _View(known_secrets).inputs(self) if redact else self.inputs
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
    """The resources a program registers (parents before children) and its stack outputs."""

    stack: str
    resources: list[PlannedResource]
    outputs: dict[str, Any]
    secret_outputs: set[str] = field(default_factory=set)
    secret_values: tuple[str, ...] = ()
    """Every secret value the plan knows (config, `--secret`, made-up ones): never printed, even unmarked."""
    notes: list[str] = field(default_factory=list)
    placeholders: dict[str, str] = field(default_factory=dict)
    """Made-up secret value -> how `--show-secrets` prints it (`<mock:...>`)."""
    mock_values: frozenset[str] = frozenset()
    """Values the mocks invented (ARNs, hosts, ...): the text plan marks lines that hold one with `# mock`."""
    secret_names: tuple[str, ...] = ()
    """Secret config names: a container environment entry with one of these names is always hidden."""

    def by_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> PlannedResource:
        found = [r for r in self.by_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            names = [r.name for r in self.by_type(type_)]
            raise LookupError(f"expected one {type_} named {name!r}, found {names}")
        return found[0]

    def _view(self, show_secrets: bool) -> _View:
        return _View((*self.secret_values, *self.placeholders), self.placeholders, show_secrets, self.secret_names)

    def redacted_outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        view = self._view(show_secrets)
        return {k: SECRET if k in self.secret_outputs and not show_secrets else view.value(v)
                for k, v in sorted(self.outputs.items())}

    def to_json(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """`{"stack", "resources", "outputs", "notes"}`: nested JSON documents as objects, secrets `[secret]`."""
        view = self._view(show_secrets)
        resources = []
        for r in self.resources:
            entry = r.as_dict(redact=False)
            entry["inputs"] = view.inputs(r)
            resources.append(entry)
        return {"stack": self.stack, "resources": resources, "outputs": self.redacted_outputs(show_secrets=show_secrets),
                "notes": [*self.notes, "legend: " + " ".join(_LEGEND)]}

    def render(self, *, show_secrets: bool = False) -> str:
        """The text plan: a tree of components and resources, inputs as YAML, shared tags once in the header."""
        view = self._view(show_secrets)
        inputs = {r.urn: view.inputs(r) for r in self.resources}
        common = _common_tags(inputs.values())
        lines = [f"Plan of stack {self.stack}: {len(self.resources)} resources"]
        for key, (shared, count) in common.items():
            text = ", ".join(f"{k}={v}" for k, v in sorted(shared.items()))
            lines.append(f"{key} on every resource that takes them ({count}): {text}")
        lines.append("legend: " + "\n        ".join(_LEGEND))
        writer = _Writer(self.mock_values)
        tree = _tree(self.resources)
        parents = {r.parent_urn for r in self.resources}
        for depth, r in tree:
            pad = "    " * depth
            flags = " [protect]" if r.protect else ""
            # A blank line before each component and each resource with inputs keeps the tree readable.
            spaced = depth == 0 or bool(inputs[r.urn]) or r.urn in parents
            lines.append(f"{chr(10) if spaced else ''}{pad}+ {r.type}  {r.name}{flags}")
            for key, value in sorted(inputs[r.urn].items()):
                if key in common:
                    value = _without(value, common[key][0])
                    if not value:
                        continue
                lines += writer.entry(f"{key}: ", value, len(pad) + 4)
        lines.append("\nOutputs:")
        for key, value in self.redacted_outputs(show_secrets=show_secrets).items():
            lines += writer.entry(f"{key}: ", value, 4)
        return "\n".join(lines)


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(_SIG_KEY) == _SECRET_SIG


def _document(text: str) -> Any:
    """A JSON object or array held in a string (container definitions, policies), or None."""
    if text[:1] not in "{[":
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return doc if isinstance(doc, (dict, list)) else None


class _View:
    """Inputs and outputs made printable: documents parsed; secrets hidden, or shown with made-up ones marked."""

    def __init__(self, secrets: Iterable[str] = (), placeholders: dict[str, str] | None = None,
                 show: bool = False, secret_names: Iterable[str] = ()):
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self.placeholders = sorted((placeholders or {}).items(), key=lambda kv: len(kv[0]), reverse=True)
        self.show = show
        self.secret_names = set(secret_names)

    def inputs(self, r: PlannedResource) -> dict[str, Any]:
        return {k: self.value(v, per_entry=k == "envs" and r.type == _DOCKER_CONTAINER) for k, v in r.inputs.items()}

    def value(self, value: Any, per_entry: bool = False) -> Any:
        if _is_secret(value):
            inner = value.get("value")
            if self.show:
                return self.value(inner)
            # Docker takes the environment as one list, so one secret entry marks all of it: hide entry by entry.
            if per_entry and isinstance(inner, list) and all(isinstance(e, str) for e in inner):
                return [self._entry(e) for e in inner]
            return SECRET
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, str):
            doc = _document(value)
            if doc is not None:
                return self.value(doc)
            if self.show:
                return self._mark(value)
            if any(s in value for s in self.secrets):
                return SECRET
        return value

    def _entry(self, entry: str) -> str:
        """One `NAME=value` of a secret-marked environment list: hidden when it holds a known secret value, is
        named after a secret, or is a credential by the plan rules' own test (name or shape)."""
        from .rules import _plain_secret

        name, sep, value = entry.partition("=")
        if not sep or name in self.secret_names or any(s in entry for s in self.secrets) or \
                _plain_secret(name, value) or value.startswith((PLACEHOLDER_PREFIX, MOCK_SECRET_PREFIX)):
            return f"{name}={SECRET}" if sep else SECRET
        return entry

    def _mark(self, text: str) -> str:
        for raw, label in self.placeholders:
            text = text.replace(raw, label)
        return text


def unwrap(value: Any) -> Any:
    """The raw values (secrets revealed): for tests that must look inside, never for printing."""
    if _is_secret(value):
        return unwrap(value.get("value"))
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


# The text plan ---------------------------------------------------------------------------------------------------

def _tree(resources: list[PlannedResource]) -> list[tuple[int, PlannedResource]]:
    """Depth-first, parents before children; siblings: providers, then components, then resources by type, name."""
    urns = {r.urn for r in resources}
    children: dict[str | None, list[PlannedResource]] = defaultdict(list)
    for r in resources:
        children[r.parent_urn if r.parent_urn in urns else None].append(r)

    def order(r: PlannedResource) -> tuple[bool, bool, str, str]:
        return (not r.type.startswith("pulumi:providers:"), r.custom, r.type, r.name)

    out: list[tuple[int, PlannedResource]] = []

    def walk(parent: str | None, depth: int) -> None:
        for r in sorted(children[parent], key=order):
            out.append((depth, r))
            walk(r.urn, depth + 1)

    walk(None, 0)
    return out


def _tag_map(value: Any) -> dict[str, Any] | None:
    """Tags or labels as a map: AWS and GCP take a map, Docker a list of `{label, value}`."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and value and all(isinstance(e, dict) and set(e) == {"label", "value"} for e in value):
        return {e["label"]: e["value"] for e in value}
    return None


def _without(value: Any, shared: dict[str, Any]) -> Any:
    """A resource's tags less the ones every resource has (printed once in the header)."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in shared or shared[k] != v}
    if _tag_map(value) is not None:
        return [e for e in value if shared.get(e["label"], object()) != e["value"]]
    return value


def _common_tags(inputs: Iterable[dict[str, Any]]) -> dict[str, tuple[dict[str, Any], int]]:
    """`tags` / `labels` entries every resource that takes them shares (when at least two do)."""
    found: dict[str, tuple[dict[str, Any], int]] = {}
    inputs = list(inputs)
    for key in ("tags", "labels"):
        maps = [m for m in (_tag_map(i.get(key)) for i in inputs) if m]
        if len(maps) < 2:
            continue
        shared = {k: v for k, v in maps[0].items() if all(m.get(k) == v for m in maps[1:])}
        if shared:
            found[key] = (shared, len(maps))
    return found


class _Writer:
    """YAML-like lines for people (tools read `--json`): short lists and maps on one line, the rest one entry per
    line, multi-line strings as `|` blocks; strings a YAML reader would take for another type are quoted."""

    def __init__(self, mock_values: Iterable[str] = ()):
        self.mock_values = sorted(set(mock_values))

    def entry(self, head: str, value: Any, indent: int) -> list[str]:
        pad = " " * indent
        if isinstance(value, str) and "\n" in value:
            return [f"{pad}{head}|", *(f"{pad}  {line}" for line in value.rstrip("\n").split("\n"))]
        if not isinstance(value, (dict, list)) or not value or _flat(value):
            line = f"{pad}{head}{_flow(value)}"
            if not isinstance(value, (dict, list)) or len(line) <= WIDTH:
                return [line + self._mark(value)]
        lines = self.block(value, indent + 2)
        if head == "- ":
            return [f"{pad}- {lines[0][indent + 2:]}", *lines[1:]]
        return [f"{pad}{head.rstrip()}", *lines]

    def block(self, value: Any, indent: int) -> list[str]:
        lines: list[str] = []
        if isinstance(value, dict):
            for k, v in sorted(value.items()):
                lines += self.entry(f"{k}: ", v, indent)
        else:
            for v in value:
                lines += self.entry("- ", v, indent)
        return lines

    def _mark(self, value: Any) -> str:
        leaves = _leaves(value)
        if any(m in s for s in leaves for m in self.mock_values):
            return f"  {MOCK_MARK}"
        return ""


def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _leaves(v)]
    if isinstance(value, list):
        return [s for v in value for s in _leaves(v)]
    return [value] if isinstance(value, str) else []


def _flat(value: Any) -> bool:
    items = value.values() if isinstance(value, dict) else value
    return all(not isinstance(v, (dict, list)) and not (isinstance(v, str) and "\n" in v) for v in items)


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if value == "" or value != value.strip() or _LOOKS_TYPED.match(value):
            return json.dumps(value)  # quoted, so "16" and "true" stay strings to a YAML reader
        if len(value) > FOLD_AT and " " not in value:
            return f"{value[:60]}...{value[-20:]} ({len(value)} characters; --json prints it whole)"
        return value
    return json.dumps(value)


# Stack config files ---------------------------------------------------------------------------------------------

def read_stack_file(project_dir: Path, stack: str) -> tuple[str, dict[str, Any]]:
    project_file = project_dir / "Pulumi.yaml"
    if not project_file.is_file():
        raise PlanError(f"no Pulumi.yaml in {project_dir}: run the plan from the project's folder")
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise PlanError(f"no stack file {path.name} (stacks here: {', '.join(known) or 'none'})")
    try:
        project = yaml.safe_load(project_file.read_text()) or {}
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise PlanError(f"not valid YAML: {err}") from None
    if not isinstance(data, dict) or not isinstance(data.get("config") or {}, dict) or "name" not in project:
        raise PlanError(f"{path.name} must be a map with a `config:` map, and Pulumi.yaml must have a `name`")
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
        flag = "--secret" if secret else "--set"
        if not sep or not key or any(not part for part in key.split(".")):
            # A malformed --secret may be the secret itself: never echo it.
            raise PlanError("--secret: expected KEY=VALUE (e.g. --secret LANGSMITH_API_KEY=...)" if secret else
                            f"{flag} {item!r}: expected KEY=VALUE (e.g. {flag} postgres.instance_class=db.t4g.small)")
        _set_path(values, project, key, value, flag)
        full = key.split(".")[0] if ":" in key.split(".")[0] else f"{project}:{key.split('.')[0]}"
        if secret:
            secret_keys.append(full)
            placeholders.append(value)
    wire = {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    return wire, sorted(set(secret_keys)), placeholders


def _set_path(values: dict[str, Any], project: str, key: str, value: str, flag: str = "--set") -> None:
    """`--set postgres.instance_class=db.t4g.small` sets one value inside a structured key, like `--path`."""
    head, *rest = key.split(".")
    full = head if ":" in head else f"{project}:{head}"
    parsed: Any = _parse_scalar(value)
    if not rest:
        values[full] = parsed
        return
    node = values.setdefault(full, {})
    if isinstance(node, str):
        node = _document(node)
        values[full] = node
    for i, part in enumerate(rest):
        if not isinstance(node, dict):
            reached = ".".join([head, *rest[:i]])
            raise PlanError(f"{flag} {key}=...: {reached} is not an object, so it has no key {part!r}")
        if i < len(rest) - 1:
            node = node.setdefault(part, {})
    node[rest[-1]] = parsed


def _parse_scalar(value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


# Mocks --------------------------------------------------------------------------------------------------------

OutputsFn = Callable[..., dict[str, Any]]
CallFn = Callable[..., dict[str, Any]]


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


def _takes_where(fn: Callable[..., Any], plain_arity: int) -> bool:
    """Mock functions take `where` last; a table written before it existed takes one argument fewer."""
    try:
        return len(inspect.signature(fn).parameters) > plain_arity
    except (TypeError, ValueError):
        return True


def _package(type_: str) -> str:
    return type_.split(":")[2] if type_.startswith("pulumi:providers:") else type_.split(":")[0]


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _make_mocks(config: dict[str, str]) -> Any:  # a PlanMocks, the class made here once pulumi is imported
    import pulumi

    outputs_table, calls_table = _mock_tables()

    class PlanMocks(pulumi.runtime.Mocks):
        """Stands in for the providers: echoes inputs and adds the outputs a provider computes, in the region and
        project of the provider the resource or call goes through."""

        def __init__(self) -> None:
            self.providers: dict[tuple[str, str], dict[str, Any]] = {}
            self.invented: set[str] = set()
            self.secrets: dict[str, str] = {}

        def where(self, package: str, ref: str | None) -> Where:
            found: dict[str, Any] | None = None
            if ref:
                # A provider reference is `<urn>::<id>`; the urn ends `...$pulumi:providers:<pkg>::<name>`.
                parts = ref.split("::")
                if len(parts) >= 3:
                    found = self.providers.get((_package(parts[-3].split("$")[-1]), parts[-2]))
            if found is None:
                same = [inputs for (pkg, _), inputs in self.providers.items() if pkg == package]
                found = same[0] if len(same) == 1 else {}
            region = found.get("region") or config.get(f"{package}:region")
            project = found.get("project") or config.get(f"{package}:project")
            return Where(region=region if isinstance(region, str) else None,
                         project=project if isinstance(project, str) else None)

        def _keep(self, label: str, computed: dict[str, Any], given: Any, where: Where) -> None:
            """Remember what the mocks made up: secrets (hidden, marked on --show-secrets) and placeholders that the
            text plan marks `# mock`."""
            echoed = set(_strings(given)) | {where.region, where.project}
            for key, value in computed.items():
                for s in _strings(value):
                    if s.startswith(MOCK_SECRET_PREFIX):
                        self.secrets.setdefault(s, f"<mock:{label}.{key}>")
                    elif s not in echoed and _INVENTED.search(s):
                        self.invented.add(s)

        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
            state = dict(args.inputs)
            if args.typ.startswith("pulumi:providers:"):
                self.providers[(_package(args.typ), args.name)] = state
                return mock_id(args.name, args.typ), state
            fn = outputs_table.get(args.typ)
            if fn is not None:
                where = self.where(_package(args.typ), args.provider)
                extra = fn(args.name, args.inputs, where) if _takes_where(fn, 2) else fn(args.name, args.inputs)
                self._keep(args.name, extra, args.inputs, where)
                state.update(extra)
            return args.resource_id or mock_id(args.name, args.typ), state

        # Mocks.call is annotated as returning (outputs, failures), but MockMonitor.Invoke takes a plain dict as
        # outputs with no failures (and would iterate a None failures list): the annotation is too narrow.
        def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
            fn = calls_table.get(args.token)
            if fn is None:
                raise PlanError(f"the offline plan has no mock for the call {args.token}: add one to the CALLS of "
                                f"a target's mocks.py (see langgraph_infra.mocks)")
            where = self.where(_package(args.token), args.provider)
            result = fn(args.args, where) if _takes_where(fn, 1) else fn(args.args)
            self._keep(args.token.rsplit(":", 1)[-1], result, args.args, where)
            return result

    return PlanMocks()


def _in_own_loop(method: Callable[[Any], Any], request: Any) -> Any:
    """Run a monitor call (Pulumi makes them on executor threads) in an event loop closed when it returns: the
    mock monitor would otherwise leave one open loop per thread, and closing them at interpreter exit can print
    "Exception ignored" after a successful plan."""
    if threading.current_thread() is threading.main_thread():
        return method(request)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return method(request)
    finally:
        _close_loop(loop)
        asyncio.set_event_loop(None)


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


def _make_monitor(mocks):
    from pulumi.runtime import rpc
    from pulumi.runtime.mocks import MockMonitor

    class RecordingMonitor(MockMonitor):
        """Pulumi's mock monitor, also keeping what the mocks never see: parent, protect, dependencies."""

        def __init__(self, mocks):
            super().__init__(mocks)
            self.recorded: list[PlannedResource] = []

        def Invoke(self, request):
            return _in_own_loop(super().Invoke, request)

        def ReadResource(self, request):
            return _in_own_loop(super().ReadResource, request)

        def RegisterResource(self, request):
            return _in_own_loop(self._register, request)

        def _register(self, request):
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
                    parent_urn=request.parent or None,
                ))
            return response

    return RecordingMonitor(mocks)


def _plain(value: Any) -> Any:
    """Deserialised inputs with unknowns and resource references made printable; secret wrappers are kept."""
    import pulumi
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
    if isinstance(value, (pulumi.Asset, pulumi.Archive)):
        return _asset(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _asset(value: Any) -> Any:
    """An asset as one line (`file <path>`); an archive's members folded by top-level folder (`pg8000/: 27 files`)."""
    import pulumi

    if isinstance(value, pulumi.AssetArchive):
        members: dict[str, Any] = {}
        for path, member in sorted(value.assets.items()):
            top, _, rest = path.partition("/")
            if rest:
                members[f"{top}/"] = members.get(f"{top}/", 0) + 1
            else:
                members[path] = _asset(member)
        return {"archive": {k: f"{v} files" if isinstance(v, int) else v for k, v in members.items()}}
    for kind in ("path", "text", "uri"):
        if hasattr(value, kind):
            detail = getattr(value, kind)
            return f"{kind} {detail}" if kind != "text" else f"text ({len(detail)} characters)"
    return type(value).__name__


# Running a program ---------------------------------------------------------------------------------------------

def run_plan(
    project_dir: Path,
    stack: str,
    program: Path | str | None = None,
    *,
    sets: list[str] | None = None,
    secrets: list[str] | None = None,
) -> Plan:
    """Run `program` under mocks with `Pulumi.<stack>.yaml` (plus `sets`/`secrets`, as `--set`/`--secret`) and
    return the plan.

    `program` defaults to the project's `main` (its `__main__.py`); a relative path is relative to `project_dir`.
    The program runs in its own folder, as under Pulumi. When the stack file declares `langgraph-infra:target`
    (the program reads its config with `load_config()`), the secret config values the stack creates secrets from
    but that are not in the file (set per machine with `pulumi config set --secret`) get placeholders, with a
    note, so a plan never needs a real secret. A program that builds its config in code needs none of that.
    """
    import pulumi
    from pulumi.runtime import settings
    from pulumi.runtime.stack import Stack, run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    from . import loading as stack_config

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", stack):
        raise PlanError(f"--stack {stack!r}: a stack name (letters, digits, `.`, `_`, `-`) naming Pulumi.<stack>.yaml")
    project_dir = Path(project_dir).resolve()
    project, raw = read_stack_file(project_dir, stack)
    if program is None:
        main_dir = yaml.safe_load((project_dir / "Pulumi.yaml").read_text()).get("main", ".")
        program = project_dir / main_dir / "__main__.py"
    program = (project_dir / program).resolve()
    if program.is_dir():
        program = program / "__main__.py"
    if not program.is_file():
        raise PlanError(f"no program {program}")
    wire, secret_keys, placeholders = config_map(project, raw, sets or [], secrets or [])

    notes: list[str] = []
    prefix = f"{stack_config.NAMESPACE}:"
    secret_names = {k[len(prefix):] for k in secret_keys if k.startswith(prefix)}
    if f"{prefix}target" in wire:
        # The program validates its config from the stack file: fill the secret values only a real stack holds.
        structured = {k[len(prefix):]: _document(v) or v for k, v in wire.items() if k.startswith(prefix)}
        try:
            declared = stack_config.build({k: v for k, v in structured.items() if k in stack_config.SECTIONS})
        except stack_config.ConfigError as err:
            raise PlanError(str(err)) from None
        for name in declared.created_secret_names():
            secret_names.add(name)
            full = f"{prefix}{name}"
            if full not in wire:
                placeholder = f"{PLACEHOLDER_PREFIX}{name.lower()}"
                wire[full] = placeholder
                secret_keys.append(full)
                placeholders.append(placeholder)
                notes.append(f"{name} is not in Pulumi.{stack}.yaml: planned with a placeholder; `pulumi up` needs "
                             f"`pulumi config set --secret {name} <value>`")
    made_up = {p: f"<mock:secret {p[len(PLACEHOLDER_PREFIX):].upper()}>"
               for p in placeholders if p.startswith(PLACEHOLDER_PREFIX)}

    # Pulumi's synchronous helpers use the thread's current event loop: each plan gets its own, closed at the end
    # (an open one left for interpreter exit can print "Exception ignored" after a successful plan).
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    settings.reset_options()
    pulumi.runtime.set_all_config(wire, sorted(set(secret_keys)))
    mocks = _make_mocks(wire)
    monitor = _make_monitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    root = pulumi.runtime.get_root_resource()
    assert isinstance(root, Stack)  # set_mocks made the root stack, whose outputs the program's exports fill

    def run_program() -> None:
        runpy.run_path(str(program), run_name="__main__")

    cwd = os.getcwd()
    # Pulumi runs a program in its `main` folder: so does the plan, so relative paths come out as `up` sees them.
    os.chdir(program.parent)
    sys.path.insert(0, str(project_dir))
    try:
        _sync_await(run_pulumi_func(run_program))
        outputs, secret_outputs = _sync_await(_resolve_outputs(root.outputs))
    except (stack_config.ConfigError, pulumi.ConfigMissingError, pulumi.ConfigTypeError, pulumi.RunError) as err:
        raise PlanError(str(err)) from None
    finally:
        os.chdir(cwd)
        sys.path.remove(str(project_dir))
        _close_loop(loop)
        asyncio.set_event_loop(None)
    made_up.update(mocks.secrets)
    return Plan(
        stack=stack,
        resources=[r for _, r in _tree(monitor.recorded)],
        outputs=outputs,
        secret_outputs=secret_outputs,
        secret_values=tuple(placeholders),
        notes=notes,
        placeholders=made_up,
        mock_values=frozenset(mocks.invented),
        secret_names=tuple(sorted(secret_names)),
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


# The command line ----------------------------------------------------------------------------------------------

def capacity_of(project_dir: Path, stack: str, sets: list[str] | None = None) -> dict[str, Any] | None:
    """The capacity derivation of `Pulumi.<stack>.yaml` (plus `sets`) as data, from the validated config alone (no
    program runs). None when the stack sets no capacity; `PlanError` with every configuration problem."""
    from . import loading as config
    from .derive.capacity import capacity_report

    if not re.fullmatch(r"[A-Za-z0-9._-]+", stack):
        raise PlanError(f"--stack {stack!r}: a stack name (letters, digits, `.`, `_`, `-`) naming Pulumi.<stack>.yaml")
    project, raw = read_stack_file(project_dir, stack)
    wire, _, _ = config_map(project, raw, sets or [], [])
    prefix = f"{config.NAMESPACE}:"
    structured = {key[len(prefix):]: (_document(value) if value[:1] in "{[" else value) for key, value in wire.items()
                  if key.startswith(prefix) and key[len(prefix):] in config.SECTIONS}
    try:
        cfg = config.build(structured)
    except config.ConfigError as err:
        raise PlanError(str(err)) from None
    return capacity_report(cfg)


def _capacity(project_dir: Path, stack: str, sets: list[str], as_json: bool) -> int:
    from .derive import capacity

    try:
        data = capacity_of(project_dir, stack, sets)
    except PlanError as err:
        print(f"error: {err}", file=sys.stderr)
        if as_json:
            problems = [line.strip().removeprefix("- ") for line in str(err).splitlines()[1:]] or [str(err)]
            print(json.dumps({"stack": stack, "errors": problems}, indent=2))
        return 2
    if data is None:
        message = (f"stack {stack} sets no capacity: its sizes are as given. Set `capacity.requests_per_second` "
                   "(docs/capacity.md) to derive and check them")
        print(json.dumps({"stack": stack, "capacity": None, "note": message}, indent=2) if as_json else message)
        return 0
    print(json.dumps({"stack": stack, **data}, indent=2) if as_json else capacity.render(stack, data))
    return 0


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {message}\n")


def main(argv: list[str] | None = None, project_dir: Path | None = None) -> int:
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
    if args.capacity:
        return _capacity(project_dir or Path.cwd(), args.stack, args.set, args.json)
    try:
        plan = run_plan(project_dir or Path.cwd(), args.stack, sets=args.set, secrets=args.secret)
    except PlanError as err:
        print(f"error: {err}", file=sys.stderr)
        if args.json:
            problems = [line.strip().removeprefix("- ") for line in str(err).splitlines()[1:]] or [str(err)]
            print(json.dumps({"stack": args.stack, "errors": problems}, indent=2))
        return 2
    for note in plan.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.manifests is not None:
        from . import manifests

        written = manifests.write(manifests.manifests(plan), args.manifests)
        print(f"{len(written)} Kubernetes object(s) written to {args.manifests}")
        return 0
    if args.rules:
        from .rules import RULES, STACK_RULES, evaluate

        findings = evaluate(plan.resources)
        if args.json:
            print(json.dumps({"stack": plan.stack, "rules": len(RULES) + len(STACK_RULES), "resources": len(plan.resources),
                              "violations": [{"rule": f.rule, "type": f.resource_type, "name": f.resource_name,
                                              "message": f.message} for f in findings]}, indent=2))
        else:
            from .defense_rules import accepted_findings

            for rule_id, type_, name, reason in accepted_findings(plan.resources, RULES):
                print(f"accepted: [{rule_id}] {type_} {name}: {reason}")
            for f in findings:
                print(f"violation: [{f.rule}] {f.resource_type} {f.resource_name}: {f.message}")
            print(f"{len(RULES) + len(STACK_RULES)} rules, {len(plan.resources)} resources, {len(findings)} violation(s)")
        return 1 if findings else 0
    if args.json:
        print(json.dumps(plan.to_json(show_secrets=args.show_secrets), indent=2, sort_keys=True))
    else:
        print(plan.render(show_secrets=args.show_secrets))
    return 0

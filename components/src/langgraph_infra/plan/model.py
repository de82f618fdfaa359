"""The offline plan's result: `Plan` (the resources a program registers, parents before children, and its stack
outputs), `PlanError` (a plan that could not run), and the text and JSON forms a reviewer or a tool reads."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..wire import SECRET, PlannedResource, Redaction
from .rendering import LEGEND, Writer, common_tags, without


class PlanError(Exception):
    """A plan that could not run: bad arguments, a missing stack file, or invalid stack configuration."""


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

    def _redaction(self, show_secrets: bool) -> Redaction:
        return Redaction((*self.secret_values, *self.placeholders), self.placeholders, show_secrets, self.secret_names)

    def redacted_outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        view = self._redaction(show_secrets)
        return {k: SECRET if k in self.secret_outputs and not show_secrets else view.value(v)
                for k, v in sorted(self.outputs.items())}

    def to_json(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """`{"stack", "resources", "outputs", "notes"}`: nested JSON documents as objects, secrets `[secret]`."""
        view = self._redaction(show_secrets)
        resources = []
        for r in self.resources:
            entry = r.as_dict(redact=False)
            entry["inputs"] = view.inputs(r.type, r.inputs)
            resources.append(entry)
        return {"stack": self.stack, "resources": resources, "outputs": self.redacted_outputs(show_secrets=show_secrets),
                "notes": [*self.notes, "legend: " + " ".join(LEGEND)]}

    def render(self, *, show_secrets: bool = False) -> str:
        """The text plan: a tree of components and resources, inputs as YAML, shared tags once in the header."""
        view = self._redaction(show_secrets)
        inputs = {r.urn: view.inputs(r.type, r.inputs) for r in self.resources}
        common = common_tags(inputs.values())
        lines = [f"Plan of stack {self.stack}: {len(self.resources)} resources"]
        for key, (shared, count) in common.items():
            text = ", ".join(f"{k}={v}" for k, v in sorted(shared.items()))
            lines.append(f"{key} on every resource that takes them ({count}): {text}")
        lines.append("legend: " + "\n        ".join(LEGEND))
        writer = Writer(self.mock_values)
        parents = {r.parent_urn for r in self.resources}
        for depth, r in tree(self.resources):
            pad = "    " * depth
            flags = " [protect]" if r.protect else ""
            # A blank line before each component and each resource with inputs keeps the tree readable.
            spaced = depth == 0 or bool(inputs[r.urn]) or r.urn in parents
            lines.append(f"{chr(10) if spaced else ''}{pad}+ {r.type}  {r.name}{flags}")
            for key, value in sorted(inputs[r.urn].items()):
                if key in common:
                    value = without(value, common[key][0])
                    if not value:
                        continue
                lines += writer.entry(f"{key}: ", value, len(pad) + 4)
        lines.append("\nOutputs:")
        for key, value in self.redacted_outputs(show_secrets=show_secrets).items():
            lines += writer.entry(f"{key}: ", value, 4)
        return "\n".join(lines)


def tree(resources: list[PlannedResource]) -> list[tuple[int, PlannedResource]]:
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


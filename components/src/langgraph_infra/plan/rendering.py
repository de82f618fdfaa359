"""How a plan is written for people: the YAML-like text writer (short lists and maps on one line, `|` blocks, long
blobs folded, `# mock` marks), the tags every resource shares printed once, the legend, and a failed plan's error
(text, or JSON for tools). The JSON plan is the model's own data (`Plan.to_json`); this module only words it.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from typing import Any

MOCK_MARK = "# mock"
WIDTH = 110
"""Text plan: a list or map goes on one line when that line fits in WIDTH columns, else one entry per line."""
FOLD_AT = 240
"""Text plan: a single string longer than this (a base64 blob, say) shows its start, end and length."""
_LOOKS_TYPED = re.compile(r"(?i)^(true|false|yes|no|on|off|null|~|[-+]?(\d[\d_]*)?\.?\d+(e[-+]?\d+)?)$")
LEGEND = (
    "+ to create, nested under its parent; [protect] kept from deletion; [secret] hidden (--show-secrets shows it)",
    "<mock:Type/NAME> the id of resource NAME; `# mock` a value only the cloud knows, made up by the plan's mocks",
    "(account and project number 123456789012, `mock` in names and hosts, digests sha256:00000000..., addresses)",
)


def tag_map(value: Any) -> dict[str, Any] | None:
    """Tags or labels as a map: AWS and GCP take a map, Docker a list of `{label, value}`."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and value and all(isinstance(e, dict) and set(e) == {"label", "value"} for e in value):
        return {e["label"]: e["value"] for e in value}
    return None


def without(value: Any, shared: dict[str, Any]) -> Any:
    """A resource's tags less the ones every resource has (printed once in the header)."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in shared or shared[k] != v}
    if tag_map(value) is not None:
        return [e for e in value if shared.get(e["label"], object()) != e["value"]]
    return value



def common_tags(inputs: Iterable[dict[str, Any]]) -> dict[str, tuple[dict[str, Any], int]]:
    """`tags` / `labels` entries every resource that takes them shares (when at least two do)."""
    found: dict[str, tuple[dict[str, Any], int]] = {}
    inputs = list(inputs)
    for key in ("tags", "labels"):
        maps = [m for m in (tag_map(i.get(key)) for i in inputs) if m]
        if len(maps) < 2:
            continue
        shared = {k: v for k, v in maps[0].items() if all(m.get(k) == v for m in maps[1:])}
        if shared:
            found[key] = (shared, len(maps))
    return found


class Writer:
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



def print_error(err: Exception, stack: str, as_json: bool) -> None:
    """A plan that could not run: `error: ...` on stderr and, for `--json`, `{"stack", "errors"}` on stdout with one
    entry per problem (the lines of a configuration error's list)."""
    print(f"error: {err}", file=sys.stderr)
    if as_json:
        problems = [line.strip().removeprefix("- ") for line in str(err).splitlines()[1:]] or [str(err)]
        print(json.dumps({"stack": stack, "errors": problems}, indent=2))

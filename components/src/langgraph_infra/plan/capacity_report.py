"""`--capacity`: the capacity derivation of a stack, from its validated configuration alone (no program runs), as
text (`langgraph_infra.derive.capacity.render`) or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import loading as config
from .. import targets
from ..derive import capacity
from ..wire import document
from .model import PlanError
from .rendering import print_error
from .stack_files import check_stack_name, config_map, read_stack_file


def capacity_of(project_dir: Path, stack: str, sets: list[str] | None = None) -> dict[str, Any] | None:
    """The capacity derivation of `Pulumi.<stack>.yaml` (plus `sets`) as data, from the validated config alone (no
    program runs). None when the stack sets no capacity; `PlanError` with every configuration problem."""
    check_stack_name(stack)
    project, raw = read_stack_file(project_dir, stack)
    wire, _, _ = config_map(project, raw, sets or [], [])
    prefix = f"{config.NAMESPACE}:"
    structured = {key[len(prefix):]: (document(value) if value[:1] in "{[" else value) for key, value in wire.items()
                  if key.startswith(prefix) and key[len(prefix):] in targets.section_names()}
    try:
        cfg = config.build(structured)
    except config.ConfigError as err:
        raise PlanError(str(err)) from None
    return capacity.capacity_report(cfg)


def print_capacity(project_dir: Path, stack: str, sets: list[str], as_json: bool) -> int:
    """Print the derivation (or why there is none); the exit code: 0, or 2 for a configuration problem."""
    try:
        data = capacity_of(project_dir, stack, sets)
    except PlanError as err:
        print_error(err, stack, as_json)
        return 2
    if data is None:
        message = (f"stack {stack} sets no capacity: its sizes are as given. Set `capacity.requests_per_second` "
                   "(docs/capacity.md) to derive and check them")
        print(json.dumps({"stack": stack, "capacity": None, "note": message}, indent=2) if as_json else message)
        return 0
    print(json.dumps({"stack": stack, **data}, indent=2) if as_json else capacity.render(stack, data))
    return 0

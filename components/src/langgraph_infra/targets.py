"""The one interface between the neutral core and a target (a cloud and the runtime that runs the containers).

The core never imports a target: each target describes itself with a `Target` (its limits, its checks, its rows of
the environment profiles, the keys it does not read, its component and its plan mocks) and registers it under the
`langgraph_infra.targets` entry-point group of its distribution (see components/pyproject.toml). A platform team can
add a target the same way from its own package.

Loading a `Target` loads only the target's pure-data modules (sizing rules, profile rows, mock tables): its cloud SDK
is imported when `deploy` is called, so validating a GCP stack never loads pulumi_aws, and the reverse.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, create_model

from .config import SECTIONS, StackConfig

if TYPE_CHECKING:
    import pulumi

    from .errors import Problem
    from .platform_facts import PlatformFacts

ENTRY_POINT_GROUP = "langgraph_infra.targets"
COMPONENTS = ("AgentServer", "Network", "Database", "DatabaseBootstrap", "Cache", "Registry", "Secrets", "Service")


class DeployedAgentServer(Protocol):
    """What every target's AgentServer offers the stack program."""

    def exports(self) -> dict[str, Any]:
        """Flat values for the stack's outputs (url, image, ...)."""
        ...


def _none(cfg: StackConfig) -> int | None:
    return None


def _none_str(cfg: StackConfig) -> str | None:
    return None


def _no_facts(cfg: StackConfig) -> PlatformFacts | None:
    return None


def _no_problems(cfg: StackConfig) -> list[Problem]:
    return []


@dataclass(frozen=True)
class Target:
    """What the core may ask of a target. Every callable takes the validated `StackConfig`."""

    cloud: str
    """`target.cloud` value this target serves (`aws`, `gcp`, `local`)."""
    runtimes: tuple[str, ...]
    """`target.runtime` values it can run on that cloud."""
    check: Callable[[StackConfig], list[Problem]]
    """Every size or setting the platform would refuse, one problem each: its keys, and a message naming the key, the
    value and the fix."""
    shutdown_grace_seconds: Callable[[StackConfig], int]
    """The server's `BG_JOB_SHUTDOWN_GRACE_PERIOD_SECS` on this platform (bounded by its kill timeout)."""
    agent_server: str
    """`module:function` that builds the whole deployment: `function(name, cfg, stack, opts=None)`. Imported only
    when deploying, because it loads the cloud SDK."""
    mocks: str
    """Module with the offline plan's mock tables; imports no SDK. `OUTPUTS` maps a resource type to
    `outputs(name, inputs, where)` and `CALLS` a function token to `call(args, where)`, each returning what the
    provider would compute; `where` (`langgraph_infra.mocks.Where`) is the region and project of the provider the
    resource or call goes through. Invented values follow the placeholder conventions of `langgraph_infra.mocks`.
    (Functions without `where` still work: they are called with the other arguments only.)"""
    internet_exposure: Callable[[StackConfig], str | None] = _none_str
    """How anyone on the internet can reach the API (`ingress.public=true lets allUsers ...`), or None when the
    stack's ingress admits no one from the internet."""
    default_max_connections: Callable[[StackConfig], int | None] = _none
    """The database's `max_connections` when the stack does not set it (None: unknown, so the stack must)."""
    surge_percent: int = 200
    """How far above `max_replicas` a rolling deployment may go (new replicas start before old ones stop)."""
    implemented_runtimes: tuple[str, ...] | None = None
    """The runtimes this version can deploy (default: all of `runtimes`)."""
    capacity_facts: Callable[[StackConfig], PlatformFacts | None] = _no_facts
    """The sizes and limits the capacity model (langgraph_infra.derive.capacity) chooses from: Postgres and Redis sizes,
    whether the queue autoscales, replicas per role. None: the model sizes replicas and pools only."""
    unread_keys: tuple[str, ...] = ()
    """Config keys this target does not read (`*` for every entry of a map: `secrets.*.kms_key_arn`): a stack that
    sets one is refused by name (langgraph_infra.checks.unread). Default: it reads every key."""
    profile_rows: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """The target's own rows of the environment profiles, by environment (`dev`: `{"postgres": {"instance_class":
    ...}}`): its instance sizes, merged over the values every cloud shares (langgraph_infra.profiles). Default: none,
    the shared values only."""
    sections: Mapping[str, type[BaseModel]] = field(default_factory=dict)
    """Configuration sections only this target reads (gcp: `gke`), by key: its stacks' model (`stack_model`) has them
    after the neutral sections, and a stack of another cloud that sets one is refused as an unknown key. Default:
    none."""
    section_checks: Callable[[StackConfig], list[Problem]] = _no_problems
    """The checks of those sections (they may read the rest of the stack), run at their place among the stack's
    checks (langgraph_infra.checks.target_sections). Default: none."""
    kubernetes_runtimes: tuple[str, ...] = ()
    """The runtimes on which this target runs the portable Kubernetes component (langgraph_infra.kubernetes), the
    reader of the `kubernetes` section; on its other runtimes that section is refused by name. Default: none."""

    def deploy(self, name: str, cfg: StackConfig, stack: str,
               opts: pulumi.ResourceOptions | None = None) -> DeployedAgentServer:
        module, _, function = self.agent_server.partition(":")
        build: Callable[..., DeployedAgentServer] = getattr(importlib.import_module(module), function)
        return build(name, cfg, stack, opts)

    def can_deploy(self, runtime: str) -> bool:
        return runtime in (self.implemented_runtimes or self.runtimes)


@functools.cache
def registered() -> dict[str, Target]:
    """Every installed target by cloud, from the entry-point group."""
    found: dict[str, Target] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        target = point.load()
        if not isinstance(target, Target):
            raise TypeError(f"entry point {point.name} = {point.value} is not a langgraph_infra.targets.Target")
        found[target.cloud] = target
    return found


def for_cloud(cloud: str) -> Target | None:
    return registered().get(cloud)


@functools.cache
def stack_model(cloud: str) -> type[StackConfig]:
    """The configuration model of a stack on `cloud`: `StackConfig` with the target's own sections after the neutral
    ones (`StackConfig` itself for a cloud that adds none or is not installed)."""
    target = for_cloud(cloud)
    if target is None or not target.sections:
        return StackConfig
    fields: dict[str, Any] = {name: (model, model()) for name, model in target.sections.items()}
    model: type[StackConfig] = create_model(f"StackConfig_{cloud}", __base__=StackConfig, __doc__=StackConfig.__doc__,
                                            **fields)
    return model


def section_names() -> tuple[str, ...]:
    """Every top-level key of the namespace: the neutral sections, then those of each installed target."""
    own = [name for _, target in sorted(registered().items()) for name in target.sections if name not in SECTIONS]
    return SECTIONS + tuple(dict.fromkeys(own))


def lazy_components(package: str, components: tuple[str, ...] = COMPONENTS
                    ) -> tuple[Callable[[str], Any], list[str]]:
    """`__getattr__` and `__all__` for a target package: `Database` and `DatabaseArgs` from `<package>.database`.

    Lazy so that importing a target's pure-data modules (`sizing`, `mocks`, `target`) does not load its cloud SDK;
    each package also imports the same names under TYPE_CHECKING, so type checkers and editors see the real types.
    """
    exports = {}
    for component in components:
        module = re.sub(r"(?<!^)(?=[A-Z])", "_", component).lower()
        exports[component] = exports[f"{component}Args"] = module

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__, sorted(exports)

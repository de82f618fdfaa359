"""The mock engine: run a Pulumi program under Pulumi's own mocks with a stack's config and record every resource it
registers (`run_plan`). The mocks echo inputs and add what each provider computes (the `OUTPUTS` and `CALLS`
tables of `langgraph_infra.mocks` and of each target's `mocks.py`), in the region and project of the provider a
resource goes through; the monitor keeps what the mocks never see (parent, protect, dependencies).
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import inspect
import os
import re
import runpy
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from .. import loading as stack_config
from .. import targets
from ..mocks import ACCOUNT, MOCK_SECRET_PREFIX, PLACEHOLDER_PREFIX, Where, mock_id
from ..wire import PlannedResource, document, is_secret, secret
from .model import Plan, PlanError, tree
from .stack_files import check_stack_name, config_map, read_stack_file

# What the mocks make up carries one of the placeholder conventions (langgraph_infra.mocks), or is an address; a
# value they merely derive from the inputs (a service account's email, say) is what the cloud would return too.
_FULL_COLLECTION_AFTER = 10_000
"""Collections of the middle generation before a full one, while a plan runs (Python's default: 10); a plan makes
fewer than 100."""
_INVENTED = re.compile(rf"mock|{ACCOUNT}|sha256:00000000|\b\d{{1,3}}(\.\d{{1,3}}){{3}}\b", re.IGNORECASE)


OutputsFn = Callable[..., dict[str, Any]]
CallFn = Callable[..., dict[str, Any]]


def _mock_tables() -> tuple[dict[str, OutputsFn], dict[str, CallFn]]:
    """Each cloud's computed outputs (what the provider would return) live beside its components."""
    outputs: dict[str, OutputsFn] = {}
    calls: dict[str, CallFn] = {}
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


class _ThreadLoops:
    """One event loop per executor thread for the monitor's calls (Pulumi makes them on executor threads, and the
    mock monitor needs a loop there), kept for the whole plan and closed when it ends: a loop per call cost about a
    millisecond a resource, and loops left open per thread can print "Exception ignored" at interpreter exit after a
    successful plan."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._lock = threading.Lock()

    def call(self, method: Callable[[Any], Any], request: Any) -> Any:
        if threading.current_thread() is threading.main_thread():
            return method(request)
        loop = getattr(self._local, "loop", None)
        if loop is None:
            loop = self._local.loop = asyncio.new_event_loop()
            with self._lock:
                self._loops.append(loop)
        asyncio.set_event_loop(loop)
        return method(request)

    def close(self) -> None:
        """Close every loop the plan opened (none is running: the plan's calls have returned)."""
        with self._lock:
            loops, self._loops = self._loops, []
        for loop in loops:
            _close_loop(loop)


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
            self.loops = _ThreadLoops()

        def Invoke(self, request):
            return self.loops.call(super().Invoke, request)

        def ReadResource(self, request):
            return self.loops.call(super().ReadResource, request)

        def RegisterResource(self, request):
            return self.loops.call(self._register, request)

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
                    depends_on=tuple(urn.rsplit("::", 1)[-1] for urn in request.dependencies),
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
    if is_secret(value):
        return secret(_plain(value.get("value")))
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
    with no_full_collection(), no_source_positions():
        return _run(project_dir, stack, program, sets or [], secrets or [])


@contextmanager
def no_source_positions() -> Iterator[None]:
    """No source position on registered resources while a plan runs. Pulumi walks the Python stack of every
    registration to tell the engine which line created the resource (about 7% of a plan), which a plan never shows;
    Pulumi sends an empty trace itself when it finds no user frame, so the resources and their inputs are the same.
    The SDK's private name is looked up, not assumed: a Pulumi without it plans as before."""
    from pulumi.runtime import resource as registration

    capture = getattr(registration, "_get_stack_trace", None)
    empty = getattr(getattr(registration, "source_pb2", None), "StackTrace", None)
    if capture is None or empty is None:
        yield
        return
    registration._get_stack_trace = empty
    try:
        yield
    finally:
        registration._get_stack_trace = capture


@contextmanager
def no_full_collection() -> Iterator[None]:
    """No full garbage collection while a plan runs. A plan imports the cloud SDKs (hundreds of thousands of
    long-lived objects) and registers resources through thousands of futures: each full collection walks all of
    that, and they took 0.45-0.9 s of a 2-3.5 s plan. The young generations are still collected, so the plan's
    short-lived garbage goes as it comes (disabling the collector instead defers one walk over everything the plan
    allocated to the next collection after it, about 0.3 s). What the plan defers is one full collection after it:
    the command line holds it off until the process ends (`cli.main`)."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, _FULL_COLLECTION_AFTER)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, old)


def _run(project_dir: Path, stack: str, program: Path | str | None, sets: list[str], secrets: list[str]) -> Plan:
    import pulumi
    from pulumi.runtime import settings
    from pulumi.runtime.stack import Stack, run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    check_stack_name(stack)
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
    wire, secret_keys, placeholders = config_map(project, raw, sets, secrets)

    notes: list[str] = []
    prefix = f"{stack_config.NAMESPACE}:"
    secret_names = {k[len(prefix):] for k in secret_keys if k.startswith(prefix)}
    if f"{prefix}target" in wire:
        # The program validates its config from the stack file: fill the secret values only a real stack holds.
        structured = {k[len(prefix):]: document(v) or v for k, v in wire.items() if k.startswith(prefix)}
        try:
            declared = stack_config.build({k: v for k, v in structured.items() if k in targets.section_names()})
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
        monitor.loops.close()
    made_up.update(mocks.secrets)
    return Plan(
        stack=stack,
        resources=[r for _, r in tree(monitor.recorded)],
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



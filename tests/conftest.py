"""Shared fixtures: offline plans of this repository's stacks, run once per (stack, overrides) and cached."""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from langgraph_infra.plan import Plan, run_plan

ROOT = Path(__file__).resolve().parent.parent
# A value that must never appear in plain text anywhere: set as the licence key in the canary plans.
CANARY = "canary-8d3f0b7e-do-not-print"


@functools.cache
def _plan(stack: str, sets: tuple[str, ...], secrets: tuple[str, ...]) -> Plan:
    return run_plan(ROOT, stack, sets=list(sets), secrets=list(secrets))


def plan_of(stack: str, *sets: str, secrets: tuple[str, ...] = ()) -> Plan:
    """The offline plan of `Pulumi.<stack>.yaml` with `--set` overrides (cached: plans are read-only)."""
    return _plan(stack, tuple(sets), tuple(secrets))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


class EarlyProcess:
    """A long outside check (mypy over the package and the cloud SDKs, a minute cold) started as soon as the run
    knows a selected test needs it (`@pytest.mark.starts_early(PROCESS)`, see `pytest_collection_finish`), so that it
    runs on the second core while the in-process tests run on the first. `result` waits for it; a test run alone
    starts it then. Output goes to anonymous temporary files, never to pipes that could fill up and stall it."""

    def __init__(self, argv: list[str], **popen: Any) -> None:
        self.argv, self.popen = argv, popen
        self._process: subprocess.Popen | None = None
        self._out = self._err = None

    def start(self) -> None:
        if self._process is None:
            self._out, self._err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
            self._process = subprocess.Popen(self.argv, stdout=self._out, stderr=self._err, text=True, **self.popen)
            _EARLY.append(self)

    def result(self, timeout: float) -> subprocess.CompletedProcess:
        self.start()
        assert self._process and self._out and self._err
        code = self._process.wait(timeout=timeout)
        self._out.seek(0)
        self._err.seek(0)
        return subprocess.CompletedProcess(self.argv, code, self._out.read(), self._err.read())

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()


_EARLY: list[EarlyProcess] = []


def pytest_collection_finish(session: pytest.Session) -> None:
    # Not when only collecting, nor in a pytest-xdist worker (every worker collects every test, so each would start
    # it): there the test starts it itself, and the other worker is the second core.
    if session.config.option.collectonly or hasattr(session.config, "workerinput"):
        return
    for item in session.items:
        marker = item.get_closest_marker("starts_early")
        if marker is not None:
            marker.args[0].start()


def pytest_sessionfinish(session: pytest.Session) -> None:
    for process in _EARLY:  # a run stopped early (-x, Ctrl-C) leaves no check behind
        process.stop()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """The plan CLI as a user runs it, in its own process: a new interpreter that imports the SDKs and plans the
    stack, 2-4 s a call. Kept for what only a real process shows (its exit code through `sys.exit`, nothing but the
    error line on stderr, no traceback); everything else calls `cli`."""
    return subprocess.run([sys.executable, "-m", "infra.plan", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


@dataclass(frozen=True)
class CliResult:
    """What `python -m infra.plan` would exit with and print."""

    returncode: int
    stdout: str
    stderr: str


def cli(*args: str, project_dir: Path = ROOT) -> CliResult:
    """The plan CLI called in process (`langgraph_infra.plan.main`, what `infra/plan.py` runs), stdout and stderr
    captured: an exception it lets escape fails the test, as a traceback would. Under mocks the same arguments print
    the same plan, so calls without `--manifests` (which writes files) are cached, and the CLI plans this
    repository's stacks through `plan_of`'s cache: a test that only reads a stack's plan does not plan it again."""
    if "--manifests" in args:
        return _call_main(args, project_dir)
    return _cached_call_main(args, project_dir)


def _call_main(args: tuple[str, ...], project_dir: Path) -> CliResult:
    from langgraph_infra.plan import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _shared_plans(main.__globals__):
        try:
            code = main(list(args), project_dir=project_dir)
        except SystemExit as exit_:  # argparse's usage errors exit, as in the real process
            code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
    return CliResult(code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _shared_plans(namespace: dict[str, Any]) -> Any:
    """While `main` runs, the `run_plan` it calls answers this repository's stacks from `plan_of`'s cache (the same
    function with the same arguments; plans are read-only). Any other call, or a `main` that no longer calls a
    `run_plan` of its own module, plans as before."""
    original = namespace.get("run_plan")
    if original is None:
        yield
        return

    def run_plan(project_dir: Path, stack: str, program: Any = None, *, sets: Any = None, secrets: Any = None) -> Plan:
        if program is None and Path(project_dir).resolve() == ROOT:
            return plan_of(stack, *(sets or ()), secrets=tuple(secrets or ()))
        return original(project_dir, stack, program, sets=sets, secrets=secrets)

    namespace["run_plan"] = run_plan
    try:
        yield
    finally:
        namespace["run_plan"] = original


_cached_call_main = functools.cache(_call_main)


_SDK_PROBE = """
import json, sys
from pathlib import Path
from langgraph_infra.plan import run_plan
run_plan(Path(sys.argv[1]), sys.argv[2])
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules if m.startswith('pulumi_')})))
"""


@functools.cache
def sdks_a_plan_loads(project: Path, stack: str) -> frozenset[str]:
    """The provider SDKs (top-level `pulumi_*` packages) a new interpreter has imported once it planned `stack` of
    `project`: only a fresh process shows what a plan alone loads. Cached, so the isolation tests of several folders
    that ask about the same stack start one interpreter for it."""
    result = subprocess.run([sys.executable, "-c", _SDK_PROBE, str(project), stack], capture_output=True, text=True,
                            timeout=180, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return frozenset(json.loads(result.stdout.strip().splitlines()[-1]))


def load_script(name: str) -> ModuleType:
    """`scripts/<name>.py` as a module (the scripts are not a package), registered under `name` once."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def inputs_json(plan: Plan) -> str:
    return json.dumps([r.inputs for r in plan.resources], sort_keys=True)

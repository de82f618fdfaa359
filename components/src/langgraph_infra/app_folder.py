"""The app folder: where it is (`app.path`, relative to the Pulumi project), whether its langgraph.json can be built
from, and what it tells the stack (its runtime, its plain environment, whether it authenticates callers)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from . import contract, langgraph_json
from .config import Environment, StackConfig
from .config.base import SECRET_LOOKING_NAME
from .dockerfile import generate
from .errors import ConfigError


def project_root(start: Path | None = None) -> Path:
    """The folder holding Pulumi.yaml. Pulumi runs a program in its `main` folder (infra/ here), not there."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "Pulumi.yaml").is_file():
            return folder
    return here


def app_dir(cfg: StackConfig) -> Path:
    """The app folder, relative to the working directory: state then holds the same path on every machine."""
    return Path(os.path.relpath(project_root() / cfg.app.path))


def check_app(cfg: StackConfig, project_dir: Path) -> list[str]:
    """The app folder must hold a usable langgraph.json before an image is built from it."""
    app_dir = project_dir / cfg.app.path
    path = app_dir / cfg.app.config_file
    if not path.is_file():
        return [f"app.path={cfg.app.path}: {path} does not exist: point app.path at the folder of your langgraph.json"]
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        return [f"{path}: not valid JSON ({err.msg} at line {err.lineno}): fix the file"]
    if not isinstance(data, dict):
        return [f"{path}: must be a JSON object with `graphs` and `dependencies`"]
    problems = []
    graphs = data.get("graphs")
    if not isinstance(graphs, dict) or not graphs:
        problems.append(f"{path}: `graphs` must map at least one graph id to `path/to/file.py:variable`")
    else:
        problems += _check_graph_files(path, app_dir, graphs)
    # A JavaScript app's image installs from its package.json (the CLI ignores `dependencies` there).
    if not langgraph_json.is_js(data) and (not isinstance(data.get("dependencies"), list)
                                          or not data.get("dependencies")):
        problems.append(f"{path}: `dependencies` must list at least one package or folder (e.g. [\".\"])")
    if problems:
        return problems
    # The image is built from what `langgraph dockerfile` generates now: whatever the CLI refuses is refused here.
    try:
        generate(path)
    except ConfigError as err:
        return err.problems
    return langgraph_json.check(
        data, where=str(path), app_dir=app_dir, secrets=set(cfg.secrets),
        cors_allow_origins=cfg.server.cors_allow_origins, prod=cfg.environment is Environment.PROD,
        secret_looking=SECRET_LOOKING_NAME, app_env=cfg.app.env)


def settle_app(cfg: StackConfig, project_dir: Path) -> StackConfig:
    """`cfg` with what the app's langgraph.json says about the platform filled in: `app.runtime` (unless set) and
    `app.env` joined by the plain variables of an `env` object (check_app has refused credentials and clashes)."""
    data = langgraph_json.read(project_dir / cfg.app.path / cfg.app.config_file)
    if data is None:
        return cfg
    runtime = cfg.app.runtime or (contract.Runtime.JS if langgraph_json.is_js(data) else contract.Runtime.PYTHON)
    env = {**langgraph_json.plain_env(data), **cfg.app.env}
    return cfg.model_copy(update={"app": cfg.app.model_copy(update={"runtime": runtime, "env": env})})

def app_declares_auth(cfg: StackConfig, project_dir: Path) -> bool | None:
    """`app.declares_auth`, else whether the app's langgraph.json has `auth` (None: no langgraph.json to read)."""
    if cfg.app.declares_auth is not None:
        return cfg.app.declares_auth
    path = project_dir / cfg.app.path / cfg.app.config_file
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return isinstance(data, dict) and isinstance(data.get("auth"), dict) and bool(data["auth"].get("path"))


_GRAPH_FILE = re.compile(r"^(?P<file>[^:]+\.(py|ts|mts|cts|js|mjs|cjs))(:(?P<variable>.+))?$")


def _check_graph_files(path: Path, app_dir: Path, graphs: dict[str, Any]) -> list[str]:
    """A graph given as a file must name a file that exists in the app, with the variable after a colon
    (a graph given as a module, `package.module:graph`, is resolved by the server at start-up)."""
    problems = []
    for graph_id, spec in graphs.items():
        target = spec.get("path") if isinstance(spec, dict) else spec
        if not isinstance(target, str) or not target:
            problems.append(f"{path}: graphs.{graph_id} must be `./path/to/file.py:variable`")
            continue
        match = _GRAPH_FILE.match(target)
        if match is None:
            continue
        if not (app_dir / match["file"]).is_file():
            problems.append(f"{path}: graphs.{graph_id}={target}: {app_dir / match['file']} does not exist: fix the "
                            "path (relative to the folder of langgraph.json)")
        elif not match["variable"]:
            problems.append(f"{path}: graphs.{graph_id}={target}: name the graph variable after a colon "
                            "(`./agent/graph.py:graph`)")
    return problems

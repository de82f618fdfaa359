"""The house reads top-down: programs -> targets -> the neutral core. import-linter checks the contracts in
.importlinter; these tests run it as a user would and keep its list of core modules complete."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import langgraph_infra
from langgraph_infra import targets

PACKAGE = Path(langgraph_infra.__file__).parent
RUNTIME_PACKAGES = {"kubernetes"}
# The core's own packages (the offline plan, the rules by cloud): every module in them is a core module.
CORE_PACKAGES = {"plan", "rules"}
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")


def lint_imports(root: Path, package_parent: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([LINT_IMPORTS, "--config", str(root / ".importlinter"), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_core_imports_no_target_and_targets_import_each_other_not(root):
    result = lint_imports(root, PACKAGE.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_the_contract_lists_every_core_module(root):
    """A new core module must be under the contract too: the core is every module that is not a target package."""
    parser = configparser.ConfigParser()
    parser.read(root / ".importlinter")
    listed = set(parser["importlinter:contract:core-imports-no-target"]["source_modules"].split())
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    # A runtime package serves several targets (kubernetes: gcp's gke, any cluster) and registers none itself.
    assert packages - CORE_PACKAGES - RUNTIME_PACKAGES == set(targets.registered())
    core = {"langgraph_infra"} | {f"langgraph_infra.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    core |= {f"langgraph_infra.{package}" + ("" if p.stem == "__init__" else f".{p.stem}")
             for package in CORE_PACKAGES for p in (PACKAGE / package).glob("*.py")}
    assert listed == core


def test_a_core_module_importing_a_target_breaks_the_contract(root, tmp_path):
    copy = tmp_path / "langgraph_infra"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    config = copy / "config.py"
    config.write_text(config.read_text() + "\nfrom .aws import sizing as _sizing  # noqa\n")
    result = lint_imports(root, tmp_path)
    assert result.returncode != 0
    assert "langgraph_infra.config -> langgraph_infra.aws.sizing" in result.stdout

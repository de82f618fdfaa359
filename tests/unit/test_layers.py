"""The house reads top-down: programs -> targets -> the neutral core, and the core in its own layers. import-linter
checks the contracts in .importlinter; these tests run it as a user would and keep its list of core modules
complete."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import langgraph_infra
from langgraph_infra import targets

PACKAGE = Path(langgraph_infra.__file__).parent
RUNTIME_PACKAGES = {"kubernetes"}
# The core's own sub-packages: the configuration's sections, the checks over them, the derivations, the offline
# plan and the rules by cloud.
CORE_PACKAGES = {"config", "checks", "derive", "plan", "rules"}
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")


def lint_imports(root: Path, package_parent: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([LINT_IMPORTS, "--config", str(root / ".importlinter"), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_the_core_imports_no_target_and_targets_import_each_other_not(root):
    result = lint_imports(root, PACKAGE.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


def test_the_contract_lists_every_core_module(root):
    """A new core module or package must be under the contract too: the core is every module and package that is not
    a target package (the root module has a contract of its own, since as a package it holds the targets)."""
    parser = configparser.ConfigParser()
    parser.read(root / ".importlinter")
    listed = set(parser["importlinter:contract:core-imports-no-target"]["source_modules"].split())
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    target_packages = {p for p in packages if p not in CORE_PACKAGES}
    # A runtime package serves several targets (kubernetes: gcp's gke, any cluster) and registers none itself.
    assert target_packages - RUNTIME_PACKAGES == set(targets.registered())
    core = ({f"langgraph_infra.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
            | {f"langgraph_infra.{p}" for p in CORE_PACKAGES})
    assert listed == core
    assert parser["importlinter:contract:core-root-imports-no-target"]["source_modules"].split() == ["langgraph_infra"]


@pytest.mark.slow
def test_a_core_module_importing_a_target_breaks_the_contract(root, tmp_path):
    copy = tmp_path / "langgraph_infra"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    loading = copy / "loading.py"
    loading.write_text(loading.read_text() + "\nfrom .aws import limits as _limits  # noqa\n")
    result = lint_imports(root, tmp_path)
    assert result.returncode != 0
    assert "langgraph_infra.loading -> langgraph_infra.aws.limits" in result.stdout


def test_a_section_model_importing_a_check_breaks_the_layers(root, tmp_path):
    """Given a config section that imports a check (the circle the layers forbid), import-linter names the import."""
    copy = tmp_path / "langgraph_infra"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    section = copy / "config" / "postgres.py"
    section.write_text(section.read_text() + "\nfrom ..checks import pools as _pools  # noqa\n")
    result = lint_imports(root, tmp_path)
    assert result.returncode != 0
    assert "langgraph_infra.config.postgres -> langgraph_infra.checks.pools" in result.stdout

"""The database bootstrap's runner image (`langgraph_infra/bootstrap_runner/Dockerfile`), which a JavaScript app's
stacks build because the app's own image has no Python: the driver it installs is exactly the AWS Lambda package's,
at the versions pinned in requirements/infra.txt, it runs as a non-root user, and checkov passes it."""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
from pathlib import Path

import pytest

from langgraph_infra.aws.database_bootstrap import DRIVER_DISTRIBUTIONS
from langgraph_infra.server import BOOTSTRAP_RUNNER_DIR
from tests.conftest import ROOT

DOCKERFILE = BOOTSTRAP_RUNNER_DIR / "Dockerfile"
PIN = re.compile(r"([A-Za-z0-9_.-]+)==([^\s\\]+)")


def pins(text: str) -> dict[str, str]:
    return {name.lower(): version for name, version in PIN.findall(text)}


def instructions() -> list[tuple[str, str]]:
    lines = re.sub(r"\\\n", " ", DOCKERFILE.read_text()).splitlines()
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines
            if line.strip() and not line.lstrip().startswith("#")]


def test_it_installs_exactly_the_lambda_packages_driver_at_the_pinned_versions() -> None:
    [run] = [args for keyword, args in instructions() if keyword == "RUN"]
    installed = pins(run)
    assert set(installed) == set(DRIVER_DISTRIBUTIONS)
    assert "--no-deps" in run, "every distribution is pinned; pip must not pull an unpinned one"
    required = pins((ROOT / "requirements" / "infra.txt").read_text())
    for name, version in installed.items():
        assert required[name] == version, f"{name}: Dockerfile {version}, requirements/infra.txt {required[name]}"
        assert importlib.metadata.version(name) == version


def test_it_runs_as_the_same_unprivileged_user_as_the_server() -> None:
    users = [args for keyword, args in instructions() if keyword == "USER"]
    assert users and users[-1] == "1000:1000"
    assert instructions()[-1][0] == "USER"


def checkov(dockerfile: Path) -> dict:
    binary = ROOT / ".venv-tools" / "bin" / "checkov"
    if not binary.exists():
        pytest.fail(f"{binary} is missing: `make setup-test` installs it")
    result = subprocess.run(
        [str(binary), "--skip-download", "--framework", "dockerfile", "-f", str(dockerfile), "-o", "json"],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT)
    return json.loads(result.stdout)["results"]


@pytest.mark.slow
def test_checkov_passes_it_with_its_one_inline_skip_which_is_needed(tmp_path: Path) -> None:
    results = checkov(DOCKERFILE)
    assert not results["failed_checks"], results["failed_checks"]
    assert [c["check_id"] for c in results["skipped_checks"]] == ["CKV_DOCKER_2"]
    unskipped = tmp_path / "Dockerfile"
    unskipped.write_text(DOCKERFILE.read_text().replace("# checkov:skip=", "# "))
    assert [c["check_id"] for c in checkov(unskipped)["failed_checks"]] == ["CKV_DOCKER_2"]

"""The package type-checks: mypy, with the configuration in components/pyproject.toml (`[tool.mypy]`), over all of
`langgraph_infra`, following the cloud SDKs' own annotations, finds nothing."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, EarlyProcess

CONFIG = ROOT / "components" / "pyproject.toml"
PACKAGE = ROOT / "components" / "src" / "langgraph_infra"


# mypy from the interpreter's own environment (the pinned one in requirements/test.txt). The cache under the
# repository (ignored by git) keeps a re-run to seconds; a cold run reads the cloud SDKs, about a minute, which is
# why it starts as soon as the run is collected and runs beside the other tests.
MYPY = EarlyProcess(
    [str(Path(sys.executable).parent / "mypy"), "--config-file", str(CONFIG), "--cache-dir", str(ROOT / ".mypy_cache"),
     "--show-error-codes", str(PACKAGE)],
    cwd=ROOT, env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")})


@pytest.mark.slow
@pytest.mark.starts_early(MYPY)
def test_the_package_type_checks_with_its_mypy_config():
    result = MYPY.result(timeout=600)
    assert result.returncode == 0, f"mypy exited {result.returncode}:\n{result.stdout}{result.stderr}"

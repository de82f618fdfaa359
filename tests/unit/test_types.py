"""The package type-checks: mypy, with the configuration in components/pyproject.toml (`[tool.mypy]`), over all of
`langgraph_infra`, following the cloud SDKs' own annotations, finds nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

CONFIG = ROOT / "components" / "pyproject.toml"
PACKAGE = ROOT / "components" / "src" / "langgraph_infra"


def test_the_package_type_checks_with_its_mypy_config():
    # mypy from the interpreter's own environment (the pinned one in requirements/test.txt). The cache under the
    # repository (ignored by git) keeps a re-run to seconds; a cold run reads the cloud SDKs, about a minute.
    mypy = Path(sys.executable).parent / "mypy"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")}
    result = subprocess.run(
        [str(mypy), "--config-file", str(CONFIG), "--cache-dir", str(ROOT / ".mypy_cache"), "--show-error-codes",
         str(PACKAGE)],
        capture_output=True, text=True, timeout=600, cwd=ROOT, env=env)
    assert result.returncode == 0, f"mypy exited {result.returncode}:\n{result.stdout}{result.stderr}"

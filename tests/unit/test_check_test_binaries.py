"""scripts/check_test_binaries.py, the last step of `make setup-test`: a program this CPU cannot execute stops the
set-up by name, with the signal and the fix. Here a stand-in PostgreSQL dies of SIGILL, as a pgvector built with
AVX-512 did on CPUs without it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import load_script

check = load_script("check_test_binaries")


@pytest.fixture
def pgvector_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # Readable by 'nobody', whom the check runs PostgreSQL as when the tests run as root.
    home = Path(tempfile.mkdtemp(prefix="fake-pgvector-"))
    home.chmod(0o755)
    bin_dir = home / "pgserver/pginstall/bin"
    bin_dir.mkdir(parents=True)
    for path in (home / "pgserver", home / "pgserver/pginstall"):
        path.chmod(0o755)
    monkeypatch.setattr(check, "PGVECTOR_HOME", home)
    yield bin_dir
    for path in sorted(home.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    home.rmdir()


def _program(path: Path, body: str) -> None:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def test_a_postgres_killed_by_sigill_is_named_with_the_cause(pgvector_home: Path) -> None:
    _program(pgvector_home / "initdb", 'mkdir -p "$2"')
    _program(pgvector_home / "postgres", "cat >/dev/null; kill -ILL $$")
    with pytest.raises(check.Unusable) as refused:
        check.check_pgvector()
    message = str(refused.value)
    assert message.startswith("postgres with pgvector (CREATE EXTENSION, HNSW index, nearest-neighbour query)")
    assert "SIGILL (illegal instruction)" in message
    assert "instructions this CPU lacks" in message


def test_a_postgres_that_answers_wrongly_is_refused(pgvector_home: Path) -> None:
    _program(pgvector_home / "initdb", 'mkdir -p "$2"')
    _program(pgvector_home / "postgres", "cat >/dev/null; echo 'nearest=3'")
    with pytest.raises(check.Unusable, match="answered wrongly"):
        check.check_pgvector()


def test_a_missing_build_points_at_the_set_up(pgvector_home: Path) -> None:
    with pytest.raises(check.Unusable, match="run `make setup-test`"):
        check.check_pgvector()


def test_main_lists_every_program_that_cannot_run_and_exits_1(monkeypatch, capsys) -> None:
    def broken() -> str:
        raise check.Unusable("redis-server was killed by SIGILL")

    monkeypatch.setattr(check, "CHECKS", (lambda: "shellcheck: a script checked", broken))
    assert check.main() == 1
    out, err = capsys.readouterr()
    assert "ok: shellcheck" in out
    assert "1 program(s) the tests run do not work on this machine" in err
    assert "  - redis-server was killed by SIGILL" in err


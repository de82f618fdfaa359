"""Run every native program the tests start, once, so that a build this machine cannot execute stops `make setup-test`
with the program's name and the fix, instead of failing deep inside the suite.

A prebuilt binary compiled with -march=native runs on its builder's CPU and dies with SIGILL ("illegal instruction")
on one that lacks an instruction it uses: that is how pgvector's HNSW build killed PostgreSQL on CPUs without
AVX-512. So each program is made to do real work, not only print its version: PostgreSQL with pgvector creates the
extension, builds an HNSW index and answers a nearest-neighbour query through it (single-user mode: no port, no
server to stop); redis-server answers PING on a Unix socket; shellcheck checks a script.

`python scripts/check_test_binaries.py` (the Makefile runs it with .venv's interpreter). Exit 0 when all run; 1 with one
line per program that does not.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
from tests.binaries import INSTALL_HINT, locate_binary  # noqa: E402 - the tests' own lookup, from the repository

PGVECTOR_HOME = Path(os.environ.get("PGVECTOR_HOME") or REPO_ROOT / ".pgvector")
TIMEOUT_SECONDS = 120  # generous: a busy 2-core machine initialises a cluster in a few seconds

# 64 points on a circle, 3 dimensions: the nearest neighbour of each probe is known without pgvector.
POINTS = 64
PGVECTOR_SQL = "\n".join([
    "CREATE EXTENSION vector;",
    "CREATE TABLE items (id int PRIMARY KEY, embedding vector(3));",
    f"INSERT INTO items SELECT i, ARRAY[cos(2 * pi() * i / {POINTS}), sin(2 * pi() * i / {POINTS}), i % 2]::vector(3)"
    f" FROM generate_series(0, {POINTS - 1}) AS i;",
    "CREATE INDEX ON items USING hnsw (embedding vector_l2_ops);",
    "SET enable_seqscan = off;",
    "SELECT 'nearest=' || id FROM items ORDER BY embedding <-> '[-0.05, 1, 1]' LIMIT 1;",
    "SELECT 'halfvec=' || round((embedding::halfvec(3) <#> '[1, 0, 0]'::halfvec(3))::numeric, 2) FROM items"
    " WHERE id = 0;",
    "SELECT 'bits=' || ('101'::bit(3) <~> '111'::bit(3));",
    "SELECT 'version=' || extversion FROM pg_extension WHERE extname = 'vector';",
])
PGVECTOR_EXPECTED = ("nearest=17", "halfvec=-1.00", "bits=1", "version=0.8.0")  # 17: z=1, x just below 0


class Unusable(Exception):
    """A program that did not do its work here, with the reason a reader acts on."""


def _died(name: str, result: subprocess.CompletedProcess[bytes]) -> Unusable:
    output = (result.stdout + result.stderr).decode(errors="replace").strip().splitlines()[-5:]
    if result.returncode == -signal.SIGILL:
        why = ("was killed by SIGILL (illegal instruction): it was compiled for instructions this CPU lacks "
               "(for example with -march=native on a machine with AVX-512)")
    elif result.returncode < 0:
        why = f"was killed by signal {signal.Signals(-result.returncode).name}"
    else:
        why = f"exited with code {result.returncode}"
    return Unusable(f"{name} {why}; its last output: {' | '.join(output) or '(none)'}")


def _run(name: str, argv: list[str], stdin: bytes = b"", **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run(argv, input=stdin, capture_output=True, timeout=TIMEOUT_SECONDS, check=False, **kwargs)
    if result.returncode != 0:
        raise _died(name, result)
    return result


def _find(name: str, *globs: str) -> Path:
    found = locate_binary(name, *globs)
    if found is None:
        raise Unusable(f"{name} is not installed. {INSTALL_HINT}")
    return found


def _as_unprivileged() -> dict[str, object]:
    """PostgreSQL refuses to run as root; the tests then run it as 'nobody', and so does this check."""
    if os.geteuid() != 0:
        return {}
    pwd.getpwnam("nobody")
    return {"user": "nobody"}


def check_pgvector() -> str:
    bin_dir = PGVECTOR_HOME / "pgserver" / "pginstall" / "bin"
    if not (bin_dir / "postgres").exists():
        raise Unusable(f"PostgreSQL with pgvector is missing from {PGVECTOR_HOME}: run `make setup-test`")
    run_as = _as_unprivileged()
    with tempfile.TemporaryDirectory(prefix="check-pgvector-") as scratch:
        if run_as:
            shutil.chown(scratch, user="nobody")
        data = str(Path(scratch) / "data")
        _run("initdb (pgvector's PostgreSQL)", [str(bin_dir / "initdb"), "-D", data, "-U", "postgres",
                                                 "--auth=trust", "--no-instructions"], **run_as)  # fmt: skip
        result = _run("postgres with pgvector (CREATE EXTENSION, HNSW index, nearest-neighbour query)",
                      [str(bin_dir / "postgres"), "--single", "-D", data, "postgres"],
                      stdin=PGVECTOR_SQL.encode(), **run_as)  # fmt: skip
    output = result.stdout.decode(errors="replace")
    missing = [line for line in PGVECTOR_EXPECTED if f'"{line}"' not in output]
    if missing:
        raise Unusable(f"postgres with pgvector answered wrongly (expected {missing}); its output: {output[-400:]}")
    return f"pgvector {PGVECTOR_EXPECTED[-1].split('=')[1]}: HNSW index built and queried"


def check_machine_postgres() -> str:
    initdb = _find("initdb", "/usr/lib/postgresql/*/bin/initdb")
    postgres = _find("postgres", "/usr/lib/postgresql/*/bin/postgres")
    run_as = _as_unprivileged()
    with tempfile.TemporaryDirectory(prefix="check-postgres-") as scratch:
        if run_as:
            shutil.chown(scratch, user="nobody")
        data = str(Path(scratch) / "data")
        _run(str(initdb), [str(initdb), "-D", data, "-U", "postgres", "--auth=trust", "--no-instructions"], **run_as)
        result = _run(str(postgres), [str(postgres), "--single", "-D", data, "postgres"],
                      stdin=b"SELECT 'sum=' || sum(i) FROM generate_series(1, 100) AS i;", **run_as)  # fmt: skip
    if '"sum=5050"' not in result.stdout.decode(errors="replace"):
        raise Unusable(f"{postgres} answered wrongly: {result.stdout.decode(errors='replace')[-400:]}")
    return f"{postgres}: a query in single-user mode"


def check_redis() -> str:
    redis_server = _find("redis-server")
    with tempfile.TemporaryDirectory(prefix="check-redis-") as scratch:
        sock_path = str(Path(scratch) / "redis.sock")
        process = subprocess.Popen(
            [str(redis_server), "--port", "0", "--unixsocket", sock_path, "--save", "", "--appendonly", "no",
             "--dir", scratch],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            reply = _ping(sock_path, process)
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=TIMEOUT_SECONDS)
        if reply is None:
            output = process.stdout.read() if process.stdout else b""
            raise _died(str(redis_server), subprocess.CompletedProcess([], process.returncode, output, b""))
    return f"{redis_server}: PING answered"


def _ping(sock_path: str, process: subprocess.Popen[bytes]) -> bytes | None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(5)
                sock.connect(sock_path)
                sock.sendall(b"PING\r\n")
                reply = sock.recv(64)
                if reply.startswith(b"+PONG"):
                    return reply
        except OSError:
            time.sleep(0.1)
    return None


def check_shellcheck() -> str:
    shellcheck = _find("shellcheck")
    with tempfile.NamedTemporaryFile("w", suffix=".sh") as script:
        script.write("#!/usr/bin/env bash\necho \"$1\"\n")
        script.flush()
        _run(str(shellcheck), [str(shellcheck), script.name])
    return f"{shellcheck}: a script checked"


CHECKS: tuple[Callable[[], str], ...] = (check_pgvector, check_machine_postgres, check_redis, check_shellcheck)


def main() -> int:
    problems = []
    for check in CHECKS:
        try:
            print(f"  ok: {check()}")
        except (Unusable, subprocess.TimeoutExpired, OSError, KeyError) as problem:
            problems.append(str(problem))
    if problems:
        print(f"error: {len(problems)} program(s) the tests run do not work on this machine:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        print("Fix: rerun `make setup-test` (pgvector is compiled here for this CPU); if a pinned binary is at fault, "
              "see tests/README.md, 'Programs the tests run'.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

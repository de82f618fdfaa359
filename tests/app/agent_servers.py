"""Processes the app tests run for real: the Agent Server, PostgreSQL and Redis, all on loopback.

Every server gets a port the OS hands out, runs in its own process group and is stopped by that group's id; waits are
bounded and a process that dies while being waited for fails the test with the tail of its log.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.binaries import INSTALL_HINT, find_binary

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_DIR = REPO_ROOT / "app"
LANGGRAPH_CONFIG = APP_DIR / "langgraph.json"
# Overridable like scripts/serve-runtime-pg.sh's RUNTIME_PG_VENV (a git worktree can use the main checkout's venvs).
RUNTIME_PG_VENV = Path(os.environ.get("RUNTIME_PG_VENV") or REPO_ROOT / ".venv-runtime-pg")
# The next server version on the same runtime (`scripts/setup-runtime-pg.sh next`), for the upgrade measurements.
RUNTIME_PG_NEXT_VENV = Path(os.environ.get("RUNTIME_PG_NEXT_VENV") or REPO_ROOT / ".venv-runtime-pg-next")
TOOLS_VENV = Path(os.environ.get("TOOLS_VENV") or REPO_ROOT / ".venv-tools")

SERVER_START_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 30.0

# Environment every Agent Server started by the tests gets: nothing may leave the machine. The CLI's analytics, the
# API's version check and LangSmith tracing are switched off, no key is passed, and proxies point at OutboundTrap so
# that any HTTP(S) request that is still attempted is recorded instead of sent.
OFFLINE_SERVER_ENV = {
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    "LANGGRAPH_NO_VERSION_CHECK": "true",
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "LANGSMITH_API_KEY": "",
    "LANGCHAIN_API_KEY": "",
    "LANGGRAPH_CLOUD_LICENSE_KEY": "",
    "OPENAI_API_KEY": "",
    "ANTHROPIC_API_KEY": "",
    "LLM_MODEL": "openai:gpt-4o-mini",
    "LLM_OFFLINE_FALLBACK": "true",
    # The app's auth settings come from each test, never from the developer's shell.
    "AGENT_API_KEYS": "",
    "AGENT_JWT_ISSUER": "",
    "AGENT_JWT_AUDIENCE": "",
    "AGENT_JWT_JWKS_URL": "",
    "AGENT_AUTH_DISABLED": "",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}


# (what, seconds) for every server the tests started, printed in the test session's summary.
STARTUP_SECONDS: list[tuple[str, float]] = []


def record_startup(what: str, seconds: float) -> None:
    STARTUP_SECONDS.append((what, seconds))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def server_env(**overrides: str) -> dict[str, str]:
    """The test process's environment with OFFLINE_SERVER_ENV and ``overrides`` applied; empty values are removed."""
    env = {**os.environ, **OFFLINE_SERVER_ENV, **overrides}
    return {key: value for key, value in env.items() if value != ""}


@dataclass
class ManagedProcess:
    """A child process in a process group of its own, with its output in a log file."""

    name: str
    argv: list[str]
    log_path: Path
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    user: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                env=dict(self.env) if self.env is not None else None,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=self.user,
            )
        return self

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float = SERVER_START_TIMEOUT_SECONDS) -> float:
        """Poll ``ready`` until it holds; return the seconds it took. Fails if the process exits or time runs out."""
        started = time.monotonic()
        while True:
            if ready():
                return time.monotonic() - started
            if self.process is not None and self.process.poll() is not None:
                pytest.fail(
                    f"{self.name} exited with code {self.process.returncode} before {what}; "
                    f"log {self.log_path}:\n{self.log_tail()}"
                )
            if time.monotonic() - started > timeout:
                pytest.fail(f"{self.name}: no {what} within {timeout:.0f} s; log {self.log_path}:\n{self.log_tail()}")
            time.sleep(0.2)

    def stop(self) -> int | None:
        """SIGTERM the process group by its id, SIGKILL it if it outlives the grace period; return the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        # Children that outlived the group leader (uvicorn workers, postgres backends) go with the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.returncode


class OutboundTrap:
    """A loopback 'proxy' that accepts connections, records their first line and answers nothing.

    Servers under test get HTTP_PROXY/HTTPS_PROXY/ALL_PROXY pointing here, so an outbound HTTP(S) request made by
    any standard client (httpx, requests, urllib) shows up in ``requests`` instead of reaching the network.
    """

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen()
        self._socket.settimeout(0.2)
        self.port: int = self._socket.getsockname()[1]
        self.requests: list[str] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="outbound-trap", daemon=True)
        self._thread.start()

    @property
    def proxy_env(self) -> dict[str, str]:
        url = f"http://127.0.0.1:{self.port}"
        return {name: url for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")}

    def proxy_env_for_urllib(self) -> dict[str, str]:
        return {"http": f"http://127.0.0.1:{self.port}", "https": f"http://127.0.0.1:{self.port}"}

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    first_line = connection.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
                except OSError:
                    first_line = "(connection without a request line)"
                self.requests.append(first_line)

    def close(self) -> None:
        self._stopped.set()
        self._socket.close()
        self._thread.join(timeout=5)


# --- PostgreSQL and Redis -----------------------------------------------------------------------------------------


def _unprivileged_user() -> str | None:
    """PostgreSQL refuses to run as root: when the tests run as root, its processes run as 'nobody'."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        pytest.fail("running as root, and there is no 'nobody' user to run PostgreSQL as")
    return "nobody"


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL cluster: initdb in a temp dir, TCP on 127.0.0.1 only, password (SCRAM) logins.

    The application role owns its database and is not a superuser, as on RDS and Cloud SQL. ``bin_dir`` picks another
    PostgreSQL build (pgvector_bin_dir(): the one with pgvector that `make setup-test` compiles); ``extensions`` are
    created in the database by the superuser before the role connects, as a deploy-time bootstrap does on the clouds.
    """

    user: str = "langgraph"
    database: str = "langgraph"
    role_attributes: str = ""
    """Attributes of `user` beyond LOGIN, e.g. `CREATEROLE CREATEDB` for a master user as RDS and Cloud SQL make."""
    settings: tuple[str, ...] = ()
    """Server settings (`name=value`) beyond the ones every test cluster has, e.g. `log_statement=all`."""
    bin_dir: Path | None = None
    """Where `initdb` and `postgres` are (another build, e.g. one with pgvector). Default: the machine's."""
    password: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    port: int = field(default_factory=free_port)
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="agent-pg-")))
    extensions: tuple[str, ...] = ()
    process: ManagedProcess | None = None
    postgres_binary: Path | None = None
    """The `postgres` this cluster runs, set by ``start``; ``program`` finds its tools (pg_dump...) beside it."""

    @property
    def uri(self) -> str:
        """The URI as the cloud stacks build it (``POSTGRES_URI``), with TLS off for loopback."""
        return f"postgres://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.database}?sslmode=disable"

    def program(self, name: str) -> Path:
        """A client program (`pg_dump`, `pg_restore`, `psql`) of the same PostgreSQL installation as the server: PATH's
        may be another major version's (or a wrapper that picks one)."""
        assert self.postgres_binary is not None, "start the server first"
        path = self.postgres_binary.resolve().parent / name  # /usr/local/bin/postgres links into the installation
        if not path.exists():
            pytest.fail(f"{path} is missing beside {self.postgres_binary}. {INSTALL_HINT}")
        return path

    def superuser_sql(self, query: str, database: str = "postgres") -> str:
        """Run ``query`` with psql as the cluster's superuser over its Unix socket (trust), as an operator would."""
        result = subprocess.run(
            [str(self.program("psql")), "-h", str(self.directory / "sockets"), "-p", str(self.port), "-U", "postgres",
             "-d", database, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", "-c", query],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if result.returncode != 0:
            pytest.fail(f"psql failed ({result.returncode}): {query}\n{result.stderr}")
        return result.stdout.strip()

    def start(self) -> PostgresServer:
        initdb = self.bin_dir / "initdb" if self.bin_dir else find_binary("initdb", "/usr/lib/postgresql/*/bin/initdb")
        postgres = (self.bin_dir / "postgres" if self.bin_dir
                    else find_binary("postgres", "/usr/lib/postgresql/*/bin/postgres"))
        self.postgres_binary = postgres
        os_user = _unprivileged_user()
        data, sockets = self.directory / "data", self.directory / "sockets"
        sockets.mkdir(parents=True)
        if os_user:
            for path in (self.directory, sockets):
                shutil.chown(path, user=os_user)
        run_as = {"user": os_user} if os_user else {}
        subprocess.run(
            [str(initdb), "-D", str(data), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
             "--encoding=UTF8", "--no-instructions"],
            check=True, capture_output=True, **run_as,
        )  # fmt: skip
        bootstrap = (
            f"CREATE ROLE {self.user} LOGIN {self.role_attributes} PASSWORD '{self.password}';\n"
            f"CREATE DATABASE {self.database} OWNER {self.user};\n"
        )
        subprocess.run(
            [str(postgres), "--single", "-D", str(data), "postgres"],
            input=bootstrap.encode(), check=True, capture_output=True, **run_as,
        )  # fmt: skip
        if self.extensions:
            created = "".join(f"CREATE EXTENSION IF NOT EXISTS {name};\n" for name in self.extensions)
            subprocess.run(
                [str(postgres), "--single", "-D", str(data), self.database],
                input=created.encode(), check=True, capture_output=True, **run_as,
            )  # fmt: skip
        return self.serve(data)

    def serve(self, data: Path, log_name: str = "postgres.log") -> PostgresServer:
        """Run `postgres` on the data directory ``data`` (``start``'s, or a restored copy, e.g. a base backup in
        archive recovery) on this server's port and socket; return once it accepts connections."""
        assert self.postgres_binary is not None, "start the server first"
        self.process = ManagedProcess(
            "postgres",
            [str(self.postgres_binary), "-D", str(data), "-c", "listen_addresses=127.0.0.1", "-p", str(self.port),
             "-c", f"unix_socket_directories={self.directory / 'sockets'}", "-c", "fsync=off",
             *(arg for setting in self.settings for arg in ("-c", setting))],
            log_path=self.directory / log_name,
            user=_unprivileged_user(),
        ).start()  # fmt: skip
        self.process.wait_until(self._accepts_connections, "'ready to accept connections'")
        return self

    @property
    def os_user(self) -> str | None:
        """The OS user PostgreSQL's processes run as (and tools that write its files must): None for the test's own."""
        return _unprivileged_user()

    def _accepts_connections(self) -> bool:
        assert self.process is not None
        return "database system is ready to accept connections" in self.process.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None:
            postmaster = self.process.process
            if postmaster is not None and postmaster.poll() is None:
                # Fast shutdown (pg_ctl's default): SIGINT ends the open sessions, then the server stops cleanly. The
                # group's SIGTERM alone is the smart shutdown, which waits for every client to disconnect, and the
                # backends lead process groups of their own, so it does not reach them: a connection a test left
                # open held the teardown for the whole grace period (30 s), then SIGKILL.
                with contextlib.suppress(ProcessLookupError):
                    os.kill(postmaster.pid, signal.SIGINT)
            self.process.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


PGVECTOR_HOME = Path(os.environ.get("PGVECTOR_HOME") or REPO_ROOT / ".pgvector")


def pgvector_bin_dir() -> Path:
    """PostgreSQL 16 with pgvector compiled for this machine's CPU by `make setup-test` (scripts/setup-pgvector.sh):
    the machine's PostgreSQL has no pgvector, and a prebuilt vector.so may use instructions this CPU lacks."""
    bin_dir = PGVECTOR_HOME / "pgserver" / "pginstall" / "bin"
    control = bin_dir.parent / "share/postgresql/extension/vector.control"
    if not (bin_dir / "postgres").exists() or not control.exists():
        pytest.fail(f"{bin_dir}/postgres or its pgvector is missing: run `make setup-test` (scripts/setup-pgvector.sh)")
    return bin_dir


@dataclass
class RedisServer:
    """A throwaway redis-server on 127.0.0.1 with ``requirepass`` (like the cloud AUTH token) and no persistence."""

    password: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    port: int = field(default_factory=free_port)
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="agent-redis-")))
    process: ManagedProcess | None = None

    @property
    def uri(self) -> str:
        """The URI as the cloud stacks build it (``REDIS_URI``), without TLS on loopback."""
        return f"redis://:{self.password}@127.0.0.1:{self.port}"

    def start(self) -> RedisServer:
        redis_server = find_binary("redis-server")
        config = self.directory / "redis.conf"
        config.write_text(
            f"bind 127.0.0.1\nport {self.port}\nrequirepass {self.password}\nprotected-mode yes\n"
            f'save ""\nappendonly no\ndir {self.directory}\ndaemonize no\n'
        )
        config.chmod(0o600)
        self.process = ManagedProcess(
            "redis-server", [str(redis_server), str(config)], log_path=self.directory / "redis.log"
        ).start()
        self.process.wait_until(self.ping, "PONG to an authenticated PING")
        return self

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                sock.sendall(f"AUTH {self.password}\r\nPING\r\n".encode())
                reply = b""
                while b"PONG" not in reply and len(reply) < 1024:
                    chunk = sock.recv(1024)
                    if not chunk:
                        break
                    reply += chunk
                return reply.startswith(b"+OK") and b"+PONG" in reply
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def new_api_key() -> str:
    """A key as docs/app.md tells operators to make one (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


@dataclass
class DevServer:
    """`langgraph dev` (in-memory runtime) serving a copy of app/ on a free port."""

    url: str
    process: ManagedProcess
    trap: OutboundTrap

    def stop(self) -> None:
        self.process.stop()
        self.trap.close()


def copy_build_context(destination: Path) -> Path:
    """app/ less what app/.dockerignore keeps out of the image (local .env files, caches)."""
    shutil.copytree(APP_DIR, destination, ignore=shutil.ignore_patterns(*build_context_ignore_patterns()))
    return destination


def start_dev_server(workdir: Path, what: str, *, server_log_level: str | None = None, **env: str) -> DevServer:
    """Copy app/ into ``workdir``/app and serve it with ``langgraph dev``, the environment being ``server_env(**env)``.

    ``server_log_level`` (e.g. ``INFO``) lowers the level of the server's own loggers, access log included, from the
    CLI's ``WARNING`` (which logs only the requests answered 4xx/5xx). Returns once GET /ok answers 200; a server
    that exits first fails the test with its log.
    """
    import sys  # noqa: PLC0415

    langgraph = Path(sys.executable).parent / "langgraph"
    if not langgraph.exists():
        pytest.fail(f"{langgraph} is missing: .venv/bin/pip install -r requirements/app.txt")
    app = copy_build_context(workdir / "app")
    port = free_port()
    trap = OutboundTrap()
    process = ManagedProcess(
        "langgraph dev",
        [str(langgraph), "dev", "--no-browser", "--no-reload", "--port", str(port), "--config", "langgraph.json",
         *(["--server-log-level", server_log_level] if server_log_level else [])],
        log_path=workdir / "langgraph-dev.log",
        env=server_env(**trap.proxy_env, **env),
        cwd=app,
    ).start()
    url = f"http://127.0.0.1:{port}"
    server = DevServer(url, process, trap)
    try:
        record_startup(f"langgraph dev (in-memory runtime, {what})",
                       process.wait_until(lambda: http_ok(f"{url}/ok"), "GET /ok"))  # fmt: skip
    except BaseException:
        server.stop()
        raise
    return server


def build_context_ignore_patterns() -> list[str]:
    """app/.dockerignore as shutil.copytree patterns, so a copy of app/ holds what the image's build context holds."""
    lines = (line.strip() for line in (APP_DIR / ".dockerignore").read_text().splitlines())
    return [line.removeprefix("**/") for line in lines if line and not line.startswith("#")]


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"

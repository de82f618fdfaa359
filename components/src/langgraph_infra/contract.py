"""The Agent Server's contract, once for every cloud: ports, health paths, roles, environment names, URI formats,
shutdown and connection-pool arithmetic.

Every target (ECS, Cloud Run, Docker) builds its containers' environment from `server_environment` and its secret
references from `SECRET_ENV`, so a variable renamed here is renamed everywhere (a test compares the targets).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    import pulumi

PORT = 8000
HEALTH_PATH = "/ok"
# Also checks Postgres: for start-up probes only, so a database blip does not kill every healthy replica.
STARTUP_HEALTH_PATH = "/ok?check_db=1"
QUEUE_ENTRYPOINT = "/storage/queue_entrypoint.sh"
POSTGRES_PORT = 5432
REDIS_PORT = 6379
DEFAULT_N_JOBS_PER_WORKER = 10
DEFAULT_SHUTDOWN_GRACE_SECONDS = 180
# How long a platform should wait after the server's own grace period before killing it.
SHUTDOWN_MARGIN_SECONDS = 15
LICENSE_ENV_NAMES = ("LANGGRAPH_CLOUD_LICENSE_KEY", "LANGSMITH_API_KEY")
# The queue's backlog as one cloud metric, named once: published under this namespace with the stack's name as its
# dimension, read by queue scaling (runs waiting per worker) and by the backlog alarms alike.
METRIC_NAMESPACE = "LangGraphInfra"
PENDING_RUNS_METRIC = "PendingRuns"
RUNNING_RUNS_METRIC = "RunningRuns"
STACK_DIMENSION = "Stack"
# Hardened containers: the root filesystem is read-only, and these are the only writable paths, each an empty
# scratch volume (an ECS task volume, a Cloud Run in-memory volume, a Docker tmpfs, a Kubernetes emptyDir). From
# evidence, not guesses: LangChain's chart runs this image with readOnlyRootFilesystem and no volume at all
# (charts/langgraph-cloud/ci/readonly-config-values.yaml, "you may need to mount tmp directories if your graph writes
# to disk"), and tests/app/test_read_only_root.py serves runs with everything else read-only, as uid 1000 with every
# capability dropped (measured: the server itself writes nowhere; a run completes even with no writable path). /tmp
# is kept because Python's `tempfile`, and so graphs and their libraries, write there.
WRITABLE_PATHS = ("/tmp",)
# The size cap of each scratch volume where the platform takes one (Cloud Run's in-memory volumes count against the
# instance's memory; a Docker tmpfs). ECS's task volumes share the task's ephemeral storage (20 GiB by default).
SCRATCH_SIZE_MIB = 256
# The image's unprivileged user (the generated Dockerfile's `USER`, langgraph_infra.dockerfile.RUNTIME_USER).
RUNTIME_UID = 1000
RUNTIME_GID = 1000
# Set to the cloud (`aws`, `gcp`) when the server signs in to Postgres with its cloud identity instead of a password.
POSTGRES_IAM_AUTH_ENV = "AGENT_POSTGRES_IAM_AUTH_PROVIDER"


class Role(str, enum.Enum):
    """The two processes one image runs: the HTTP API and the background queue worker."""

    API = "api"
    QUEUE = "queue"


class SecretEnv(str, enum.Enum):
    """Environment variables whose values are secrets, always passed by reference."""

    POSTGRES_URI = "POSTGRES_URI"
    REDIS_URI = "REDIS_URI"


class Runtime(str, enum.Enum):
    """The image an app builds on: `langchain/langgraph-api` (Python graphs) or `langchain/langgraphjs-api`
    (JavaScript graphs: `node_version` without `python_version` in langgraph.json)."""

    PYTHON = "python"
    JS = "js"


def health_check_command(path: str = HEALTH_PATH, runtime: Runtime = Runtime.PYTHON) -> list[str]:
    """A container health check with what the image surely has (not necessarily curl): Python's stdlib in the
    Python image, Node's global `fetch` (Node 20 and later, the CLI's minimum) in the JS one."""
    url = f"http://127.0.0.1:{PORT}{path}"
    if runtime is Runtime.JS:
        script = (f"fetch('{url}', {{signal: AbortSignal.timeout(4000)}})"
                  ".then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))")
        return ["CMD", "node", "-e", script]
    return ["CMD", "python", "-c", f"import urllib.request; urllib.request.urlopen('{url}', timeout=4)"]


def command(role: Role, runtime: Runtime = Runtime.PYTHON) -> list[str] | None:
    """The container command for a role (None keeps the image's own entrypoint, which serves the API and runs
    `N_JOBS_PER_WORKER` jobs). The Python image's queue runs its queue-only entrypoint; the JS image is not known here
    to ship that script, so its queue runs the image's own entrypoint with jobs enabled (it also answers `/ok`)."""
    return [QUEUE_ENTRYPOINT] if role is Role.QUEUE and runtime is Runtime.PYTHON else None


@dataclass(frozen=True)
class ReplicaSettings:
    """The plain (non-secret) settings one replica of a role needs."""

    role: Role
    postgres_pool_max_size: int
    redis_max_connections: int
    n_jobs_per_worker: int
    shutdown_grace_seconds: int
    log_level: str
    log_json: bool = True
    cors_allow_origins: tuple[str, ...] = ()
    """Origins allowed to call from a browser; none: no cross-origin access (the server's own default is `*`)."""
    redis_key_prefix: str | None = None
    redis_tls_ca_cert_b64: pulumi.Input[str] | None = None
    """Memorystore's CA (base64 PEM), known only once the instance exists: an Output is fine."""
    langsmith_project: str | None = None
    """The LangSmith project of the run traces: tracing is on exactly when one is given (a LangSmith key reaches the
    replica); none: `LANGSMITH_TRACING=false`."""
    postgres_iam_auth_provider: str | None = None
    """`aws` or `gcp` when the server signs in to Postgres with its cloud identity; None: the URI's password."""


def server_environment(settings: ReplicaSettings, extra: dict[str, str] | None = None) -> dict[str, pulumi.Input[str]]:
    """Plain environment for one role. Secrets (URIs, licence, app keys) are not here: see `SecretEnv`.

    The API replica runs no background jobs (`N_JOBS_PER_WORKER=0`) so a burst of runs never slows the HTTP path;
    the queue role runs them.
    """
    jobs = 0 if settings.role is Role.API else settings.n_jobs_per_worker
    env: dict[str, pulumi.Input[str]] = {
        "PORT": str(PORT),
        "N_JOBS_PER_WORKER": str(jobs),
        "LANGGRAPH_POSTGRES_POOL_MAX_SIZE": str(settings.postgres_pool_max_size),
        "REDIS_MAX_CONNECTIONS": str(settings.redis_max_connections),
        "BG_JOB_SHUTDOWN_GRACE_PERIOD_SECS": str(settings.shutdown_grace_seconds),
        "LOG_LEVEL": settings.log_level,
        "LOG_JSON": "true" if settings.log_json else "false",
        # An empty value is an empty list to the server: no origin allowed (unset, it would allow every origin).
        "CORS_ALLOW_ORIGINS": ",".join(settings.cors_allow_origins),
    }
    if settings.redis_key_prefix:
        env["REDIS_KEY_PREFIX"] = settings.redis_key_prefix
    if settings.redis_tls_ca_cert_b64 is not None:
        env["REDIS_TLS_CA_CERT"] = settings.redis_tls_ca_cert_b64
    # Explicit either way: the server would otherwise turn tracing on by itself whenever it finds a LangSmith key.
    env["LANGSMITH_TRACING"] = "true" if settings.langsmith_project else "false"
    if settings.langsmith_project:
        env["LANGSMITH_PROJECT"] = settings.langsmith_project
    if settings.postgres_iam_auth_provider:
        env[POSTGRES_IAM_AUTH_ENV] = settings.postgres_iam_auth_provider
    for key, value in (extra or {}).items():
        env.setdefault(key, value)
    return dict(sorted(env.items()))


def postgres_uri(user: str, password: str | None, host: str, port: int, database: str, *, tls: bool = True) -> str:
    """The URI the server reads from POSTGRES_URI. `sslmode=require` encrypts; the managed engines force TLS too.
    Without a password (IAM authentication) the URI names the user only."""
    sslmode = "require" if tls else "disable"
    login = quote(user, safe="") + (f":{quote(password, safe='')}" if password is not None else "")
    return f"postgres://{login}@{host}:{port}/{database}?sslmode={sslmode}"


def redis_uri(password: str, host: str, port: int, *, tls: bool = True) -> str:
    """The URI the server reads from REDIS_URI: `rediss://` when in-transit encryption is on, AUTH as the password."""
    scheme = "rediss" if tls else "redis"
    return f"{scheme}://:{quote(password, safe='')}@{host}:{port}"


def kill_timeout_seconds(shutdown_grace_seconds: int) -> int:
    """How long the platform must wait for a stopping replica: the server's grace period plus a margin."""
    return shutdown_grace_seconds + SHUTDOWN_MARGIN_SECONDS


def peak_replicas(max_replicas: int, surge_percent: int) -> int:
    """Replicas that can run at once during a rolling deployment, when new ones start before old ones stop."""
    return math.ceil(max_replicas * max(surge_percent, 100) / 100)


def connections_needed(
    api_replicas: int, api_pool: int, queue_replicas: int, queue_pool: int, reserve: int
) -> int:
    """Postgres connections the deployment can open at its peak, plus the reserve kept for admin and migrations."""
    return api_replicas * api_pool + queue_replicas * queue_pool + reserve


def secret_env_names(app_secret_names: list[str] | tuple[str, ...]) -> list[str]:
    """Every secret variable a replica receives by reference: the two connection URIs, then the app's secrets
    (licence key included)."""
    return [SecretEnv.POSTGRES_URI.value, SecretEnv.REDIS_URI.value, *sorted(app_secret_names)]

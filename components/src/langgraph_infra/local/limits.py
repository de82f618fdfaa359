"""What the local target accepts, as plain data (no pulumi_docker import, so config validation stays cheap)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import contract
from ..errors import Problem

if TYPE_CHECKING:
    from ..config import StackConfig

# Pinned by digest (a tag can be re-pushed): a local stack must be reproducible and match what was tested.
# Postgres is the pgvector image, as `langgraph up` runs (pgvector/pgvector, the official postgres image plus the
# extension), so an app whose langgraph.json has `store.index` gets its semantic search here as on RDS and Cloud SQL.
# No registry is reachable where this was written, so the digests are not re-resolved here: each is the one that
# several unrelated public repositories pin for the same tag (Dockerfile FROM lines, Testcontainers, NixOS modules,
# `docker rmi` logs showing it as the repo digest). One source calls the pg17 digest its arm64 digest: check with
# `docker buildx imagetools inspect pgvector/pgvector:0.8.0-pg17` before relying on 17 locally (16 is the default).
POSTGRES_IMAGES = {
    "16": "pgvector/pgvector:0.8.0-pg16@sha256:a132765ec351c65111b5b675928a3a0515a466a40f97277329db8b8209ad8bc9",
    "17": "pgvector/pgvector:0.8.0-pg17@sha256:40b404964359299eefdd5f8518facf1886c562848cf4de13b6eaf91cb70c2b87",
}
REDIS_IMAGES = {
    "7.2": "redis:7.2.5@sha256:fb534a36ac2034a6374933467d971fbcbfa5d213805507f560d564851a720355",
    "7.4": "redis:7.4.2@sha256:fbdbaea47b9ae4ecc2082ecdb4e1cea81e32176ffb1dcf643d422ad07427e5d9",
}


def check(cfg: StackConfig) -> list[Problem]:
    problems = []
    for key, value, table in (("postgres.version", cfg.postgres.version, POSTGRES_IMAGES),
                              ("redis.version", cfg.redis.version, REDIS_IMAGES)):
        if value not in table:
            problems.append(Problem(
                f"{key}={value} has no pinned local image: use one of {', '.join(sorted(table))}", (key,)))
    if cfg.network.egress_ports != [443]:
        problems.append(Problem(
            f"network.egress_ports={cfg.network.egress_ports}: the local Docker target cannot limit "
            "outbound ports (its egress network is open): remove the key", ("network.egress_ports",)))
    if cfg.postgres.auth == "iam":
        problems.append(Problem(
            "postgres.auth=iam: the local Postgres has no cloud identity to sign in with: use "
            "postgres.auth=password (the default)", ("postgres.auth",)))
    for name, source in sorted(cfg.secrets.items()):
        if source.existing:
            problems.append(Problem(
                f"secrets.{name}.existing: there is no secret manager on the local target; set the value "
                f"with `pulumi config set --secret {name} <value>` instead", (f"secrets.{name}.existing",)))
    return problems


def shutdown_grace_seconds(cfg: StackConfig) -> int:
    """Docker waits as long as asked (`stop_timeout`): the server's own default grace period fits."""
    return cfg.server.shutdown_grace_seconds or contract.DEFAULT_SHUTDOWN_GRACE_SECONDS

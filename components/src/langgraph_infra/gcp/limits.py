"""What GCP accepts (Cloud Run, Cloud SQL, Memorystore), as plain data and pure functions.

No pulumi_gcp import, so config validation stays cheap. Every message names the key, the value and what is allowed.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

from .. import contract
from ..config import Environment, Runtime
from ..errors import Problem
from .gke_settings import gke_settings

if TYPE_CHECKING:
    from ..config import StackConfig

# What GCP names look like; a value of another shape would only be refused by the API, halfway through an `up`.
REGION = re.compile(r"^[a-z]+-[a-z]+\d{1,2}$")
PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")

# Cloud Run: CPU is a whole number from this list; memory bounds per CPU (MiB). A memory size needs at least
# the CPU in `_CLOUD_RUN_MIN_CPU_FOR_MEMORY`.
CLOUD_RUN_CPUS = (1, 2, 4, 6, 8)
_CLOUD_RUN_MIN_MEMORY_MIB = {1: 512, 2: 512, 4: 2048, 6: 4096, 8: 4096}
CLOUD_RUN_MAX_MEMORY_MIB = 32768
_CLOUD_RUN_MIN_CPU_FOR_MEMORY = ((24576, 8), (16384, 6), (8192, 4), (4096, 2))
# Cloud Run sends SIGTERM and kills the instance 10 s later; this cannot be configured.
CLOUD_RUN_KILL_SECONDS = 10
# So the server's own grace period must be shorter: leave it a few seconds to close connections and exit.
CLOUD_RUN_SHUTDOWN_GRACE_SECONDS = 5
# The longest request (a streamed run) Cloud Run lets a service answer.
CLOUD_RUN_MAX_REQUEST_TIMEOUT_SECONDS = 3600

# Cloud SQL.
_CUSTOM_TIER = re.compile(r"^db-custom-(\d+)-(\d+)$")
_PERF_OPTIMIZED_TIER = re.compile(r"^db-perf-optimized-N-(2|4|8|16|32|48|64|80|96|128)$")
SHARED_CORE_TIERS = ("db-f1-micro", "db-g1-small")
CLOUD_SQL_MIN_CUSTOM_MEMORY_MIB = 3840

# Memorystore for Redis.
MEMORYSTORE_VERSIONS = {"7.0": "REDIS_7_0", "7.2": "REDIS_7_2"}
MEMORYSTORE_READ_REPLICAS_MIN_GIB = 5
MEMORYSTORE_TLS_PORT = 6378

# Network: the Cloud Run subnet and the private services access range are both /20s carved from network.vpc_cidr.
RANGE_PREFIX = 20
# runtime gke: a created cluster's pod range (a /19: 128 Autopilot nodes of 32 pods) and service range (a /20), the
# next blocks of network.vpc_cidr, which must then be a /17 or larger.
GKE_PODS_PREFIX, GKE_SERVICES_PREFIX, GKE_VPC_PREFIX = 19, 20, 17


def database_version(version: str) -> str:
    return f"POSTGRES_{version}"


def edition(tier: str) -> str:
    """ENTERPRISE_PLUS (the API's default from POSTGRES_16) takes only db-perf-optimized tiers; every other tier
    (custom, shared-core) needs ENTERPRISE, set explicitly."""
    return "ENTERPRISE_PLUS" if _PERF_OPTIMIZED_TIER.match(tier) else "ENTERPRISE"


def redis_version(version: str) -> str:
    return MEMORYSTORE_VERSIONS[version]


def redis_tier(replicas: int) -> str:
    """STANDARD_HA keeps a replica in another zone and fails over to it; BASIC is one node."""
    return "STANDARD_HA" if replicas >= 1 else "BASIC"


def address_plan(vpc_cidr: str) -> tuple[str, str, int]:
    """(subnet CIDR for Cloud Run's Direct VPC egress, private services access address, its prefix length): the
    first two /20s of `vpc_cidr`."""
    ranges = ipaddress.IPv4Network(vpc_cidr).subnets(new_prefix=RANGE_PREFIX)
    subnet, services = next(ranges), next(ranges)
    return str(subnet), str(services.network_address), services.prefixlen


def gke_address_plan(vpc_cidr: str) -> tuple[str, str]:
    """(pod range, service range) of a created GKE cluster: the /19 and the /20 after `address_plan`'s two /20s."""
    network = ipaddress.IPv4Network(vpc_cidr)
    pods = ipaddress.IPv4Network((int(network.network_address) + 2 * 2 ** (32 - RANGE_PREFIX), GKE_PODS_PREFIX))
    services = ipaddress.IPv4Network((int(network.network_address) + 4 * 2 ** (32 - RANGE_PREFIX),
                                      GKE_SERVICES_PREFIX))
    return str(pods), str(services)


def check_cloud_run_size(key: str, cpu: float, memory_mib: int) -> str | None:
    if cpu not in CLOUD_RUN_CPUS:
        return f"{key}.cpu={cpu:g} is not a Cloud Run size: use one of {', '.join(map(str, CLOUD_RUN_CPUS))} (vCPU)"
    whole = int(cpu)
    low = _CLOUD_RUN_MIN_MEMORY_MIB[whole]
    if memory_mib < low:
        return f"{key}.memory_mib={memory_mib} is too small for {key}.cpu={whole} on Cloud Run: use at least {low}"
    if memory_mib > CLOUD_RUN_MAX_MEMORY_MIB:
        return f"{key}.memory_mib={memory_mib} is above Cloud Run's maximum: use at most {CLOUD_RUN_MAX_MEMORY_MIB}"
    for above, needed in _CLOUD_RUN_MIN_CPU_FOR_MEMORY:
        if memory_mib > above and whole < needed:
            return (f"{key}.memory_mib={memory_mib} needs {key}.cpu of at least {needed} on Cloud Run (more than "
                    f"{above} MiB): raise cpu or lower memory_mib")
    return None


def check_cloud_sql_tier(tier: str | None, prod: bool) -> list[str]:
    if not tier:
        return ["postgres.instance_class is required on gcp: a Cloud SQL tier such as db-custom-1-3840"]
    if tier in SHARED_CORE_TIERS:
        return [f"postgres.instance_class={tier} is shared-core (no SLA, no high availability): prod needs "
                "db-custom-<vCPU>-<MiB>"] if prod else []
    if _PERF_OPTIMIZED_TIER.match(tier):
        return []
    match = _CUSTOM_TIER.match(tier)
    if not match:
        return [f"postgres.instance_class={tier} is not a Cloud SQL tier: use db-custom-<vCPU>-<MiB> (e.g. "
                "db-custom-1-3840), db-perf-optimized-N-<vCPU>, or in dev db-f1-micro / db-g1-small"]
    cpus, memory = int(match.group(1)), int(match.group(2))
    problems = []
    if not (cpus == 1 or (cpus % 2 == 0 and 2 <= cpus <= 96)):
        problems.append(f"postgres.instance_class={tier}: a custom tier has 1 or an even number (2-96) of vCPUs")
    low, high = max(CLOUD_SQL_MIN_CUSTOM_MEMORY_MIB, int(cpus * 921.6)), cpus * 6656
    if memory % 256 or not low <= memory <= high:
        problems.append(f"postgres.instance_class={tier}: memory must be a multiple of 256 MiB between {low} and "
                        f"{high} for {cpus} vCPU (0.9-6.5 GiB per vCPU, at least 3840)")
    return problems


def check(cfg: StackConfig) -> list[Problem]:
    problems: list[Problem] = []
    prod = cfg.environment is Environment.PROD
    if cfg.target.runtime is Runtime.CLOUDRUN:
        for role in ("api", "queue"):
            settings = getattr(cfg, role)
            problem = check_cloud_run_size(role, settings.cpu, settings.memory_mib)
            if problem:
                problems.append(Problem(problem, (f"{role}.cpu", f"{role}.memory_mib")))
        if cfg.queue.max_replicas != cfg.queue.min_replicas:
            problems.append(Problem(
                f"queue.max_replicas={cfg.queue.max_replicas} differs from queue.min_replicas="
                f"{cfg.queue.min_replicas}: on Cloud Run the queue is a worker pool with a fixed number of "
                "instances (it never scales in, so no run is cut short): set both to the number of workers",
                ("queue.max_replicas",)))
        grace = cfg.server.shutdown_grace_seconds
        if grace is not None:
            problems.append(Problem(
                f"server.shutdown_grace_seconds={grace} does not fit Cloud Run, which kills an instance "
                f"{CLOUD_RUN_KILL_SECONDS} s after asking it to stop (not configurable): remove the key (the "
                f"server then gets {CLOUD_RUN_SHUTDOWN_GRACE_SECONDS} s)", ("server.shutdown_grace_seconds",)))
        if cfg.ingress.allowed_cidrs != ["0.0.0.0/0"]:
            problems.append(Problem(
                f"ingress.allowed_cidrs={cfg.ingress.allowed_cidrs} cannot be enforced by Cloud Run (it has no "
                "source-address filter): remove it, and use ingress.public=false to require IAM-authenticated callers",
                ("ingress.allowed_cidrs",)))

    if cfg.target.runtime is Runtime.GKE and not gke_settings(cfg).existing_cluster_name and \
            ipaddress.ip_network(cfg.network.vpc_cidr).prefixlen > GKE_VPC_PREFIX:
        problems.append(Problem(
            f"network.vpc_cidr={cfg.network.vpc_cidr} must be /{GKE_VPC_PREFIX} or larger on runtime gke: "
            "it also holds the cluster's pod (/19) and service (/20) ranges", ("network.vpc_cidr",)))

    if prod and cfg.ingress.public:
        problems.append(Problem(
            "ingress.public=true in prod lets anyone reach the Cloud Run URL, which has no WAF or "
            "per-client rate limit (Cloud Armor needs a load balancer in front): set ingress.public=false "
            "(callers need roles/run.invoker), or put your own load balancer with Cloud Armor in front",
            ("ingress.public",)))
    region, project = cfg.target.region, cfg.target.project
    if region is not None and not REGION.match(region):
        problems.append(Problem(
            f"target.region={region} is not a GCP region: use e.g. europe-west1 or us-central1", ("target.region",)))
    if project is not None and not PROJECT_ID.match(project):
        problems.append(Problem(
            f"target.project={project} is not a GCP project id (6-30 characters: lower-case letters, "
            "digits and hyphens, starting with a letter): use the id, not the name or number",
            ("target.project",)))
    for key, value in sorted(cfg.tags.items()):
        if not LABEL_KEY.match(key) or not LABEL_VALUE.match(value):
            problems.append(Problem(
                f"tags.{key}={value} is not a GCP label (keys start with a lower-case letter; keys and "
                "values use a-z, 0-9, _ and -, at most 63 characters): rename it", (f"tags.{key}",)))

    pg = cfg.postgres
    problems += [Problem(text, ("postgres.instance_class",)) for text in check_cloud_sql_tier(pg.instance_class, prod)]
    if pg.max_connections is None:
        problems.append(Problem(
            "postgres.max_connections is required on gcp: it is set as a Cloud SQL database flag "
            "(e.g. 100 for db-custom-1-3840, 800 for db-custom-2-8192)", ("postgres.max_connections",)))

    redis = cfg.redis
    if redis.node_type is not None:
        problems.append(Problem(
            f"redis.node_type={redis.node_type} is an aws setting: on gcp size Redis with "
            "redis.memory_size_gib", ("redis.node_type",)))
    if redis.memory_size_gib is None:
        problems.append(Problem(
            "redis.memory_size_gib is required on gcp (Memorystore capacity, e.g. 1 in dev, 5 in prod)",
            ("redis.memory_size_gib",)))
    elif redis.replicas > 1 and redis.memory_size_gib < MEMORYSTORE_READ_REPLICAS_MIN_GIB:
        problems.append(Problem(
            f"redis.replicas={redis.replicas} needs read replicas, which Memorystore offers from "
            f"{MEMORYSTORE_READ_REPLICAS_MIN_GIB} GiB: raise redis.memory_size_gib or use 1 replica",
            ("redis.replicas",)))
    if redis.version not in MEMORYSTORE_VERSIONS:
        problems.append(Problem(
            f"redis.version={redis.version} is not a Memorystore version: use one of "
            f"{', '.join(MEMORYSTORE_VERSIONS)}", ("redis.version",)))

    net = cfg.network
    if net.existing_vpc_id or net.existing_private_subnet_ids or net.existing_public_subnet_ids:
        problems.append(Problem(
            "network.existing_* (adopting a network) is not available on gcp yet: remove them and "
            "a VPC is created",
            ("network.existing_vpc_id", "network.existing_public_subnet_ids", "network.existing_private_subnet_ids")))
    if net.nat_gateways == "none":
        problems.append(Problem(
            "network.nat_gateways=none leaves Cloud Run without the outbound HTTPS the licence check "
            "needs (all its traffic goes through the VPC): use single (Cloud NAT is regional)",
            ("network.nat_gateways",)))
    # The model has checked it is a private IPv4 CIDR.
    if ipaddress.ip_network(net.vpc_cidr).prefixlen > RANGE_PREFIX - 1:
        problems.append(Problem(
            f"network.vpc_cidr={net.vpc_cidr} must be /{RANGE_PREFIX - 1} or larger: it holds the Cloud "
            f"Run subnet and the Cloud SQL/Memorystore range (a /{RANGE_PREFIX} each)",
            ("network.vpc_cidr",)))
    return problems


def internet_exposure(cfg: StackConfig) -> str | None:
    """Cloud Run's URL is on the internet; `ingress.public` lets callers without a Google identity through. On GKE
    the Gateway is an external load balancer: anyone on the internet reaches the API through it."""
    if cfg.target.runtime is Runtime.GKE:
        exposure = cfg.kubernetes.exposure
        return f"kubernetes.exposure={exposure} puts the API behind GKE's external load balancer" \
            if exposure != "none" else None
    return "ingress.public=true lets allUsers invoke the Cloud Run URL" if cfg.ingress.public else None


def shutdown_grace_seconds(cfg: StackConfig) -> int:
    """The server's BG_JOB_SHUTDOWN_GRACE_PERIOD_SECS: on Cloud Run fixed (`check` rejects an explicit value); on
    GKE the configured one (`gke_checks` bounds it by what GKE honours), else the contract's default."""
    if cfg.target.runtime is Runtime.GKE:
        return cfg.server.shutdown_grace_seconds or contract.DEFAULT_SHUTDOWN_GRACE_SECONDS
    return CLOUD_RUN_SHUTDOWN_GRACE_SECONDS

"""What every target's AgentServer shares: its arguments, the two roles' plain environment, and the secrets the
server reads. Each cloud only decides where these go (task definition, Cloud Run revision, container)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi

from . import app_folder, contract, langgraph_json
from .app_folder import project_root
from .config import Environment, RoleSettings, StackConfig
from .errors import ConfigError
from .exposure import check_exposure
from .image import Image, ImageArgs, RegistryLogin
from .loading import secret_value
from .observability import LANGSMITH_KEY, langsmith_project
from .settling import settle_parts


@dataclass
class RoleSpec:
    """One role's sizes and plain environment (built from contract.server_environment)."""

    settings: RoleSettings
    """Replicas, CPU, memory and pool sizes of the role. Fields left unset take the profile's values (see
    `ServiceRolesArgs.environment`)."""
    environment: dict[str, pulumi.Input[str]]
    """The role's plain environment variables, used as given (`role_specs(cfg, ...)` builds them from the server
    contract); secrets are passed separately, by reference."""


@dataclass
class ServiceRolesArgs:
    """What every target's Service takes first: the image and the two roles it runs."""

    prefix: str
    """Prefix of physical names (e.g. `langgraph-dev`)."""
    image: pulumi.Input[str]
    """Image reference by digest (`repo@sha256:...`)."""
    api: RoleSpec
    """The HTTP API role (`N_JOBS_PER_WORKER=0`)."""
    queue: RoleSpec
    """The queue worker role, which executes runs; it never scales to zero."""
    runtime: contract.Runtime = field(default=contract.Runtime.PYTHON, kw_only=True)
    """The image's runtime, which picks the health check and the queue's command (`contract.command`). Default: the
    Python image."""
    environment: Environment = field(default=Environment.DEV, kw_only=True)
    """The profile that fills every role setting the caller left unset, and whose checks (platform sizes, prod's
    minimum replicas) the roles must pass: a `ConfigError` is raised before any resource. Default: `dev` (`local`
    on the local target)."""


def settle_roles(args: ServiceRolesArgs, cloud: str) -> None:
    """Complete and check both roles' settings as a stack would (`settling.settle_parts`), in place."""
    settled = settle_parts(cloud, args.environment, {"api": args.api.settings, "queue": args.queue.settings})
    args.api = RoleSpec(settled["api"], args.api.environment)
    args.queue = RoleSpec(settled["queue"], args.queue.environment)


@dataclass
class AgentServerArgs:
    """Everything a whole Agent Server deployment takes: the validated configuration and the stack it belongs to."""

    config: StackConfig
    """The validated stack configuration (`langgraph_infra.load_config()` or `build_config(dict)`)."""
    stack: str
    """Stack name: part of physical names (`<config.name>-<stack>`)."""
    app_dir: Path | None = None
    """The app folder to build. Default: `config.app.path` under the Pulumi project's folder."""
    secret_values: dict[str, pulumi.Input[str]] | None = None
    """Values of the secrets the stack creates (`config.created_secret_names()`), by name. Default: each is read
    from the secret config key of that name in the running project's own namespace (`pulumi config set --secret
    NAME value`, read with `pulumi.Config()`)."""

    def __post_init__(self) -> None:
        # Closed by default, for a config built in code too: an internet-facing prod API whose app declares no
        # `auth` is refused here, before any resource (a stack's `load_config` has already said so, with the rest).
        problems, warnings = check_exposure(self.config, project_root())
        if problems:
            raise ConfigError(problems)
        for warning in warnings:
            pulumi.log.warn(warning)


def given_provider(opts: pulumi.ResourceOptions | None, package: str) -> bool:
    """Whether `opts` brings a provider for `package` (`aws`, `gcp`): in `provider`, in `providers`, or through
    `parent`."""
    if opts is None:
        return False
    if opts.provider is not None and opts.provider.package == package:
        return True
    providers = opts.providers
    if isinstance(providers, Mapping):
        if package in providers:
            return True
    elif providers and any(p.package == package for p in providers):
        return True
    # A parent's providers are looked up by a resource type token of the package (any member will do).
    return opts.parent is not None and opts.parent.get_provider(f"{package}:index:any") is not None


def with_provider(opts: pulumi.ResourceOptions | None, package: str,
                  make: Callable[[], pulumi.ProviderResource]) -> pulumi.ResourceOptions:
    """`opts` as given when it brings a provider for `package`; otherwise `opts` with the one `make()` creates."""
    if given_provider(opts, package):
        return opts or pulumi.ResourceOptions()
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(providers={package: make()}))


def settings_for(cfg: StackConfig, role: contract.Role, shutdown_grace_seconds: int,
                 redis_tls_ca_cert_b64: pulumi.Input[str] | None = None, *, stack: str | None = None) -> contract.ReplicaSettings:
    """The ReplicaSettings of one role from the stack config (the same on every target). `stack` names the LangSmith
    project by default (`observability.langsmith_project`); without it, tracing is on only with an explicit project."""
    project = None
    if LANGSMITH_KEY in cfg.secrets:
        project = langsmith_project(cfg, stack) if stack else cfg.observability.langsmith_project
    sizes = cfg.api if role is contract.Role.API else cfg.queue
    return contract.ReplicaSettings(
        role=role,
        postgres_pool_max_size=sizes.postgres_pool_max_size,
        redis_max_connections=sizes.redis_max_connections,
        n_jobs_per_worker=cfg.queue.n_jobs_per_worker,
        shutdown_grace_seconds=shutdown_grace_seconds,
        log_level=cfg.logs.level,
        log_json=cfg.server.log_json,
        cors_allow_origins=tuple(cfg.server.cors_allow_origins),
        redis_key_prefix=cfg.redis.key_prefix,
        redis_tls_ca_cert_b64=redis_tls_ca_cert_b64,
        langsmith_project=project,
        postgres_iam_auth_provider=cfg.target.cloud.value if cfg.postgres.auth == "iam" else None,
    )


def role_specs(cfg: StackConfig, shutdown_grace_seconds: int,
               redis_tls_ca_cert_b64: pulumi.Input[str] | None = None, *, stack: str | None = None) -> dict[str, RoleSpec]:
    """Both roles' sizes and plain environment, from the one contract, as `api=` and `queue=` arguments. `stack`
    names the LangSmith project by default (see `observability.langsmith_project`)."""
    specs = {}
    for role in contract.Role:
        settings = settings_for(cfg, role, shutdown_grace_seconds, redis_tls_ca_cert_b64, stack=stack)
        specs[role.value] = RoleSpec(cfg.api if role is contract.Role.API else cfg.queue,
                                     contract.server_environment(settings, cfg.app.env))
    return specs


def build_image(name: str, args: AgentServerArgs, repository: pulumi.Input[str], parent: pulumi.Resource,
                login: RegistryLogin | None = None, platform: str | None = None) -> pulumi.Output[str]:
    """Build the stack's app folder, push it to `repository` and return the reference to deploy (by digest)."""
    image_args = ImageArgs(app_dir=args.app_dir or app_folder.app_dir(args.config), repository=repository,
                           login=login, config_file=args.config.app.config_file)
    if platform is not None:
        image_args.platform = platform
    return Image(name, image_args, pulumi.ResourceOptions(parent=parent)).ref


BOOTSTRAP_RUNNER_DIR = Path(__file__).parent / "bootstrap_runner"
# Its own package in the registry: the registry's keep-the-newest cleanup counts versions per package, so the app's
# releases never push out the runner a later bootstrap (a rotation) needs.
BOOTSTRAP_RUNNER_PACKAGE = "db-bootstrap"


def bootstrap_image(name: str, args: AgentServerArgs, app_image: pulumi.Input[str],
                    repository: pulumi.Input[str] | None, parent: pulumi.Resource, login: RegistryLogin | None = None,
                    platform: str | None = None) -> pulumi.Input[str]:
    """The image the database bootstrap runs in (`db_bootstrap.command()` needs Python and a Postgres driver): the
    app's own for a Python app (psycopg is in it); for a JavaScript app, whose image has Node only, the small
    runner image (`bootstrap_runner/Dockerfile`: Python and pg8000), built and pushed beside the app's image, as
    `<repository>-db-bootstrap`."""
    if args.config.runtime() is contract.Runtime.PYTHON:
        return app_image
    if repository is None:
        raise ValueError("a JavaScript app's database bootstrap needs a registry to push its runner image to")
    # Relative, as the app folder is: state holds the same path on every machine.
    context = Path(os.path.relpath(BOOTSTRAP_RUNNER_DIR))
    image_args = ImageArgs(app_dir=context,
                           repository=pulumi.Output.concat(repository, "-", BOOTSTRAP_RUNNER_PACKAGE), login=login,
                           dockerfile_path=context / "Dockerfile")
    if platform is not None:
        image_args.platform = platform
    return Image(name, image_args, pulumi.ResourceOptions(parent=parent)).ref


def created_secrets(args: AgentServerArgs, postgres_uri: pulumi.Input[str],
                    redis_uri: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """The secrets a stack creates, by variable name: the two connection URIs and the app's own secrets."""
    cfg = args.config
    values = args.secret_values if args.secret_values is not None else {
        n: secret_value(n) for n in cfg.created_secret_names()}
    return {
        contract.SecretEnv.POSTGRES_URI.value: postgres_uri,
        contract.SecretEnv.REDIS_URI.value: redis_uri,
        **{n: values[n] for n in cfg.created_secret_names()},
    }


def postgres_extensions(args: AgentServerArgs) -> list[str]:
    """The extensions the database bootstrap creates for the app (`langgraph_json.postgres_extensions`)."""
    app_dir = args.app_dir or app_folder.app_dir(args.config)
    return langgraph_json.postgres_extensions(langgraph_json.read(app_dir / args.config.app.config_file))


def adopted_secrets(cfg: StackConfig) -> dict[str, str]:
    """The secrets a stack references without creating, by variable name."""
    return {n: s.existing for n, s in cfg.secrets.items() if s.existing}

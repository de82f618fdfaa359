"""What every target's AgentServer shares: its arguments, the two roles' plain environment, and the secrets the
server reads. Each cloud only decides where these go (task definition, Cloud Run revision, container)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi

from . import config as stack_config
from . import contract
from .config import RoleSettings, StackConfig
from .image import Image, ImageArgs, RegistryLogin


@dataclass
class RoleSpec:
    """One role's sizes and plain environment (built from contract.server_environment)."""

    settings: RoleSettings
    environment: dict[str, pulumi.Input[str]]


@dataclass
class ServiceRolesArgs:
    """What every target's Service takes first: the image and the two roles it runs."""

    prefix: str
    """Prefix of physical names (e.g. `langgraph-dev`)."""
    image: pulumi.Input[str]
    """Image reference by digest (`repo@sha256:...`)."""
    api: RoleSpec
    queue: RoleSpec


@dataclass
class AgentServerArgs:
    config: StackConfig
    """The validated stack configuration (`langgraph_infra.load_config()` or `build_config(dict)`)."""
    stack: str
    """Stack name: part of physical names (`<config.name>-<stack>`)."""
    app_dir: Path | None = None
    """The app folder to build. Default: `config.app.path` under the Pulumi project's folder."""
    secret_values: dict[str, pulumi.Input[str]] | None = None
    """Values of the secrets the stack creates. Default: read from the stack's secret config keys."""


def role_specs(cfg: StackConfig, shutdown_grace_seconds: int,
               redis_tls_ca_cert_b64: pulumi.Input[str] | None = None) -> dict[str, RoleSpec]:
    """Both roles' sizes and plain environment, from the one contract, as `api=` and `queue=` arguments."""
    specs = {}
    for role in contract.Role:
        settings = contract.settings_for(cfg, role, shutdown_grace_seconds, redis_tls_ca_cert_b64)
        specs[role.value] = RoleSpec(cfg.api if role is contract.Role.API else cfg.queue,
                                     contract.server_environment(settings, cfg.app.env))
    return specs


def build_image(name: str, args: AgentServerArgs, repository: pulumi.Input[str], parent: pulumi.Resource,
                login: RegistryLogin | None = None, platform: str | None = None) -> pulumi.Output[str]:
    """Build the stack's app folder, push it to `repository` and return the reference to deploy (by digest)."""
    image_args = ImageArgs(app_dir=args.app_dir or stack_config.app_dir(args.config), repository=repository,
                           login=login)
    if platform is not None:
        image_args.platform = platform
    return Image(name, image_args, pulumi.ResourceOptions(parent=parent)).ref


def created_secrets(args: AgentServerArgs, postgres_uri: pulumi.Input[str],
                    redis_uri: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """The secrets a stack creates, by variable name: the two connection URIs and the app's own secrets."""
    cfg = args.config
    values = args.secret_values if args.secret_values is not None else {
        n: stack_config.secret_value(n) for n in cfg.created_secret_names()}
    return {
        contract.SecretEnv.POSTGRES_URI.value: postgres_uri,
        contract.SecretEnv.REDIS_URI.value: redis_uri,
        **{n: values[n] for n in cfg.created_secret_names()},
    }


def adopted_secrets(cfg: StackConfig) -> dict[str, str]:
    """The secrets a stack references without creating, by variable name."""
    return {n: s.existing for n, s in cfg.secrets.items() if s.existing}

"""The `secrets` section: a licence key for the server, and a customer key only on a secret that is adopted."""

from __future__ import annotations

from ..config import Cloud, StackConfig
from ..errors import Problem


def problems(cfg: StackConfig) -> list[Problem]:
    found = []
    cloud = cfg.target.cloud
    if cloud is not Cloud.LOCAL and cfg.license_env_name() is None:
        found.append(Problem(
            "secrets needs LANGGRAPH_CLOUD_LICENSE_KEY or LANGSMITH_API_KEY: the server verifies its licence at "
            "start-up (e.g. `secrets: {LANGSMITH_API_KEY: {}}` and `pulumi config set --secret LANGSMITH_API_KEY ...`)",
            ("secrets",)))
    for name, source in sorted(cfg.secrets.items()):
        key = f"secrets.{name}.kms_key_arn"
        if source.kms_key_arn and not source.existing:
            found.append(Problem(f"{key} goes with secrets.{name}.existing (a created secret uses "
                                 "the AWS-managed key): add `existing` or remove `kms_key_arn`",
                                 (key, f"secrets.{name}.existing")))
    return found

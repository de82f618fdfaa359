"""ServerAccount: under `postgres.auth: iam`, the one Google service account both roles of the server run as (Cloud
Run's service and worker pool, or GKE's pods through Workload Identity).

Cloud SQL IAM database authentication makes one Postgres login per service account, and one login must own what the
server's migrations create, so both roles share one identity (on GKE they always do). It is created before the
database, which makes its Cloud SQL IAM user, and before the bootstrap, which grants that user the server's role;
the runtime (`Service`, `Gke`) adopts it instead of creating its own. Under password authentication there is none.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from ..naming import bounded, child

# Service account ids are 6-30 characters.
ACCOUNT_ID_LIMIT = 30


def account_email(account_id: str, project: str) -> str:
    """A user-managed service account's address, known before it exists."""
    return f"{account_id}@{project}.iam.gserviceaccount.com"


@dataclass(frozen=True)
class ServerAccount:
    """The account, and its address as text (a Kubernetes annotation needs it before the account exists)."""

    account: gcp.serviceaccount.Account
    """The service account resource: grant to `account.member`, so the grant waits for it."""
    email: str
    """`<prefix>-server@<project>.iam.gserviceaccount.com`."""


def server_account(name: str, prefix: str, project: str, parent: pulumi.Resource) -> ServerAccount:
    """The account `<prefix>-server` (cut to 30 characters) in `project`, named `<name>-server-sa`."""
    account_id = bounded(f"{prefix}-server", ACCOUNT_ID_LIMIT)
    account = gcp.serviceaccount.Account(
        child(name, "server-sa"), account_id=account_id, project=project,
        display_name="LangGraph Agent Server",
        description="Runs the API and the queue; logs in to Cloud SQL as its IAM user, reads only its own secrets",
        opts=pulumi.ResourceOptions(parent=parent))
    return ServerAccount(account=account, email=account_email(account_id, project))

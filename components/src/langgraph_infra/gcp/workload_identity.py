"""WorkloadIdentity: the Google identity of the Agent Server's pods on GKE. A Google service account that may read
exactly the stack's Secret Manager secrets (one binding per secret, nothing project-wide), impersonable only by the
pods' Kubernetes ServiceAccount through the cluster's Workload Identity pool
(`serviceAccount:<project>.svc.id.goog[<namespace>/<ksa>]` holds `roles/iam.workloadIdentityUser` on it), plus the
project roles its pods' sidecars need (the collector's, to write metrics and traces). The ServiceAccount carries the `iam.gke.io/gcp-service-account` annotation (`service_account_annotations()`).

No `roles/cloudsql.client` is granted: the server reaches Cloud SQL on its private address (as on Cloud Run), not
through the Cloud SQL connector that role serves. Under `postgres.auth: iam` the account is the stack's
`ServerAccount`, adopted, which the database lets log in as its Cloud SQL IAM user.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ..naming import bounded, child
from .secrets import Secrets
from .server_account import ServerAccount, account_email

TYPE = "langgraph-infra:gcp:WorkloadIdentity"
ANNOTATION = "iam.gke.io/gcp-service-account"
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
# Service account ids are 6-30 characters.
ACCOUNT_ID_LIMIT = 30


@dataclass
class WorkloadIdentityArgs:
    """The pods' Google identity: which Kubernetes ServiceAccount may use it, and which secrets it reads."""

    prefix: str
    """Prefix of the Google service account's id (`<prefix>-gke`, cut to 30 characters)."""
    project: str
    """The project of the service account (the stack's `target.project`)."""
    workload_pool: str
    """The cluster's Workload Identity pool (`Cluster.workload_pool`, `<project>.svc.id.goog`)."""
    namespace: str
    """Namespace of the pods' Kubernetes ServiceAccount (`kubernetes.namespace`)."""
    service_account: str
    """Name of the pods' Kubernetes ServiceAccount."""
    secrets: Secrets
    """The stack's Secret Manager secrets."""
    secret_names: list[str]
    """The secrets the pods read (by variable name): the only ones this identity may access."""
    project_roles: list[str] = field(default_factory=list)
    """Roles the identity holds on `project`, each as one binding (e.g. the collector sidecar's
    `collector.ROLES`: write metrics and traces). Default: no project-wide role, only the secrets."""
    account: ServerAccount | None = None
    """The Google service account to use (`postgres.auth: iam`). Default: `<prefix>-gke`, created here."""


def account_id(prefix: str) -> str:
    return bounded(f"{prefix}-gke", ACCOUNT_ID_LIMIT)


def email(prefix: str, project: str) -> str:
    """The service account's address, known before it exists (the ServiceAccount annotation needs it as text)."""
    return account_email(account_id(prefix), project)


def kubernetes_member(workload_pool: str, namespace: str, service_account: str) -> str:
    """The IAM principal of a Kubernetes ServiceAccount under Workload Identity."""
    return f"serviceAccount:{workload_pool}[{namespace}/{service_account}]"


def service_account_annotations(prefix: str, project: str, account: ServerAccount | None = None) -> dict[str, str]:
    """The Kubernetes ServiceAccount's annotations that make its pods act as this identity (`account`, else the
    one created here)."""
    return {ANNOTATION: account.email if account else email(prefix, project)}


class WorkloadIdentity(pulumi.ComponentResource):
    """Outputs: `email` (the Google service account), `member` (the Kubernetes ServiceAccount's principal).
    `grants` are the secret bindings: what reads the secrets (the secret sync) must depend on them."""

    email: pulumi.Output[str]
    member: str
    grants: list[pulumi.Resource]

    def __init__(self, name: str, args: WorkloadIdentityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        opts_child = pulumi.ResourceOptions(parent=self)
        account = args.account.account if args.account else gcp.serviceaccount.Account(
            child(name, "sa"), account_id=account_id(args.prefix), project=args.project,
            display_name="LangGraph Agent Server on GKE",
            description=f"Pods of {args.namespace}/{args.service_account}; reads only their own secrets",
            opts=opts_child)
        self.member = kubernetes_member(args.workload_pool, args.namespace, args.service_account)
        binding = gcp.serviceaccount.IAMMember(
            child(name, "workload-identity"), service_account_id=account.name, role=WORKLOAD_IDENTITY_USER,
            member=self.member, opts=opts_child)
        self.grants = [binding, *args.secrets.grant_read("gke", account.member, args.secret_names)]
        self.project_grants = [
            gcp.projects.IAMMember(child(name, role.split("/")[1]), project=args.project, role=role,
                                   member=account.member, opts=opts_child)
            for role in args.project_roles]
        self.email = account.email
        self.register_outputs({"email": self.email, "member": self.member})

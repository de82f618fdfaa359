"""DatabaseBootstrap: the server's least-privilege Postgres role, made at deploy time inside the VPC.

A Cloud Run job on the same Direct VPC egress as the services runs `langgraph_infra.db_bootstrap` (the same file
every target ships, as `db_bootstrap.command()`) in the app's own image, whose Python has psycopg (for a JavaScript
app, whose image has no Python, in the runner image `server.bootstrap_image` builds). `pulumi up` runs it
through the job's `run_execution_token` and waits for the execution to complete: a new token (the SQL, the
extensions or a secret's version changed) runs it again. The master's URI lives in a secret of its own that only
the job's service account reads; the execution's logs are in Cloud Logging under the job's name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from .. import db_bootstrap
from ..naming import bounded, child
from .secrets import READ_ROLE, Secrets, replication_for

TYPE = "langgraph-infra:gcp:DatabaseBootstrap"
JOB_NAME_LIMIT = 49
ACCOUNT_ID_LIMIT = 30
TOKEN_LENGTH = 16
TIMEOUT_SECONDS = 300


def execution_token(fingerprint: str, *versions: str) -> str:
    """The job's execution token: short (it suffixes the execution's name) and new whenever an input is."""
    return hashlib.sha256("\n".join([fingerprint, *versions]).encode()).hexdigest()[:TOKEN_LENGTH]


@dataclass
class DatabaseBootstrapArgs:
    """Where the job runs and what it reads; the database it bootstraps is the one in the POSTGRES_URI secret."""

    prefix: str
    """Prefix of physical names: the job is `<prefix>-db-bootstrap`, the master's secret
    `<prefix>-postgres-master`."""
    region: str
    """Region of the job (the services')."""
    image: pulumi.Input[str]
    """An image with Python and a Postgres driver, by digest (`server.bootstrap_image`): the app's Agent Server
    image for a Python app, the bootstrap's runner image for a JavaScript one."""
    network_id: pulumi.Input[str]
    """The VPC of the Direct VPC egress (the Cloud SQL instance's private IP is in it)."""
    subnet_id: pulumi.Input[str]
    """Subnet of the Direct VPC egress."""
    master_uri: pulumi.Input[str]
    """The built-in user's URI (a secret Output): stored in a secret only the job reads."""
    secrets: Secrets
    """The stack's secrets: the job reads POSTGRES_URI (the role, password and database to make) from them."""
    role: str
    """The server's role (`postgres.server_username`)."""
    database: str
    """The server's database (`postgres.database_name`)."""
    extensions: list[str] = field(default_factory=list)
    """Extensions to create as the master (`vector` for an app with `store.index`). Default: no extension is
    created."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What must exist before the job runs (the database). Default: nothing."""
    kms_key: pulumi.Input[str] | None = None
    """Cloud KMS key of the master's secret (`encryption`), replicated in `region` only. Default: none,
    Google-managed keys and automatic replication."""
    scaler: str | None = None
    """The scaler's login (`db_bootstrap.scaler_role`): the job reads its URI from the secret of that name
    (`db_bootstrap.SCALER_URI_ENV`) and makes it with the function it may call. Default: none, no scaler login."""
    iam_user: pulumi.Input[str] | None = None
    """Cloud SQL IAM authentication (`Database.iam_user`): the login POSTGRES_URI names, which Cloud SQL made for the
    server's service account; `role` is then made NOLOGIN and granted to it. Default: none, `role` logs in with the
    password in POSTGRES_URI."""


class DatabaseBootstrap(pulumi.ComponentResource):
    """Outputs: `job_name`, `service_account`. `job` is the resource to depend on: it is ready only once an
    execution has completed."""

    job_name: pulumi.Output[str]
    service_account: pulumi.Output[str]
    job: gcp.cloudrunv2.Job

    def __init__(self, name: str, args: DatabaseBootstrapArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        a = args
        opts_child = pulumi.ResourceOptions(parent=self)
        server_env = db_bootstrap.SERVER_URI_ENV
        account = gcp.serviceaccount.Account(
            child(name, "sa"), account_id=bounded(f"{a.prefix}-db-bootstrap", ACCOUNT_ID_LIMIT),
            display_name="LangGraph database bootstrap",
            description="Creates the Agent Server's Postgres role; reads the master's secret", opts=opts_child)
        master = gcp.secretmanager.Secret(
            child(name, "master"), secret_id=f"{a.prefix}-postgres-master",
            replication=replication_for(a.kms_key, a.region),
            annotations={"purpose": "The Postgres master user's URI: read only by the database bootstrap"},
            opts=opts_child)
        master_version = gcp.secretmanager.SecretVersion(child(name, "master"), secret=master.id,
                                                         secret_data=pulumi.Output.secret(a.master_uri),
                                                         opts=opts_child)
        grants = [
            gcp.secretmanager.SecretIamMember(child(name, "read-master"), secret_id=master.id, role=READ_ROLE,
                                              member=account.member, opts=opts_child),
            *a.secrets.grant_read("db-bootstrap", account.member,
                                  [server_env, *([db_bootstrap.SCALER_URI_ENV] if a.scaler else [])]),
        ]
        server_ref = a.secrets.refs[server_env]
        scaler_ref = a.secrets.refs[db_bootstrap.SCALER_URI_ENV] if a.scaler else None
        grant = db_bootstrap.IamGrant.CLOUD_SQL_IAM if a.iam_user is not None else db_bootstrap.IamGrant.NONE
        token = pulumi.Output.all(a.iam_user, server_ref.version, master_version.version,
                                  *([scaler_ref.version] if scaler_ref else [])).apply(
            lambda v: execution_token(db_bootstrap.fingerprint(
                a.role, a.database, extensions=a.extensions, iam_grant=grant, login=v[0],
                password_mode=v[0] is None, scaler=a.scaler), *map(str, v[1:])))
        scaler_env: list[gcp.cloudrunv2.JobTemplateTemplateContainerEnvArgsDict] = [
            {"name": db_bootstrap.SCALER_URI_ENV, "value_source": {"secret_key_ref": {
                "secret": scaler_ref.secret, "version": scaler_ref.version}}}] if scaler_ref else []
        iam_env: list[gcp.cloudrunv2.JobTemplateTemplateContainerEnvArgsDict] = [
            {"name": db_bootstrap.IAM_GRANT_ENV, "value": grant.value},
            {"name": db_bootstrap.OWNER_ROLE_ENV, "value": a.role}] if a.iam_user is not None else []
        self.job = gcp.cloudrunv2.Job(
            child(name, "job"),
            name=bounded(f"{a.prefix}-db-bootstrap", JOB_NAME_LIMIT),
            location=a.region,
            # It holds nothing: deleting it loses no data.
            deletion_protection=False,
            run_execution_token=token,
            template={"task_count": 1, "template": {
                "service_account": account.email,
                "max_retries": 1,
                "timeout": f"{TIMEOUT_SECONDS}s",
                "vpc_access": {"egress": "PRIVATE_RANGES_ONLY",
                               "network_interfaces": [{"network": a.network_id, "subnetwork": a.subnet_id}]},
                "containers": [{
                    "name": "bootstrap",
                    "image": a.image,
                    "commands": db_bootstrap.command(),
                    "envs": [
                        {"name": db_bootstrap.EXTENSIONS_ENV, "value": ",".join(sorted(set(a.extensions)))},
                        *iam_env,
                        {"name": db_bootstrap.MASTER_URI_ENV, "value_source": {"secret_key_ref": {
                            "secret": master.secret_id, "version": master_version.version}}},
                        {"name": server_env, "value_source": {"secret_key_ref": {
                            "secret": server_ref.secret, "version": server_ref.version}}},
                        *scaler_env,
                    ],
                    "resources": {"limits": {"cpu": "1", "memory": "512Mi"}},
                }],
            }},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*a.depends_on, *grants]),
        )
        self.job_name = self.job.name
        self.service_account = account.email
        self.register_outputs({"job_name": self.job_name, "service_account": self.service_account})

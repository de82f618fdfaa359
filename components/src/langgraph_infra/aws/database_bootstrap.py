"""DatabaseBootstrap: the server's least-privilege Postgres role, made at deploy time inside the VPC.

A Lambda function in the private subnets runs `langgraph_infra.db_bootstrap` (the same file every target ships, with
the pure-Python pg8000 driver packaged beside it) as the master user, and an `aws.lambda_.Invocation` runs it during
`pulumi up`: again whenever the SQL, the extensions or the server's password (the version of its POSTGRES_URI
secret) change. The master's URI lives in a secret of its own that only this function may read; its log group, with
the stack's retention, is the step's record.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws

from .. import contract, db_bootstrap
from ..naming import child
from . import policies
from .network import allow_port, private_security_group
from .trust import service_trust

TYPE = "langgraph-infra:aws:DatabaseBootstrap"
RUNTIME = "python3.12"
HANDLER = "db_bootstrap.handler"
# The driver and what it imports, all pure Python: the package runs on any Lambda architecture.
DRIVER_DISTRIBUTIONS = ("pg8000", "scramp", "asn1crypto", "python-dateutil", "six")
TIMEOUT_SECONDS = 120


def package_files() -> dict[str, Path]:
    """The Lambda package, by path inside the zip: the bootstrap module and the installed driver distributions
    (their metadata too: pg8000 reads its own version from it). Paths are relative to the working directory, as the
    app folder's are, so state holds the same ones on every machine."""
    files = {"db_bootstrap.py": Path(db_bootstrap.__file__)}
    for name in DRIVER_DISTRIBUTIONS:
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError as missing:
            raise RuntimeError(f"{name} is not installed: the database bootstrap's Lambda package needs it "
                               "(pip install 'langgraph-infra[aws]')") from missing
        for item in dist.files or []:
            if item.parts[0] == ".." or "__pycache__" in item.parts or item.suffix == ".pyc":
                continue
            path = Path(str(dist.locate_file(item)))
            if path.is_file():
                files[item.as_posix()] = path
    return {k: Path(os.path.relpath(v)) for k, v in sorted(files.items())}


def bootstrap_policy(log_group_arn: str, secret_arns: list[str], security_group_arn: str,
                     kms_key_arns: list[str] | None = None, region: str = "") -> str:
    """What the function needs: its own log group, the two secrets, and the network interfaces Lambda attaches with
    its security group, in its account and region (the Describe actions take no resource scope)."""
    account_ec2 = ":".join(security_group_arn.split(":")[:5])
    interfaces = f"{account_ec2}:network-interface/*"
    return policies.document([
        policies.write_logs([log_group_arn]),
        policies.read_secrets(secret_arns),
        *([policies.decrypt_secrets(kms_key_arns, region)] if kms_key_arns else []),
        {"Sid": "AttachToVpc", "Effect": "Allow", "Action": ["ec2:CreateNetworkInterface"],
         "Resource": [interfaces, security_group_arn, f"{account_ec2}:subnet/*"]},
        {"Sid": "ManageOwnInterfaces", "Effect": "Allow", "Action": [
            "ec2:AssignPrivateIpAddresses", "ec2:DeleteNetworkInterface", "ec2:UnassignPrivateIpAddresses"],
         "Resource": [interfaces]},
        {"Sid": "SeeVpc", "Effect": "Allow", "Action": ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
         "Resource": "*"},
    ])


@dataclass
class DatabaseBootstrapArgs:
    """Where the function runs and what it reads; the database it bootstraps is the one in `server_uri`."""

    name_prefix: str
    """Prefix of physical names: the function is `<name_prefix>-db-bootstrap`, the master's secret
    `<name_prefix>/postgres-master`."""
    vpc_id: pulumi.Input[str]
    """The VPC of the function's security group."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets the function runs in: they reach the database, and Secrets Manager through NAT."""
    database_security_group_id: pulumi.Input[str]
    """The database's security group: the component opens its Postgres port to the function (and the function
    reaches nothing else but HTTPS)."""
    master_uri: pulumi.Input[str]
    """The master user's URI (a secret Output): stored in a secret only the function reads."""
    server_secret_arn: pulumi.Input[str]
    """The POSTGRES_URI secret the containers read: the role, password and database the bootstrap makes."""
    server_secret_version: pulumi.Input[str]
    """The current version id of that secret: a new value (a rotated password) reruns the bootstrap."""
    role: str
    """The server's role (`postgres.server_username`)."""
    database: str
    """The server's database (`postgres.database_name`)."""
    extensions: list[str] = field(default_factory=list)
    """Extensions to create as the master (`vector` for an app with `store.index`). Default: no extension is
    created."""
    iam: bool = False
    """IAM database authentication: the role gets no password and `rds_iam` (the server signs in with a token from
    its task role). Default: off (the password in `server_secret_arn`'s URI)."""
    log_retention_days: int = 30
    """Retention of the function's log group, the record of every run. Default: 30."""
    recovery_window_days: int = 7
    """Days the master's secret can be restored after deletion (0 in dev stacks). Default: 7."""
    kms_key_arn: pulumi.Input[str] | None = None
    """Customer KMS key of the master's secret and the function's log group (`encryption`); the function may
    decrypt with it through Secrets Manager only. Default: none, the services' own keys."""
    region: str = ""
    """Region of the function (the `kms:ViaService` condition names it). Default: the provider's (needed only with
    `kms_key_arn`)."""
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    """What must exist before the bootstrap runs (the database instance and its ingress rule). Default: nothing."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags on every resource created. Default: none beyond the provider's default tags."""


class DatabaseBootstrap(pulumi.ComponentResource):
    """Outputs: `function_name`, `security_group_id`, `log_group_name`, `result` (the invocation's JSON answer).

    `invocation` is the resource to depend on: the server must not start before its role exists."""

    function_name: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    result: pulumi.Output[str]
    invocation: aws.lambda_.Invocation

    def __init__(self, name: str, args: DatabaseBootstrapArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        a = args
        opts_child = pulumi.ResourceOptions(parent=self)
        function_name = f"{a.name_prefix}-db-bootstrap"
        master_secret = aws.secretsmanager.Secret(
            child(name, "master"), name=f"{a.name_prefix}/postgres-master",
            description="The Postgres master user's URI: read only by the database bootstrap",
            recovery_window_in_days=a.recovery_window_days, kms_key_id=a.kms_key_arn, tags=a.tags, opts=opts_child)
        master_version = aws.secretsmanager.SecretVersion(
            child(name, "master"), secret_id=master_secret.id, secret_string=pulumi.Output.secret(a.master_uri),
            opts=opts_child)

        self.security_group = private_security_group(child(name, "sg"), parent=self, vpc_id=a.vpc_id,
                                                     description="Database bootstrap: Postgres and HTTPS out",
                                                     tags=a.tags)
        egress = [
            allow_port(child(name, "db-from-bootstrap"), parent=self, security_group_id=a.database_security_group_id,
                       port=contract.POSTGRES_PORT, source_security_group_id=self.security_group.id,
                       description="Postgres from the database bootstrap"),
            aws.vpc.SecurityGroupEgressRule(child(name, "to-db"), security_group_id=self.security_group.id,
                                            referenced_security_group_id=a.database_security_group_id,
                                            ip_protocol="tcp", from_port=contract.POSTGRES_PORT,
                                            to_port=contract.POSTGRES_PORT, description="Postgres",
                                            opts=opts_child),
            # Secrets Manager's API, through NAT.
            aws.vpc.SecurityGroupEgressRule(child(name, "to-https"), security_group_id=self.security_group.id,
                                            cidr_ipv4="0.0.0.0/0", ip_protocol="tcp", from_port=443, to_port=443,
                                            description="HTTPS", opts=opts_child),
        ]
        log_group = aws.cloudwatch.LogGroup(child(name, "logs"), name=f"/aws/lambda/{function_name}",
                                            retention_in_days=a.log_retention_days, kms_key_id=a.kms_key_arn,
                                            tags=a.tags, opts=opts_child)
        # Lambda names no source ARN when it assumes an execution role (AWS's own examples condition on the account
        # alone): the account condition still keeps another account's functions from using this role.
        role = aws.iam.Role(child(name, "role"), assume_role_policy=service_trust("lambda.amazonaws.com", None, parent=self),
                            description="The database bootstrap function", tags=a.tags, opts=opts_child)
        policy = aws.iam.RolePolicy(
            child(name, "role"), role=role.id,
            policy=pulumi.Output.all(log_group.arn, master_secret.arn, a.server_secret_arn,
                                     self.security_group.arn, a.kms_key_arn or "").apply(
                lambda v: bootstrap_policy(v[0], [v[1], v[2]], v[3], [v[4]] if v[4] else [], a.region)),
            opts=opts_child)
        function = aws.lambda_.Function(
            child(name, "function"), name=function_name, runtime=RUNTIME, handler=HANDLER, role=role.arn,
            code=pulumi.AssetArchive({k: pulumi.FileAsset(str(v)) for k, v in package_files().items()}),
            timeout=TIMEOUT_SECONDS, memory_size=256, architectures=["arm64"],
            description="Creates the Agent Server's Postgres role (langgraph_infra.db_bootstrap)",
            vpc_config=aws.lambda_.FunctionVpcConfigArgs(subnet_ids=list(a.subnet_ids),
                                                         security_group_ids=[self.security_group.id]),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="Text", log_group=log_group.name),
            tags=a.tags, opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, log_group]))
        grant = db_bootstrap.IamGrant.RDS_IAM if a.iam else db_bootstrap.IamGrant.NONE
        event = pulumi.Output.all(master_secret.arn, a.server_secret_arn).apply(lambda v: json.dumps({
            "master_secret_arn": v[0], "server_secret_arn": v[1], "extensions": sorted(a.extensions),
            "iam_grant": grant.value}, sort_keys=True))
        self.invocation = aws.lambda_.Invocation(
            child(name, "run"), function_name=function.name, input=event,
            # A change of any of these runs the bootstrap again at the next `pulumi up`.
            triggers={"sql": db_bootstrap.fingerprint(a.role, a.database, extensions=a.extensions, iam_grant=grant,
                                                      password_mode=not a.iam),
                      "server_secret_version": a.server_secret_version,
                      "master_secret_version": master_version.version_id},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*a.depends_on, *egress, master_version]))
        self.function_name = function.name
        self.security_group_id = self.security_group.id
        self.log_group_name = log_group.name
        self.result = self.invocation.result
        self.register_outputs({"function_name": self.function_name, "security_group_id": self.security_group_id,
                               "log_group_name": self.log_group_name})

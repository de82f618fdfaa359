"""IAM policy documents as plain functions (checked by parliament in the tests): each role gets exactly what its
intent needs, on exactly the resources it names."""

from __future__ import annotations

import json
from typing import Any


def document(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def assume_role(service: str, account_id: str, source_arn: str | None) -> str:
    """Trust one AWS service, and only while it acts for this account's own resources (`source_arn`, an `ArnLike`
    pattern): without the source conditions any customer of the service could have it assume the role for them
    (the confused deputy). `source_arn` None: the account only, for a service that names no source when it assumes
    a role (Lambda and its execution roles)."""
    condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account_id}}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    return document([{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole",
                      "Condition": condition}])


def caller_partition(caller_arn: str) -> str:
    """`aws`, `aws-cn` or `aws-us-gov`, from the deploying identity's ARN (no extra lookup)."""
    return caller_arn.split(":")[1]


def ecs_source_arn(partition: str, region: str, account_id: str) -> str:
    """Every ECS resource of the account in the region: ECS names the task (not yet known) as the source when it
    assumes a task or execution role, so the pattern cannot be narrower than the account's ECS ARNs."""
    return f"arn:{partition}:ecs:{region}:{account_id}:*"


def flow_log_source_arn(partition: str, region: str, account_id: str) -> str:
    """The account's VPC flow logs in the region: the source VPC Flow Logs names when it assumes its role."""
    return f"arn:{partition}:ec2:{region}:{account_id}:vpc-flow-log/*"


def read_secrets(secret_arns: list[str]) -> dict[str, Any]:
    return {"Sid": "ReadOwnSecrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
            "Resource": sorted(set(secret_arns))}


def decrypt_secrets(kms_key_arns: list[str], region: str) -> dict[str, Any]:
    """kms:Decrypt on the customer keys of adopted secrets, only when Secrets Manager asks on the role's behalf."""
    return {"Sid": "DecryptOwnSecrets", "Effect": "Allow", "Action": ["kms:Decrypt"],
            "Resource": sorted(set(kms_key_arns)),
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}}}


def write_logs(log_group_arns: list[str]) -> dict[str, Any]:
    return {"Sid": "WriteOwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            # `<group arn>:*` is the group and its streams: CreateLogStream is checked on the group, PutLogEvents on
            # the stream.
            "Resource": sorted(f"{arn.removesuffix(':*')}:*" for arn in log_group_arns)}


def pull_image(repository_arn: str) -> list[dict[str, Any]]:
    # GetAuthorizationToken has no resource scope in IAM: "*" is the only valid resource for it.
    return [
        {"Sid": "EcrLogin", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {"Sid": "PullOwnImage", "Effect": "Allow",
         "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
         "Resource": [repository_arn]},
    ]


def execution_role(secret_arns: list[str], log_group_arn: str, repository_arn: str | None,
                   kms_key_arns: list[str] | None = None, region: str = "") -> str:
    """What ECS itself needs to start a task: pull the image, write its logs, resolve its secrets."""
    statements = [read_secrets(secret_arns), write_logs([log_group_arn])]
    if kms_key_arns:
        statements.append(decrypt_secrets(kms_key_arns, region))
    if repository_arn:
        statements += pull_image(repository_arn)
    return document(statements)


def connect_database(db_user_arns: list[str]) -> str:
    """IAM database authentication: sign in as exactly these database users (`rds-db:connect`), nothing else."""
    return document([{"Sid": "ConnectAsServerRole", "Effect": "Allow", "Action": ["rds-db:connect"],
                      "Resource": sorted(db_user_arns)}])


def deliver_flow_logs(log_group_arn: str) -> str:
    """What the VPC Flow Logs service needs to write into one log group."""
    return document([{"Sid": "DeliverFlowLogs", "Effect": "Allow",
                      "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                      "Resource": [log_group_arn.removesuffix(":*"), f"{log_group_arn.removesuffix(':*')}:*"]}])


def exec_command() -> str:
    """ECS Exec (`aws ecs execute-command`): the task role opens SSM message channels."""
    return document([{"Sid": "EcsExec", "Effect": "Allow", "Action": [
        "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"], "Resource": "*"}])

"""StackKey: the customer-managed KMS key of `encryption` (adopted by ARN, or created with yearly rotation), used
for RDS storage and Performance Insights, ElastiCache at rest, ECR, the created secrets and every log group.

A created key's policy lets the account administer and use it through IAM (the account root statement, as KMS's
default policy does) and lets CloudWatch Logs use it for this account's log groups in the region only. An adopted
key must allow the same to CloudWatch Logs (`logs.REGION.amazonaws.com`); its policy is the owner's. ALB access
logs stay on SSE-S3: they support no other encryption.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ..naming import child
from . import policies

TYPE = "langgraph-infra:aws:StackKey"


def key_policy(account_id: str, partition: str, region: str) -> str:
    """The created key's policy: IAM decides for the account's principals; CloudWatch Logs may use the key only
    for this account's log groups in this region."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdministersThroughIam", "Effect": "Allow",
         "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "CloudWatchLogsOfThisAccount", "Effect": "Allow",
         "Principal": {"Service": f"logs.{region}.amazonaws.com"},
         "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
         "Resource": "*",
         "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                   f"arn:{partition}:logs:{region}:{account_id}:log-group:*"}}},
    ]}, sort_keys=True)


@dataclass
class StackKeyArgs:
    """Adopt `key_arn`, or create a key (`create`)."""

    alias: str
    """The created key's alias, without `alias/` (the stack's prefix)."""
    region: str
    """The key's region (the provider's)."""
    key_arn: str | None = None
    """An existing key to use. Default: none, and a key is created."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags on the created key. Default: none beyond the provider's default tags."""


class StackKey(pulumi.ComponentResource):
    """Outputs: `key_arn`."""

    key_arn: pulumi.Output[str]

    def __init__(self, name: str, args: StackKeyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        if args.key_arn:
            self.key_arn = pulumi.Output.from_input(args.key_arn)
        else:
            caller = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self))
            key = aws.kms.Key(
                child(name, "key"), description=f"{args.alias}: data, secrets, images and logs",
                enable_key_rotation=True, rotation_period_in_days=365, deletion_window_in_days=30,
                policy=pulumi.Output.all(caller.account_id, caller.arn).apply(
                    lambda v: key_policy(v[0], policies.caller_partition(v[1]), args.region)),
                tags=args.tags, opts=pulumi.ResourceOptions(parent=self, protect=False))
            aws.kms.Alias(child(name, "alias"), name=f"alias/{args.alias}", target_key_id=key.key_id,
                          opts=pulumi.ResourceOptions(parent=self))
            self.key_arn = key.arn
        self.register_outputs({"key_arn": self.key_arn})

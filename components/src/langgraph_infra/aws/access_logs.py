"""AccessLogs: the load balancer's request log, in an S3 bucket of its own.

The bucket is encrypted with SSE-S3 (AES256): ALB access logs support no other server-side encryption, so a
customer KMS key (`encryption.kms_key`) cannot apply here, and that is stated rather than half-done. Public access
is blocked, objects belong to the bucket owner (ACLs off), every request must use TLS (`aws:SecureTransport`), and
objects expire after `retention_days`. Only the ELB log-delivery service may write, only under this account's
prefix, and only for this account's load balancers in the region (`aws:SourceAccount`, `aws:SourceArn`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ..naming import child
from . import policies

TYPE = "langgraph-infra:aws:AccessLogs"
LOG_DELIVERY = "logdelivery.elasticloadbalancing.amazonaws.com"
PREFIX = "alb"


@dataclass
class AccessLogsArgs:
    """A bucket for one stack's load balancer access logs."""

    name_prefix: str
    """Start of the bucket's name (S3 adds a unique suffix: bucket names are global)."""
    region: str
    """The load balancer's region (the bucket must be in it; the delivery condition names it)."""
    retention_days: int
    """Days before a log object expires (`audit.access_log_retention_days`)."""
    force_destroy: bool = False
    """Let `pulumi destroy` delete a bucket that still holds logs. Default: off (dev turns it on with the stack's
    other unprotected resources)."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags on the bucket. Default: none beyond the provider's default tags."""


def bucket_policy(bucket_arn: str, account_id: str, partition: str, region: str) -> str:
    """TLS only for everyone; PutObject for the ELB log-delivery service, for this account's load balancers only."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [bucket_arn, f"{bucket_arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "ElbLogDelivery", "Effect": "Allow", "Principal": {"Service": LOG_DELIVERY}, "Action": "s3:PutObject",
         "Resource": f"{bucket_arn}/{PREFIX}/AWSLogs/{account_id}/*",
         "Condition": {"StringEquals": {"aws:SourceAccount": account_id},
                       "ArnLike": {"aws:SourceArn": f"arn:{partition}:elasticloadbalancing:{region}:{account_id}:"
                                                    "loadbalancer/*"}}},
    ]}, sort_keys=True)


class AccessLogs(pulumi.ComponentResource):
    """Outputs: `bucket` (its name), `bucket_arn`. `access_logs()` is the load balancer's `access_logs` argument."""

    bucket: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AccessLogsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        o = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(child(name, "bucket"), bucket_prefix=f"{args.name_prefix}-alb-logs-"[:37],
                               force_destroy=args.force_destroy, tags=args.tags, opts=o)
        aws.s3.BucketPublicAccessBlock(child(name, "public-access"), bucket=bucket.id, block_public_acls=True,
                                       block_public_policy=True, ignore_public_acls=True,
                                       restrict_public_buckets=True, opts=o)
        aws.s3.BucketOwnershipControls(child(name, "ownership"), bucket=bucket.id,
                                       rule={"object_ownership": "BucketOwnerEnforced"}, opts=o)
        # SSE-S3: the only server-side encryption ALB access logs support.
        aws.s3.BucketServerSideEncryptionConfiguration(
            child(name, "encryption"), bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}], opts=o)
        aws.s3.BucketLifecycleConfiguration(
            child(name, "lifecycle"), bucket=bucket.id, rules=[{
                "id": "expire-access-logs", "status": "Enabled", "filter": {"prefix": f"{PREFIX}/"},
                "expiration": {"days": args.retention_days},
                "abort_incomplete_multipart_upload": {"days_after_initiation": 1}}], opts=o)
        caller = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self))
        self._policy = aws.s3.BucketPolicy(
            child(name, "policy"), bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, caller.account_id, caller.arn).apply(
                lambda v: bucket_policy(v[0], v[1], policies.caller_partition(v[2]), args.region)), opts=o)
        self.bucket = bucket.bucket
        self.bucket_arn = bucket.arn
        self.register_outputs({"bucket": self.bucket, "bucket_arn": self.bucket_arn})

    def access_logs(self) -> aws.lb.LoadBalancerAccessLogsArgs:
        """The load balancer's `access_logs`: on, into this bucket under `alb/`."""
        return aws.lb.LoadBalancerAccessLogsArgs(bucket=self.bucket, prefix=PREFIX, enabled=True)

    @property
    def ready(self) -> pulumi.Resource:
        """The bucket policy: the load balancer must wait for it (ELB checks it can write when logging is set)."""
        return self._policy

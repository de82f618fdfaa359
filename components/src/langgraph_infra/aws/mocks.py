"""Computed outputs of AWS resources and data sources for the offline plan (no pulumi_aws import).

Every value names the region of the provider the resource is registered with (`where.region`); the account is the
documentation placeholder 123456789012 and whatever AWS would invent carries `mock` (see langgraph_infra.mocks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..mocks import ACCOUNT, Where, mock_secret

DEFAULT_REGION = "us-east-1"
_DIRECTIONS = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
               "northeast": "ne", "southeast": "se", "northwest": "nw", "southwest": "sw"}


def region(where: Where) -> str:
    return where.region or DEFAULT_REGION


def short_region(where: Where) -> str:
    """`us-east-1` -> `use1`, as AWS abbreviates a region in ElastiCache hosts and zone ids."""
    parts = region(where).split("-")
    return "".join([parts[0], *(_DIRECTIONS.get(p, p[:1]) for p in parts[1:-1]), parts[-1]])


def _arn(where: Where, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{region(where)}:{ACCOUNT}:{resource}"


def _physical(name: str, inputs: dict[str, Any], key: str = "name") -> str:
    return inputs.get(key) or f"{name}-mock"


def _named(service: str, kind: str) -> Callable[[str, dict[str, Any], Where], dict[str, Any]]:
    def outputs(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
        physical = _physical(name, inputs)
        return {"arn": _arn(where, service, f"{kind}{physical}"), "name": physical}
    return outputs


def _rds(n: str, i: dict[str, Any], w: Where) -> dict[str, Any]:
    host = f"{n}.mock.{region(w)}.rds.amazonaws.com"
    return {"address": host, "port": 5432, "endpoint": f"{host}:5432", "arn": _arn(w, "rds", f"db:{n}"),
            "resourceId": "db-MOCK0000000000000000000000"}


def _load_balancer(n: str, i: dict[str, Any], w: Where) -> dict[str, Any]:
    return {"arn": _arn(w, "elasticloadbalancing", f"loadbalancer/app/{n}/mock000000000000"),
            "arnSuffix": f"app/{n}/mock000000000000", "dnsName": f"{n}-mock.{region(w)}.elb.amazonaws.com",
            "zoneId": "ZMOCK0000000"}


def _certificate(n: str, i: dict[str, Any], w: Where) -> dict[str, Any]:
    domain = i.get("domainName")
    return {"arn": _arn(w, "acm", f"certificate/{n}-mock"),
            "domainValidationOptions": [{
                "domainName": domain, "resourceRecordName": f"_mock.{domain}.", "resourceRecordType": "CNAME",
                "resourceRecordValue": "_mock.acm-validations.aws.",
            }]}


OUTPUTS = {
    "aws:ec2/vpc:Vpc": lambda n, i, w: {"arn": _arn(w, "ec2", f"vpc/{n}")},
    "aws:ec2/securityGroup:SecurityGroup": lambda n, i, w: {"arn": _arn(w, "ec2", f"security-group/{n}")},
    "aws:rds/instance:Instance": _rds,
    "aws:elasticache/replicationGroup:ReplicationGroup": lambda n, i, w: {
        "primaryEndpointAddress": f"master.{n}.mock.{short_region(w)}.cache.amazonaws.com", "port": 6379,
        "arn": _arn(w, "elasticache", f"replicationgroup:{n}"),
    },
    "aws:ecr/repository:Repository": lambda n, i, w: {
        "repositoryUrl": f"{ACCOUNT}.dkr.ecr.{region(w)}.amazonaws.com/{i.get('name', n)}",
        "registryId": ACCOUNT, "arn": _arn(w, "ecr", f"repository/{i.get('name', n)}"),
    },
    "aws:secretsmanager/secret:Secret": lambda n, i, w: {
        "arn": _arn(w, "secretsmanager", f"secret:{i.get('name', n)}-mock00"),
    },
    # What AWS returns is a UUID; the one here names the version's resource, so a test can tell whose it is.
    "aws:secretsmanager/secretVersion:SecretVersion": lambda n, i, w: {"versionId": f"{n}-mock-version"},
    "aws:wafv2/webAcl:WebAcl": lambda n, i, w: {
        "arn": _arn(w, "wafv2", f"regional/webacl/{i.get('name', n)}/mock0000-0000-0000-0000-000000000000"),
    },
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": lambda n, i, w: {
        "arn": _arn(w, "elasticloadbalancing", f"targetgroup/{n}/mock000000000000"),
        "arnSuffix": f"targetgroup/{n}/mock000000000000",
    },
    "aws:iam/role:Role": lambda n, i, w: {"arn": f"arn:aws:iam::{ACCOUNT}:role/{_physical(n, i)}",
                                          "name": _physical(n, i)},
    "aws:ecs/cluster:Cluster": _named("ecs", "cluster/"),
    "aws:ecs/taskDefinition:TaskDefinition": lambda n, i, w: {
        "arn": _arn(w, "ecs", f"task-definition/{i.get('family', n)}:1"), "revision": 1,
    },
    "aws:ecs/service:Service": lambda n, i, w: {"name": i.get("name", n)},
    "aws:cloudwatch/logGroup:LogGroup": _named("logs", "log-group:"),
    "aws:sns/topic:Topic": lambda n, i, w: {"arn": _arn(w, "sns", _physical(n, i)), "name": _physical(n, i)},
    "aws:cloudwatch/dashboard:Dashboard": lambda n, i, w: {
        "dashboardArn": f"arn:aws:cloudwatch::{ACCOUNT}:dashboard/{i.get('dashboardName', n)}"},
    "aws:cloudwatch/metricAlarm:MetricAlarm": lambda n, i, w: {
        "arn": _arn(w, "cloudwatch", f"alarm:{_physical(n, i)}"), "name": _physical(n, i)},
    "aws:kms/key:Key": lambda n, i, w: {"arn": _arn(w, "kms", f"key/{n}-mock"), "keyId": f"{n}-mock"},
    "aws:s3/bucket:Bucket": lambda n, i, w: {
        "bucket": f"{i.get('bucketPrefix') or n}mock", "arn": f"arn:aws:s3:::{i.get('bucketPrefix') or n}mock"},
    "aws:acm/certificate:Certificate": _certificate,
    "aws:acm/certificateValidation:CertificateValidation": lambda n, i, w: {"certificateArn": i.get("certificateArn")},
}

CALLS = {
    "aws:index/getCallerIdentity:getCallerIdentity": lambda a, w: {
        "accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/mock", "userId": "AIDAMOCK", "id": ACCOUNT,
    },
    "aws:index/getRegion:getRegion": lambda a, w: {
        "name": region(w), "region": region(w), "id": region(w), "endpoint": f"ec2.{region(w)}.amazonaws.com",
        "description": region(w),
    },
    "aws:index/getPartition:getPartition": lambda a, w: {
        "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws", "id": "aws",
    },
    "aws:ec2/getVpc:getVpc": lambda a, w: {"id": a.get("id"), "cidrBlock": "10.0.0.0/16",
                                           "arn": _arn(w, "ec2", f"vpc/{a.get('id')}")},
    "aws:index/getAvailabilityZones:getAvailabilityZones": lambda a, w: {
        "names": [f"{region(w)}{z}" for z in "abcdef"],
        "zoneIds": [f"{short_region(w)}-az{k}" for k in range(1, 7)], "id": region(w),
    },
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": lambda a, w: {
        "userName": "AWS", "password": mock_secret("ecr-token"), "authorizationToken": mock_secret("ecr-token"),
        "proxyEndpoint": f"https://{ACCOUNT}.dkr.ecr.{region(w)}.amazonaws.com", "expiresAt": "2099-01-01T00:00:00Z",
        "id": region(w),
    },
    "aws:secretsmanager/getSecret:getSecret": lambda a, w: {
        "arn": _arn(w, "secretsmanager", f"secret:{a.get('name')}-mock00"), "name": a.get("name"),
        "id": a.get("name"),
    },
}

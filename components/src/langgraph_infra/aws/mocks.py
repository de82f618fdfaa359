"""Computed outputs of AWS resources and data sources for the offline plan (no pulumi_aws import)."""

from __future__ import annotations

from typing import Any

from ..mocks import ACCOUNT

REGION = "us-east-1"


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def _named(service: str, kind: str):
    def outputs(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        physical = inputs.get("name") or f"{name}-0a1b2c3"
        return {"arn": _arn(service, f"{kind}{physical}"), "name": physical}
    return outputs


OUTPUTS = {
    "aws:ec2/vpc:Vpc": lambda n, i: {"arn": _arn("ec2", f"vpc/{n}")},
    "aws:ec2/securityGroup:SecurityGroup": lambda n, i: {"arn": _arn("ec2", f"security-group/{n}")},
    "aws:rds/instance:Instance": lambda n, i: {
        "address": f"{n}.c0ffee.{REGION}.rds.amazonaws.com", "port": 5432,
        "endpoint": f"{n}.c0ffee.{REGION}.rds.amazonaws.com:5432", "arn": _arn("rds", f"db:{n}"),
    },
    "aws:elasticache/replicationGroup:ReplicationGroup": lambda n, i: {
        "primaryEndpointAddress": f"master.{n}.c0ffee.use1.cache.amazonaws.com", "port": 6379,
        "arn": _arn("elasticache", f"replicationgroup:{n}"),
    },
    "aws:ecr/repository:Repository": lambda n, i: {
        "repositoryUrl": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{i.get('name', n)}",
        "registryId": ACCOUNT, "arn": _arn("ecr", f"repository/{i.get('name', n)}"),
    },
    "aws:secretsmanager/secret:Secret": lambda n, i: {"arn": _arn("secretsmanager", f"secret:{i.get('name', n)}-AbCdEf")},
    "aws:lb/loadBalancer:LoadBalancer": lambda n, i: {
        "arn": _arn("elasticloadbalancing", f"loadbalancer/app/{n}/50dc6c495c0c9188"),
        "arnSuffix": f"app/{n}/50dc6c495c0c9188", "dnsName": f"{n}-1234567890.{REGION}.elb.amazonaws.com",
        "zoneId": "Z35SXDOTRQ7X7K",
    },
    "aws:lb/targetGroup:TargetGroup": lambda n, i: {
        "arn": _arn("elasticloadbalancing", f"targetgroup/{n}/73e2d6bc24d8a067"),
        "arnSuffix": f"targetgroup/{n}/73e2d6bc24d8a067",
    },
    "aws:iam/role:Role": lambda n, i: {"arn": f"arn:aws:iam::{ACCOUNT}:role/{n}-0a1b2c3", "name": f"{n}-0a1b2c3"},
    "aws:ecs/cluster:Cluster": _named("ecs", "cluster/"),
    "aws:ecs/taskDefinition:TaskDefinition": lambda n, i: {
        "arn": _arn("ecs", f"task-definition/{i.get('family', n)}:1"), "revision": 1,
    },
    "aws:ecs/service:Service": lambda n, i: {"name": i.get("name", n)},
    "aws:cloudwatch/logGroup:LogGroup": _named("logs", "log-group:"),
    "aws:acm/certificate:Certificate": lambda n, i: {
        "arn": _arn("acm", f"certificate/{n}"),
        "domainValidationOptions": [{
            "domainName": i.get("domainName"), "resourceRecordName": f"_x1.{i.get('domainName')}.",
            "resourceRecordType": "CNAME", "resourceRecordValue": "_x2.acm-validations.aws.",
        }],
    },
    "aws:acm/certificateValidation:CertificateValidation": lambda n, i: {"certificateArn": i.get("certificateArn")},
}

CALLS = {
    "aws:ec2/getVpc:getVpc": lambda a: {"id": a.get("id"), "cidrBlock": "10.0.0.0/16",
                                        "arn": _arn("ec2", f"vpc/{a.get('id')}")},
    "aws:index/getAvailabilityZones:getAvailabilityZones": lambda a: {
        "names": [f"{REGION}{z}" for z in "abcdef"], "zoneIds": [f"use1-az{k}" for k in range(1, 7)],
        "id": REGION,
    },
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": lambda a: {
        "userName": "AWS", "password": "plan-ecr-token", "authorizationToken": "plan-ecr-token",
        "proxyEndpoint": f"https://{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com", "expiresAt": "2099-01-01T00:00:00Z",
        "id": REGION,
    },
    "aws:secretsmanager/getSecret:getSecret": lambda a: {
        "arn": _arn("secretsmanager", f"secret:{a.get('name')}-XyZ123"), "name": a.get("name"), "id": a.get("name"),
    },
}

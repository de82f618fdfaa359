"""Computed outputs of GCP resources and data sources for the offline plan (no pulumi_gcp import).

Values come from the inputs where the provider would echo them; the project and region are the provider's
(`where`: the stack's `target.project` and `target.region`); the rest are recognisable placeholders (see
langgraph_infra.mocks): ids `<mock:NAME>`, `mock` in invented names and hosts, project number 123456789012, and
private addresses from the stack's own services range (10.40.16.x by default). The image and generated passwords
are in the neutral mocks.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from ..mocks import Where, mock_secret

DEFAULT_PROJECT = "mock-project"
DEFAULT_REGION = "mock-region1"
PROJECT_NUMBER = "123456789012"
# A syntactically valid, obviously fake PEM: the plan only needs something to base64.
CA_PEM = "-----BEGIN CERTIFICATE-----\n" + base64.b64encode(b"plan mock memorystore ca").decode() + \
    "\n-----END CERTIFICATE-----\n"


def _physical(name: str, inputs: dict[str, Any]) -> str:
    return inputs.get("name") or f"{name}-mock"


def _project(inputs: dict[str, Any], where: Where) -> str:
    return inputs.get("project") or where.project or DEFAULT_PROJECT


def _region(inputs: dict[str, Any], where: Where) -> str:
    return inputs.get("region") or inputs.get("location") or where.region or DEFAULT_REGION


def _network(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
    physical, project = _physical(name, inputs), _project(inputs, where)
    return {"name": physical, "project": project,
            "selfLink": f"https://www.googleapis.com/compute/v1/projects/{project}/global/networks/{physical}"}


def _regional(kind: str) -> Callable[[str, dict[str, Any], Where], dict[str, Any]]:
    def outputs(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
        physical, project = _physical(name, inputs), _project(inputs, where)
        return {"name": physical, "project": project,
                "selfLink": f"https://www.googleapis.com/compute/v1/projects/{project}/regions/"
                            f"{_region(inputs, where)}/{kind}/{physical}"}
    return outputs


def _sql_instance(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
    physical, project = _physical(name, inputs), _project(inputs, where)
    return {"name": physical, "project": project, "privateIpAddress": "10.40.16.3",
            "connectionName": f"{project}:{_region(inputs, where)}:{physical}",
            "selfLink": f"https://sqladmin.googleapis.com/sql/v1beta4/projects/{project}/instances/{physical}"}


def _redis(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
    tls = inputs.get("transitEncryptionMode") == "SERVER_AUTHENTICATION"
    return {"name": _physical(name, inputs), "host": "10.40.16.12", "port": 6378 if tls else 6379,
            "authString": mock_secret("memorystore-auth"), "serverCaCerts": [{"cert": CA_PEM}] if tls else []}


def _repository(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
    return {"name": inputs.get("repositoryId") or name, "project": _project(inputs, where)}


def _secret(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
    secret_id = inputs.get("secretId") or name
    return {"name": f"projects/{PROJECT_NUMBER}/secrets/{secret_id}", "project": _project(inputs, where)}


def _secret_version(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
    return {"version": "1", "name": f"{inputs.get('secret')}/versions/1"}


def _account(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
    project = _project(inputs, where)
    email = f"{inputs.get('accountId') or name}@{project}.iam.gserviceaccount.com"
    return {"email": email, "member": f"serviceAccount:{email}", "name": f"projects/{project}/serviceAccounts/{email}"}


def _run_service(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
    physical = _physical(name, inputs)
    return {"name": physical, "project": _project(inputs, where),
            "uri": f"https://{physical}-mock.{_region(inputs, where)}.run.app"}


# GKE: a cluster's public control-plane endpoint and the Gateway's global address are documentation addresses
# (TEST-NET-1), never a real one.
CLUSTER_ENDPOINT = "192.0.2.10"
GATEWAY_ADDRESS = "192.0.2.20"


def _cluster(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
    physical, project = _physical(name, inputs), _project(inputs, where)
    location = inputs.get("location") or where.region or DEFAULT_REGION
    return {"name": physical, "project": project, "location": location, "endpoint": CLUSTER_ENDPOINT,
            "masterAuth": {"clusterCaCertificate": base64.b64encode(CA_PEM.encode()).decode()},
            "selfLink": f"https://container.googleapis.com/v1/projects/{project}/locations/{location}/clusters/"
                        f"{physical}"}


def _get_cluster(args: dict[str, Any], where: Where) -> dict[str, Any]:
    project = args.get("project") or where.project or DEFAULT_PROJECT
    return {"name": args.get("name"), "location": args.get("location"), "project": project,
            "endpoint": CLUSTER_ENDPOINT,
            "masterAuths": [{"clusterCaCertificate": base64.b64encode(CA_PEM.encode()).decode()}],
            "id": f"projects/{project}/locations/{args.get('location')}/clusters/{args.get('name')}"}


def _global_address(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
    return {"name": _physical(name, inputs), "project": _project(inputs, where),
            "address": inputs.get("address") or GATEWAY_ADDRESS}


def _dns_authorization(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
    domain = inputs.get("domain") or "mock.invalid"
    return {"name": _physical(name, inputs), "dnsResourceRecords": [{
        "name": f"_acme-challenge.{domain}.", "type": "CNAME",
        "data": f"mock.{_project(inputs, where)}.authorize.certificatemanager.goog."}]}


def _domain_mapping(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
    return {"statuses": [{"resourceRecords": [{"name": "", "type": "A", "rrdata": "216.239.32.21"}]}]}


OUTPUTS = {
    "gcp:compute/network:Network": _network,
    "gcp:compute/subnetwork:Subnetwork": _regional("subnetworks"),
    "gcp:compute/router:Router": _regional("routers"),
    "gcp:compute/globalAddress:GlobalAddress": _global_address,
    "gcp:sql/databaseInstance:DatabaseInstance": _sql_instance,
    "gcp:sql/user:User": lambda n, i, w: {"name": i.get("name") or n},
    "gcp:sql/database:Database": lambda n, i, w: {"name": i.get("name") or n},
    "gcp:redis/instance:Instance": _redis,
    "gcp:artifactregistry/repository:Repository": _repository,
    "gcp:secretmanager/secret:Secret": _secret,
    "gcp:secretmanager/secretVersion:SecretVersion": _secret_version,
    "gcp:serviceaccount/account:Account": _account,
    "gcp:cloudrunv2/service:Service": _run_service,
    "gcp:projects/serviceIdentity:ServiceIdentity": lambda n, i, w: {
        "email": f"service-{PROJECT_NUMBER}@gcp-sa-{str(i.get('service', n)).split('.')[0]}.iam.gserviceaccount.com",
        "member": f"serviceAccount:service-{PROJECT_NUMBER}@gcp-sa-{str(i.get('service', n)).split('.')[0]}"
                  ".iam.gserviceaccount.com"},
    "gcp:cloudrunv2/workerPool:WorkerPool": lambda n, i, w: {"name": _physical(n, i), "project": _project(i, w)},
    "gcp:cloudrun/domainMapping:DomainMapping": _domain_mapping,
    "gcp:container/cluster:Cluster": _cluster,
    "gcp:certificatemanager/dnsAuthorization:DnsAuthorization": _dns_authorization,
    "gcp:certificatemanager/certificate:Certificate": lambda n, i, w: {"name": _physical(n, i)},
    "gcp:certificatemanager/certificateMap:CertificateMap": lambda n, i, w: {"name": _physical(n, i)},
}

CALLS = {
    "gcp:container/getCluster:getCluster": _get_cluster,
    "gcp:organizations/getClientConfig:getClientConfig": lambda a, w: {
        "accessToken": mock_secret("gcp-access-token"), "project": w.project or DEFAULT_PROJECT,
        "region": w.region or DEFAULT_REGION, "id": w.project or DEFAULT_PROJECT,
    },
    "gcp:kms/getKMSCryptoKeyVersion:getKMSCryptoKeyVersion": lambda a, w: {
        "id": f"{a.get('cryptoKey')}/cryptoKeyVersions/{int(a.get('version', 1))}", "cryptoKey": a.get("cryptoKey"),
        "version": int(a.get("version", 1)), "algorithm": "EC_SIGN_P256_SHA256", "protectionLevel": "SOFTWARE",
        "state": "ENABLED", "name": f"{a.get('cryptoKey')}/cryptoKeyVersions/{int(a.get('version', 1))}",
        "publicKeys": [{"algorithm": "EC_SIGN_P256_SHA256",
                        "pem": "-----BEGIN PUBLIC KEY-----\nmock\n-----END PUBLIC KEY-----\n"}],
    },
    "gcp:organizations/getProject:getProject": lambda a, w: {
        "projectId": a.get("projectId") or w.project or DEFAULT_PROJECT, "number": PROJECT_NUMBER,
        "name": a.get("projectId") or w.project or DEFAULT_PROJECT,
        "id": f"projects/{a.get('projectId') or w.project or DEFAULT_PROJECT}",
    },
}

"""Computed outputs of GCP resources and data sources for the offline plan (no pulumi_gcp import).

Values come from the inputs where the provider would echo them; the rest are fixed, recognisable placeholders
(resource ids are the plan's own `<name>-id`). The image and generated passwords are in the neutral mocks.
"""

from __future__ import annotations

import base64
from typing import Any

PROJECT = "plan-project"
PROJECT_NUMBER = "123456789012"
# A syntactically valid, obviously fake PEM: the plan only needs something to base64.
CA_PEM = "-----BEGIN CERTIFICATE-----\n" + base64.b64encode(b"plan memorystore ca").decode() + \
    "\n-----END CERTIFICATE-----\n"


def _physical(name: str, inputs: dict[str, Any]) -> str:
    return inputs.get("name") or f"{name}-0a1b2c3"


def _project(inputs: dict[str, Any]) -> str:
    return inputs.get("project") or PROJECT


def _network(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    physical = _physical(name, inputs)
    return {"name": physical, "project": _project(inputs),
            "selfLink": f"https://www.googleapis.com/compute/v1/projects/{_project(inputs)}/global/networks/{physical}"}


def _regional(kind: str):
    def outputs(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        physical = _physical(name, inputs)
        return {"name": physical, "project": _project(inputs),
                "selfLink": f"https://www.googleapis.com/compute/v1/projects/{_project(inputs)}/regions/"
                            f"{inputs.get('region')}/{kind}/{physical}"}
    return outputs


def _sql_instance(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    physical = _physical(name, inputs)
    return {"name": physical, "project": _project(inputs), "privateIpAddress": "10.40.16.3",
            "connectionName": f"{_project(inputs)}:{inputs.get('region')}:{physical}",
            "selfLink": f"https://sqladmin.googleapis.com/sql/v1beta4/projects/{_project(inputs)}/instances/{physical}"}


def _redis(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    tls = inputs.get("transitEncryptionMode") == "SERVER_AUTHENTICATION"
    return {"name": _physical(name, inputs), "host": "10.40.16.12", "port": 6378 if tls else 6379,
            "authString": "plan-memorystore-auth", "serverCaCerts": [{"cert": CA_PEM}] if tls else []}


def _repository(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    repo = inputs.get("repositoryId") or name
    return {"name": repo, "project": _project(inputs)}


def _secret(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    secret_id = inputs.get("secretId") or name
    return {"name": f"projects/{PROJECT_NUMBER}/secrets/{secret_id}", "project": _project(inputs)}


def _secret_version(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"version": "1", "name": f"{inputs.get('secret')}/versions/1"}


def _account(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    email = f"{inputs.get('accountId') or name}@{PROJECT}.iam.gserviceaccount.com"
    return {"email": email, "member": f"serviceAccount:{email}", "name": f"projects/{PROJECT}/serviceAccounts/{email}"}


def _run_service(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    physical = _physical(name, inputs)
    return {"name": physical, "project": _project(inputs), "uri": f"https://{physical}-a1b2c3d4e5-ew.a.run.app"}


def _domain_mapping(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"statuses": [{"resourceRecords": [{"name": "", "type": "A", "rrdata": "216.239.32.21"}]}]}


OUTPUTS = {
    "gcp:compute/network:Network": _network,
    "gcp:compute/subnetwork:Subnetwork": _regional("subnetworks"),
    "gcp:compute/router:Router": _regional("routers"),
    "gcp:compute/globalAddress:GlobalAddress": lambda n, i: {"name": _physical(n, i), "project": _project(i)},
    "gcp:sql/databaseInstance:DatabaseInstance": _sql_instance,
    "gcp:sql/user:User": lambda n, i: {"name": i.get("name") or n},
    "gcp:sql/database:Database": lambda n, i: {"name": i.get("name") or n},
    "gcp:redis/instance:Instance": _redis,
    "gcp:artifactregistry/repository:Repository": _repository,
    "gcp:secretmanager/secret:Secret": _secret,
    "gcp:secretmanager/secretVersion:SecretVersion": _secret_version,
    "gcp:serviceaccount/account:Account": _account,
    "gcp:cloudrunv2/service:Service": _run_service,
    "gcp:cloudrunv2/workerPool:WorkerPool": lambda n, i: {"name": _physical(n, i), "project": _project(i)},
    "gcp:cloudrun/domainMapping:DomainMapping": _domain_mapping,
}

CALLS = {
    "gcp:organizations/getClientConfig:getClientConfig": lambda a: {
        "accessToken": "plan-gcp-access-token", "project": PROJECT, "region": "europe-west1", "id": PROJECT,
    },
    "gcp:organizations/getProject:getProject": lambda a: {
        "projectId": a.get("projectId") or PROJECT, "number": PROJECT_NUMBER, "name": a.get("projectId") or PROJECT,
        "id": f"projects/{a.get('projectId') or PROJECT}",
    },
}

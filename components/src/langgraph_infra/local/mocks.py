"""Computed outputs of pulumi-docker resources for the offline plan (no pulumi_docker import; conventions in
langgraph_infra.mocks)."""

from __future__ import annotations

from typing import Any

from ..mocks import Where, fake_digest


def _remote_image(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
    ref = str(inputs.get("name") or name)
    digest = fake_digest(ref)
    return {"imageId": digest, "repoDigest": f"{ref.split('@')[0].rsplit(':', 1)[0]}@{digest}"}


def _named(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"name": inputs.get("name") or f"{name}-mock"}


OUTPUTS = {
    "docker:index/remoteImage:RemoteImage": _remote_image,
    "docker:index/container:Container": lambda n, i, w: {**_named(n, i), "exitCode": None},
    "docker:index/network:Network": lambda n, i, w: {**_named(n, i), "scope": "local"},
    "docker:index/volume:Volume": lambda n, i, w: {**_named(n, i),
                                                   "mountpoint": f"/var/lib/docker/volumes/{i.get('name', n)}/_data"},
}
CALLS: dict[str, Any] = {}

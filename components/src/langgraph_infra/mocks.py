"""Computed outputs of cloud-neutral resources for the offline plan (what the provider would return).

Each cloud package has a `mocks.py` of the same shape; none imports a cloud SDK.
"""

from __future__ import annotations

import hashlib
from typing import Any

ACCOUNT = "123456789012"


def fake_digest(seed: str) -> str:
    return "sha256:" + hashlib.sha256(seed.encode()).hexdigest()


def _image(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    tags = inputs.get("tags") or [f"registry.invalid/{name}:latest"]
    digest = fake_digest(str(tags[0]))
    return {"digest": digest, "ref": f"{tags[0]}@{digest}"}


def _password(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    length = int(inputs.get("length", 32))
    return {"result": ("plan-generated-" + hashlib.sha256(name.encode()).hexdigest())[:length]}


OUTPUTS = {
    "docker-build:index:Image": _image,
    "random:index/randomPassword:RandomPassword": _password,
}
CALLS: dict[str, Any] = {}

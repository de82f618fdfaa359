"""Computed outputs of cloud-neutral resources for the offline plan (what the provider would return), and the
conventions every target's `mocks.py` follows. None imports a cloud SDK.

A mock table maps a resource type to `outputs(name, inputs, where) -> dict` and a function token to
`call(args, where) -> dict`; `where` is the `Where` of the provider the resource or call is registered with, so
invented values name the stack's own region and project.

Placeholders are recognisable (the plan's legend repeats this):
- a resource's id is `<mock:Type/NAME>` (`mock_id`: `<mock:Subnet/agent-network-private-0>`);
- a value only the cloud knows keeps its real shape (an ARN stays an ARN, a host a host) and carries `mock` where
  the format allows text (`db.mock.eu-west-1.rds.amazonaws.com`, `.../secret:name-mock00`), or the documentation
  placeholders where it does not (AWS account and GCP project number `123456789012`, image digests
  `sha256:00000000...`);
- a secret the mocks invent (a generated password, an auth token) starts with `plan-` (`mock_secret`), and so does
  the placeholder of a `secure:` config value the plan cannot decrypt (`plan-placeholder-<name>`): the plan hides
  both like any secret and `--show-secrets` shows them as `<mock:...>`, never as if they were real.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

ACCOUNT = "123456789012"
MOCK_SECRET_PREFIX = "plan-"
PLACEHOLDER_PREFIX = f"{MOCK_SECRET_PREFIX}placeholder-"
"""What a secret config value the plan has not got becomes (the ciphertext of a `secure:` value cannot be decrypted
without the CLI): `plan-placeholder-<name>`."""


@dataclass(frozen=True)
class Where:
    """The provider a resource or call is registered with, as the stack configured it."""

    region: str | None = None
    """Its region (`aws:region`, the provider's `region`); None when nothing set one."""
    project: str | None = None
    """Its GCP project; None when nothing set one."""


def mock_id(name: str, type_: str) -> str:
    """The id the plan gives resource `name` of type `type_` (a real one is known only after `pulumi up`)."""
    return f"<mock:{type_.rsplit(':', 1)[-1]}/{name}>"


def fake_digest(seed: str) -> str:
    """A valid sha256 digest, recognisable by its eight leading zeros, stable for a seed."""
    return "sha256:00000000" + hashlib.sha256(seed.encode()).hexdigest()[:56]


def mock_secret(kind: str, seed: str = "") -> str:
    """A secret only the cloud (or a generator) would know: `plan-<kind>[-<hash of seed>]`."""
    suffix = f"-{hashlib.sha256(seed.encode()).hexdigest()}" if seed else ""
    return f"{MOCK_SECRET_PREFIX}{kind}{suffix}"


def _image(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
    tags = inputs.get("tags") or [f"registry.invalid/{name}:latest"]
    digest = fake_digest(str(tags[0]))
    return {"digest": digest, "ref": f"{tags[0]}@{digest}"}


# The instant a plan pretends to run at (a real one is `pulumi up`'s time).
PLAN_INSTANT = "2026-01-01T00:00:00Z"


def _password(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
    length = int(inputs.get("length", 32))
    return {"result": mock_secret("generated", name)[:length]}


def _rotating(name: str, inputs: dict[str, Any], where: Where) -> dict[str, Any]:
    """A rotation timer as if created now: the plan's fixed instant, and when the next rotation falls due."""
    due = datetime.fromisoformat(PLAN_INSTANT) + timedelta(days=int(inputs.get("rotationDays") or 0))
    return {"rfc3339": PLAN_INSTANT, "rotationRfc3339": due.strftime("%Y-%m-%dT%H:%M:%SZ")}


OUTPUTS = {
    "docker-build:index:Image": _image,
    "random:index/randomPassword:RandomPassword": _password,
    "time:index/rotating:Rotating": _rotating,
}
CALLS: dict[str, Any] = {}

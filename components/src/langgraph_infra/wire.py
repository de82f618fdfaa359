"""A registered resource as the Pulumi engine carries it, shared by the offline plan, the rules, the manifests and the
policy pack: `PlannedResource`, Pulumi's secret wrapper, JSON documents held in strings, and how a secret is
recognised and hidden (`SECRET`).

A leaf: it imports nothing of the library but the plan's placeholder conventions (`mocks`), so every reader of
resources (plan, rules, manifests) can share it without importing each other.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .mocks import MOCK_SECRET_PREFIX

SECRET = "[secret]"
"""What a secret value prints as."""
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
"""Pulumi's secret wrapper on the wire: `{SECRET_SIG_KEY: SECRET_SIG, "value": ...}` (the SDK's
`rpc._special_sig_key` and `rpc._special_secret_sig`)."""

# A URI carrying a password (scheme://user:password@host) is a secret wherever it appears.
_URI_WITH_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]*:[^@\s]+@", re.I)
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|CREDENTIALS?|_URI)$")
_DOCKER_CONTAINER = "docker:index/container:Container"


def is_secret(value: Any) -> bool:
    """A secret-marked value in Pulumi's wire form."""
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG


def secret(value: Any) -> dict[str, Any]:
    """`value` wrapped as a secret, as the engine carries it."""
    return {SECRET_SIG_KEY: SECRET_SIG, "value": value}


def unwrap(value: Any) -> Any:
    """The raw values (secrets revealed): for tests that must look inside, never for printing."""
    if is_secret(value):
        return unwrap(value.get("value"))
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def document(text: str) -> Any:
    """A JSON object or array held in a string (container definitions, policies), or None."""
    if text[:1] not in "{[":
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return doc if isinstance(doc, (dict, list)) else None


def json_value(value: Any) -> Any:
    """Nested JSON arrives as a string in the engine and as an object in a plan: either way, the object (any other
    value as it is)."""
    if isinstance(value, str):
        doc = document(value)
        if doc is not None:
            return doc
    return value


def plain_credential(name: str, value: Any) -> bool:
    """A plain (not secret-marked) environment value that is a credential by its name or its shape."""
    if isinstance(value, dict) and SECRET_SIG_KEY in value:
        return False
    return isinstance(value, str) and bool(_URI_WITH_PASSWORD.match(value) or (_SECRET_NAME.search(name) and value))


@dataclass(frozen=True)
class PlannedResource:
    """One registered resource, as the engine receives it: what the plan lists, and what the rules see of it (the
    same offline, in a plan, and in the policy engine)."""

    type: str
    name: str
    inputs: dict[str, Any]
    """Inputs as registered, with the engine's camelCase names; secret values stay wrapped (`unwrap` reveals
    them)."""
    depends_on: tuple[str, ...] = ()
    """Names of the resources this one depends on (its inputs' sources among them). Default: none."""
    parent: str | None = None
    """The parent's name. Default None: the stack."""
    custom: bool = True
    """A cloud resource (True, the default) or a component (False)."""
    protect: bool = False
    """Kept from deletion (`protect=True`). Default: not protected."""
    provider: str | None = None
    """The provider reference it is registered with. Default None: the default provider."""
    urn: str = ""
    """Its URN in the plan. Default: empty (a resource built by hand, as in a rule's test)."""
    parent_urn: str | None = None
    """The parent's URN. Default None: the stack."""

    def as_dict(self, *, redact: bool = True, known_secrets: tuple[str, ...] = ()) -> dict[str, Any]:
        """JSON-ready: JSON documents in inputs parsed, secrets `[secret]` (unless `redact=False`: raw inputs)."""
        inputs = Redaction(known_secrets).inputs(self.type, self.inputs) if redact else self.inputs
        return {
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "protect": self.protect,
            "depends_on": sorted(self.depends_on),
            "inputs": inputs,
        }


class Redaction:
    """Inputs and outputs made printable: documents parsed; secrets hidden, or shown with made-up ones marked."""

    def __init__(self, secrets: Iterable[str] = (), placeholders: dict[str, str] | None = None,
                 show: bool = False, secret_names: Iterable[str] = ()):
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self.placeholders = sorted((placeholders or {}).items(), key=lambda kv: len(kv[0]), reverse=True)
        self.show = show
        self.secret_names = set(secret_names)

    def inputs(self, type_: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """A resource's inputs, printable."""
        return {k: self.value(v, per_entry=k == "envs" and type_ == _DOCKER_CONTAINER) for k, v in inputs.items()}

    def value(self, value: Any, per_entry: bool = False) -> Any:
        """One value, printable."""
        if is_secret(value):
            inner = value.get("value")
            if self.show:
                return self.value(inner)
            # Docker takes the environment as one list, so one secret entry marks all of it: hide entry by entry.
            if per_entry and isinstance(inner, list) and all(isinstance(e, str) for e in inner):
                return [self._entry(e) for e in inner]
            return SECRET
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, str):
            doc = document(value)
            if doc is not None:
                return self.value(doc)
            if self.show:
                return self._mark(value)
            if any(s in value for s in self.secrets):
                return SECRET
        return value

    def _entry(self, entry: str) -> str:
        """One `NAME=value` of a secret-marked environment list: hidden when it holds a known secret value, is
        named after a secret, is a credential by the rules' own test (name or shape), or was made up by the plan
        (every made-up secret starts with MOCK_SECRET_PREFIX, see langgraph_infra.mocks)."""
        name, sep, value = entry.partition("=")
        if not sep or name in self.secret_names or any(s in entry for s in self.secrets) or \
                plain_credential(name, value) or value.startswith(MOCK_SECRET_PREFIX):
            return f"{name}={SECRET}" if sep else SECRET
        return entry

    def _mark(self, text: str) -> str:
        for raw, label in self.placeholders:
            text = text.replace(raw, label)
        return text

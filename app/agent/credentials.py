"""API keys and where credentials may not travel: parsing ``AGENT_API_KEYS``, matching a presented key, and finding
(and redacting) credentials in a request's query string.

No server imports here.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes

API_KEYS_VARIABLE = "AGENT_API_KEYS"
MIN_KEY_LENGTH = 32
REDACTED = b"REDACTED"
# Query parameters that carry credentials by convention, compared lower-case with '-' read as '_'. Not `key`: the
# store API's own item key travels as ?key=.
CREDENTIAL_PARAMETERS = frozenset(
    {"api_key", "apikey", "x_api_key", "token", "access_token", "id_token", "auth", "authorization", "bearer", "jwt",
     "password", "secret", "client_secret"}
)  # fmt: skip

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}(/[A-Za-z0-9_-]{1,32})?")  # identity[/version]
_KEY = re.compile(r"[!-~]+")  # printable ASCII, no space


class AuthConfigError(ValueError):
    """The authentication settings in the environment are invalid. Messages never contain a key."""


@dataclass(frozen=True)
class ApiKey:
    name: str
    digest: bytes = field(repr=False)

    @property
    def identity(self) -> str:
        """The name without its ``/version`` label: the keys of one identity see the same resources."""
        return self.name.partition("/")[0]


def parse_api_keys(raw: str, variable: str = API_KEYS_VARIABLE) -> tuple[ApiKey, ...]:
    """Parse ``name:key,name:key``.

    Errors number the entries from 1 and quote nothing from the value: not the key, and not the name either (a
    swapped ``key:name`` entry would put the key where the name belongs).
    """
    if not raw.strip():
        return ()
    keys: list[ApiKey] = []
    for index, entry in enumerate(raw.split(","), start=1):
        name, separator, key = entry.strip().partition(":")
        where = f"{variable}: entry {index}"
        if not entry.strip():
            raise AuthConfigError(f"{where} is empty (expected name:key, entries separated by commas)")
        if not separator:
            raise AuthConfigError(f"{where} has no ':' (expected name:key)")
        if not _NAME.fullmatch(name):
            raise AuthConfigError(
                f"{where}: the name must be an identity of 1-64 characters of A-Z a-z 0-9 _ -, "
                "optionally followed by /version (1-32 of the same)"
            )
        if len(key) < MIN_KEY_LENGTH:
            raise AuthConfigError(f"{where}: the key is shorter than {MIN_KEY_LENGTH} characters")
        if not _KEY.fullmatch(key):
            raise AuthConfigError(f"{where}: the key must be printable ASCII without spaces")
        digest = hashlib.sha256(key.encode()).digest()
        for earlier, other in enumerate(keys, start=1):
            if other.name == name:
                raise AuthConfigError(f"{variable}: entries {earlier} and {index} have the same name")
            if hmac.compare_digest(other.digest, digest):
                raise AuthConfigError(f"{variable}: entries {earlier} and {index} have the same key")
        keys.append(ApiKey(name, digest))
    return tuple(keys)


def match_api_key(keys: tuple[ApiKey, ...], presented: bytes) -> ApiKey | None:
    """The key equal to ``presented``, or None; compares with every key, each in constant time, without early exit."""
    digest = hashlib.sha256(presented).digest()
    found: ApiKey | None = None
    for key in keys:
        if hmac.compare_digest(key.digest, digest):
            found = key
    return found


def redact_query(raw: bytes, api_keys: tuple[ApiKey, ...]) -> tuple[bytes, bool]:
    """``raw`` with credential values replaced by ``REDACTED``, and whether there were any.

    A parameter is a credential when its name is one of CREDENTIAL_PARAMETERS or its value is a configured key; the
    other parameters are kept byte for byte.
    """
    found = False
    parts = raw.split(b"&") if raw else []
    for index, part in enumerate(parts):
        name, _, value = part.partition(b"=")
        plain_name = unquote_to_bytes(name.replace(b"+", b" ")).decode("latin-1").strip().lower().replace("-", "_")
        plain_value = unquote_to_bytes(value.replace(b"+", b" "))
        if plain_name in CREDENTIAL_PARAMETERS or (plain_value and match_api_key(api_keys, plain_value)):
            parts[index] = name + b"=" + REDACTED
            found = True
    return (b"&".join(parts), True) if found else (raw, False)


def redact_query_credentials(scope: dict[str, Any], api_keys: tuple[ApiKey, ...]) -> bool:
    """Redact ``scope["query_string"]`` in place (``redact_query``); True if it held credentials.

    The server's access log prints the query string of this same scope dict once the response is done.
    """
    raw, found = redact_query(scope.get("query_string") or b"", api_keys)
    if found:
        scope["query_string"] = raw
    return found


class QueryCredentialsLogFilter(logging.Filter):
    """Redacts the ``query_string`` of log records, whichever route they come from.

    The server's access log is a structlog logger over the standard library's: each record's ``msg`` is the event as
    a dict, with the query string under ``query_string``. The auth handler redacts the scope of the routes it sees;
    this filter, on the access log's logger, covers the routes it never sees (``/``, ``/info``, ``/docs``,
    ``/openapi.json``).
    """

    def __init__(self, api_keys: tuple[ApiKey, ...]) -> None:
        super().__init__(name="")
        self.api_keys = api_keys

    def filter(self, record: logging.LogRecord) -> bool:
        event = record.msg
        if isinstance(event, dict):
            query = event.get("query_string")
            if isinstance(query, str) and query:
                raw, found = redact_query(query.encode(), self.api_keys)
                if found:
                    event["query_string"] = raw.decode(errors="replace")
        return True

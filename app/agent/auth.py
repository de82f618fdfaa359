"""Who may call the Agent Server, and what each caller may see: the server's custom auth (``auth`` in langgraph.json).

Authentication (``@auth.authenticate``), decided once at start-up from the environment:

``AGENT_API_KEYS``
    Comma-separated ``name:key`` entries. A caller sends the key in the ``x-api-key`` header (what ``langgraph_sdk``
    clients send for ``api_key=...``); its identity is the entry's name. A name is an identity (1-64 of
    ``A-Z a-z 0-9 _ -``), optionally followed by ``/`` and a version label (1-32 of the same): ``ci`` and ``ci/2``
    are two keys of identity ``ci``, which is how a key is rotated without downtime and without the identity losing
    its threads (list both, move the callers to the new key, remove the old). Names are unique, keys are unique, and
    keys are at least 32 characters of printable ASCII without spaces or commas. The presented key is compared with
    every configured key in constant time (``hmac.compare_digest`` over SHA-256 digests, no early exit), so neither
    timing nor the answer reveals which keys exist.
``AGENT_JWT_ISSUER``, ``AGENT_JWT_AUDIENCE``, ``AGENT_JWT_JWKS_URL``
    All three or none. ``Authorization: Bearer <JWT>`` from an OIDC issuer: RS256 or ES256 only, signature checked
    against the issuer's JWKS (fetched with a timeout, cached), ``iss``, ``aud``, ``exp`` and ``sub`` required,
    ``nbf`` checked when present. Identity ``jwt:<sub>``: the colon keeps it apart from every API key name.
``AGENT_AUTH_DISABLED``
    With neither of the above the server is closed: every request except the health and meta routes (``/ok``) is a
    401. ``AGENT_AUTH_DISABLED=true`` opens it instead, for a laptop only: every request is identity ``anonymous``
    and a warning is logged. It cannot be combined with keys or JWT settings.

Invalid settings stop the server at start-up with a message naming the variable (and the entry's position), never a
key. Every failed authentication is the same 401 with the same text.

Credentials travel in headers only, once each. A request with two ``x-api-key`` (or two ``authorization``) headers
is a 401 whatever they hold: the server would otherwise keep the last one, and a proxy that checks the first would
disagree with it. The handler reads the raw ASGI header list (``scope``), since the server's ``headers`` argument is a
dict that has already dropped all but the last. Credentials in the query string (``?api_key=``, ``?x-api-key=``,
``?token=``, ``?access_token=`` ..., or any parameter whose value is a configured key) are never accepted: the request
is a 401, and the value is replaced by ``REDACTED`` in the request's ASGI scope before the server's access log line,
written when the response is done, prints the query string. The routes the handler never sees (``/``, ``/info``,
``/docs``, ``/openapi.json``) are covered by a filter on the access log's logger that redacts the same values.

Per-identity limits on crons and runs in flight: ``limits.py`` (``AGENT_MAX_CRONS_PER_IDENTITY``,
``AGENT_MAX_RUNS_IN_FLIGHT_PER_IDENTITY``).

Authorization (``@auth.on``): every thread, run, cron and store item belongs to the identity that created it.
Threads and crons get ``metadata.owner`` (overwritten, so it cannot be forged) and every read, search, update and
delete is filtered by it, so another identity's resources answer 404 (or are absent from searches). Runs live on
threads and follow them. Store namespaces are prefixed with the caller's identity. Assistants are the deployment's
configuration: the ones registered from langgraph.json are readable by every caller, and creating, changing or
deleting assistants through the API is refused (403). Anything else is refused by default.

Another identity's ids answer as missing ones wherever this handler decides. Where the server decides after it, they
answer alike too, or reveal only that an id is taken: creating a thread (or a run with ``if_not_exists="create"``)
with a taken id fails for its owner and everyone else, since a missing one would be created, and a copy answers 409
``Conflict`` for missing and foreign threads alike. docs/security.md, "What the auth handler cannot decide".
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from langgraph_sdk import Auth

from agent.credentials import (
    API_KEYS_VARIABLE,
    ApiKey,
    AuthConfigError,
    QueryCredentialsLogFilter,
    match_api_key,
    parse_api_keys,
    redact_query_credentials,
)
from agent.limits import Limits, count_crons, count_runs_in_flight, crons_over, runs_over

logger = logging.getLogger(__name__)

JWT_VARIABLES = ("AGENT_JWT_ISSUER", "AGENT_JWT_AUDIENCE", "AGENT_JWT_JWKS_URL")
DISABLED_VARIABLE = "AGENT_AUTH_DISABLED"
API_KEY_HEADER = b"x-api-key"
AUTHORIZATION_HEADER = b"authorization"
ACCESS_LOGGER = "langgraph_api.server"  # the server's access log (langgraph_api.middleware.http_logger)

JWT_ALGORITHMS = ("RS256", "ES256")
JWT_PREFIX = "jwt:"
JWT_LEEWAY_SECONDS = 30
JWKS_TIMEOUT_SECONDS = 5.0
JWKS_CACHE_SECONDS = 300
ANONYMOUS = "anonymous"
OWNER = "owner"
UNAUTHORIZED = "Unauthorized: send a valid API key in the x-api-key header, or a valid bearer token"
CREDENTIALS_IN_QUERY = (
    "Unauthorized: credentials are not accepted in the query string (it is logged); "
    "send the API key in the x-api-key header"
)
_LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class JwtSettings:
    issuer: str
    audience: str
    jwks_url: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> JwtSettings | None:
        values = {name: env.get(name, "").strip() for name in JWT_VARIABLES}
        missing = [name for name, value in values.items() if not value]
        if len(missing) == len(JWT_VARIABLES):
            return None
        if missing:
            given = [name for name in JWT_VARIABLES if name not in missing]
            raise AuthConfigError(f"{', '.join(given)} set but {', '.join(missing)} not: JWT needs all three or none")
        issuer, audience, jwks_url = (values[name] for name in JWT_VARIABLES)
        url = urlparse(jwks_url)
        loopback_http = url.scheme == "http" and url.hostname in _LOOPBACK_HOSTS
        if not (url.scheme == "https" or loopback_http) or not url.hostname:
            raise AuthConfigError(
                f"AGENT_JWT_JWKS_URL={jwks_url!r}: expected an https:// URL (http:// only for a loopback host)"
            )
        return cls(issuer=issuer, audience=audience, jwks_url=jwks_url)


@dataclass(frozen=True)
class AuthSettings:
    api_keys: tuple[ApiKey, ...] = ()
    jwt: JwtSettings | None = None
    disabled: bool = False
    limits: Limits = field(default_factory=Limits)

    @property
    def closed(self) -> bool:
        """Nothing configured and not disabled: no request can authenticate."""
        return not self.api_keys and self.jwt is None and not self.disabled

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AuthSettings:
        api_keys = parse_api_keys(env.get(API_KEYS_VARIABLE, ""))
        jwt_settings = JwtSettings.from_env(env)
        disabled = _flag(env, DISABLED_VARIABLE)
        if disabled and (api_keys or jwt_settings):
            raise AuthConfigError(
                f"{DISABLED_VARIABLE}=true together with {API_KEYS_VARIABLE} or AGENT_JWT_*: "
                "remove one (disabling auth is for local runs without keys)"
            )
        return cls(api_keys=api_keys, jwt=jwt_settings, disabled=disabled, limits=Limits.from_env(env))


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw or raw in _FALSE:
        return False
    if raw in _TRUE:
        return True
    raise AuthConfigError(f"{name}={raw!r}: expected true or false")


class JwtVerifier:
    """Verifies bearer tokens against the issuer's JWKS (PyJWT; fetched with a timeout, cached, refreshed rarely)."""

    def __init__(self, settings: JwtSettings) -> None:
        import jwt  # noqa: PLC0415 - only deployments that configure JWT need PyJWT (langgraph-api depends on it)

        self._jwt = jwt
        self.settings = settings
        self._jwks = jwt.PyJWKClient(
            settings.jwks_url,
            cache_jwk_set=True,
            lifespan=JWKS_CACHE_SECONDS,
            timeout=JWKS_TIMEOUT_SECONDS,
            cooldown_duration=30,  # an unknown kid refreshes the set at most every 30 s
        )

    async def identity(self, token: str) -> str | None:
        """``jwt:<sub>`` for a valid token, None otherwise (the reason is logged, the token is not)."""
        jwt = self._jwt
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") not in JWT_ALGORITHMS:
                raise jwt.InvalidAlgorithmError(f"algorithm {header.get('alg')!r} is not accepted")
            signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
            if signing_key.algorithm_name and signing_key.algorithm_name != header["alg"]:
                raise jwt.InvalidAlgorithmError("the token's algorithm differs from its key's")
            claims = jwt.decode(
                token,
                signing_key.key,
                algorithms=list(JWT_ALGORITHMS),
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=JWT_LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWKClientConnectionError as error:
            logger.warning("bearer token refused: the JWKS could not be fetched (%s)", error)
            return None
        except jwt.PyJWTError as error:
            logger.info("bearer token refused: %s", error)
            return None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            logger.info("bearer token refused: empty or non-string sub")
            return None
        return JWT_PREFIX + subject


def _unauthorized(detail: str = UNAUTHORIZED) -> Auth.exceptions.HTTPException:
    return Auth.exceptions.HTTPException(status_code=401, detail=detail)


def build_auth(settings: AuthSettings) -> Auth:
    """The ``Auth`` object the server loads: authentication from ``settings``, per-identity isolation."""
    verifier = JwtVerifier(settings.jwt) if settings.jwt else None
    auth = Auth()

    @auth.authenticate
    async def authenticate(scope: dict[str, Any]) -> Auth.types.MinimalUserDict:
        # `scope`, not `headers`: the server builds `headers` with dict(), which keeps only the last of repeated names.
        credentials_in_query = redact_query_credentials(scope, settings.api_keys)
        if settings.disabled:
            return {"identity": ANONYMOUS}
        if credentials_in_query:
            logger.info("request refused: credentials in the query string (redacted from the access log)")
            raise _unauthorized(CREDENTIALS_IN_QUERY)
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or ())
        api_keys = [value for name, value in headers if name.lower() == API_KEY_HEADER]
        authorizations = [value for name, value in headers if name.lower() == AUTHORIZATION_HEADER]
        if len(api_keys) > 1 or len(authorizations) > 1:
            logger.info(
                "request refused: %d x-api-key and %d authorization headers (at most one of each)",
                len(api_keys),
                len(authorizations),
            )
            raise _unauthorized()
        if api_keys:
            key = match_api_key(settings.api_keys, api_keys[0])
            if key is None:
                raise _unauthorized()
            return {"identity": key.identity}
        scheme, _, token = (authorizations[0] if authorizations else b"").decode("latin-1").strip().partition(" ")
        if verifier is not None and scheme.lower() == "bearer" and token.strip():
            identity = await verifier.identity(token.strip())
            if identity is not None:
                return {"identity": identity}
        raise _unauthorized()

    @auth.on
    async def deny_by_default(ctx: Auth.types.AuthContext, value: Any) -> bool:
        return False

    limits = settings.limits

    @auth.on.threads
    async def own_threads(ctx: Auth.types.AuthContext, value: Any) -> Auth.types.FilterType:
        # Every thread action, runs included (create_run, and reading, cancelling, deleting runs of a thread).
        owner = {OWNER: ctx.user.identity}
        if ctx.action == "create_run" and limits.max_runs_in_flight is not None:
            stop_at = limits.max_runs_in_flight
            if await count_runs_in_flight(owner, stop_at) >= stop_at:
                raise Auth.exceptions.HTTPException(status_code=429, detail=runs_over(stop_at))
        if ctx.action in ("create", "create_run", "update"):
            _stamp_owner(value, ctx.user.identity, required=ctx.action != "update")
        return owner

    @auth.on.crons
    async def own_crons(ctx: Auth.types.AuthContext, value: Any) -> Auth.types.FilterType:
        owner = {OWNER: ctx.user.identity}
        if ctx.action == "create" and limits.max_crons is not None:
            if await count_crons(owner) >= limits.max_crons:
                raise Auth.exceptions.HTTPException(status_code=403, detail=crons_over(limits.max_crons))
        if ctx.action in ("create", "update"):
            _stamp_owner(value, ctx.user.identity, required=ctx.action == "create")
        return owner

    @auth.on.assistants(actions=["read", "search"])
    async def read_assistants(ctx: Auth.types.AuthContext, value: Any) -> bool:
        return True

    @auth.on.assistants(actions=["create", "update", "delete"])
    async def assistants_are_configuration(ctx: Auth.types.AuthContext, value: Any) -> bool:
        return False

    @auth.on.store
    async def own_store_namespace(ctx: Auth.types.AuthContext, value: Any) -> None:
        value["namespace"] = (namespace_label(ctx.user.identity), *(value.get("namespace") or ()))

    return auth


def _stamp_owner(value: Any, identity: str, *, required: bool) -> None:
    """Set ``metadata.owner`` in place (the server keeps using the same dict); a caller's own value is overwritten."""
    metadata = value.get("metadata")
    if metadata is None:
        if not required:
            return
        metadata = value["metadata"] = {}
    metadata[OWNER] = identity


def namespace_label(identity: str) -> str:
    """The identity as a store namespace label: labels may not contain '.', so '%' and '.' are escaped (reversibly)."""
    return identity.replace("%", "%25").replace(".", "%2E")


SETTINGS = AuthSettings.from_env(os.environ)
if SETTINGS.disabled:
    logger.warning(
        "%s=true: authentication is OFF, every caller is %r. Never use this outside a local run.",
        DISABLED_VARIABLE,
        ANONYMOUS,
    )
elif SETTINGS.closed:
    logger.error(
        "No authentication configured (%s, or AGENT_JWT_ISSUER/AUDIENCE/JWKS_URL): every request except /ok "
        "is refused. Set keys, or %s=true for a local run.",
        API_KEYS_VARIABLE,
        DISABLED_VARIABLE,
    )
else:
    logger.info(
        "Authentication: %d API key(s) of %d identities%s",
        len(SETTINGS.api_keys),
        len({key.identity for key in SETTINGS.api_keys}),
        f", JWT from {SETTINGS.jwt.issuer}" if SETTINGS.jwt else "",
    )
logger.info("Limits: %s", SETTINGS.limits.describe())

logging.getLogger(ACCESS_LOGGER).addFilter(QueryCredentialsLogFilter(SETTINGS.api_keys))
auth = build_auth(SETTINGS)

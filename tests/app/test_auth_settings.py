"""The authentication settings (app/agent/auth.py, limits.py): parsing AGENT_API_KEYS, the JWT variables and the
per-identity limits, start-up errors that never quote a key, the server closed when nothing is configured,
AGENT_AUTH_DISABLED, credentials found in a query string, and the module loading in both server releases the tests use
(0.16.7 here, 0.11.1 in .venv-runtime-pg) with what it needs of each.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from agent.auth import (
    API_KEYS_VARIABLE,
    AuthConfigError,
    AuthSettings,
    JwtSettings,
    QueryCredentialsLogFilter,
    match_api_key,
    namespace_label,
    parse_api_keys,
    redact_query_credentials,
)
from agent.limits import (
    CRONS_VARIABLE,
    DEFAULT_MAX_CRONS,
    DEFAULT_MAX_RUNS_IN_FLIGHT,
    RUNS_VARIABLE,
    Limits,
    LimitsConfigError,
)

from tests.app.agent_servers import (
    APP_DIR,
    RUNTIME_PG_VENV,
    ManagedProcess,
    free_port,
    new_api_key,
    python_of,
    server_env,
    start_dev_server,
)

KEY_A, KEY_B = new_api_key(), new_api_key()
JWT_ENV = {
    "AGENT_JWT_ISSUER": "https://idp.example.test/",
    "AGENT_JWT_AUDIENCE": "agent",
    "AGENT_JWT_JWKS_URL": "https://idp.example.test/jwks",
}


def test_keys_parse_to_names() -> None:
    keys = parse_api_keys(f"ci:{KEY_A}, web-app_2:{KEY_B}")
    assert [k.name for k in keys] == ["ci", "web-app_2"]
    assert match_api_key(keys, KEY_B.encode()) == keys[1] and keys[1].identity == "web-app_2"
    assert match_api_key(keys, KEY_A.encode()) == keys[0] and keys[0].identity == "ci"
    assert match_api_key(keys, (KEY_A + "x").encode()) is None
    assert match_api_key(keys, b"") is None
    assert KEY_A not in repr(keys)


def test_a_key_may_contain_a_colon() -> None:
    key = "a:" + KEY_A
    assert match_api_key(parse_api_keys(f"ci:{key}"), key.encode()).name == "ci"


def test_versioned_names_are_two_keys_of_one_identity() -> None:
    keys = parse_api_keys(f"ci:{KEY_A},ci/2025-06:{KEY_B}")
    assert [(k.name, k.identity) for k in keys] == [("ci", "ci"), ("ci/2025-06", "ci")]
    assert match_api_key(keys, KEY_B.encode()).identity == "ci"


def test_unset_or_blank_means_no_keys() -> None:
    assert parse_api_keys("") == () and parse_api_keys("  ") == ()


# The keys are random, so each case is named by its position and message: every pytest-xdist worker collects the
# same test ids.
MALFORMED_KEYS = [
    (f"ci:{KEY_A},", "entry 2 is empty"),
    (f"ci:{KEY_A},,web:{KEY_B}", "entry 2 is empty"),
    (f"ci:{KEY_A},{KEY_B}", "entry 2 has no ':'"),
    (f":{KEY_A}", "entry 1: the name must be"),
    (f"c i:{KEY_A}", "entry 1: the name must be"),
    (f"jwt.x:{KEY_A}", "entry 1: the name must be"),
    (f"{'n' * 65}:{KEY_A}", "entry 1: the name must be"),
    (f"ci/:{KEY_A}", "entry 1: the name must be"),
    (f"ci/a/b:{KEY_A}", "entry 1: the name must be"),
    (f"ci/2:{KEY_A},ci/2:{KEY_B}", "entries 1 and 2 have the same name"),
    (f"ci:{KEY_A},web:{KEY_B[:31]}", "entry 2: the key is shorter than 32 characters"),
    (f"ci:{KEY_A[:10]} {KEY_A[10:]}", "entry 1: the key must be printable ASCII without spaces"),
    (f"ci:{KEY_A}é", "entry 1: the key must be printable ASCII without spaces"),
    (f"ci:{KEY_A},web:{KEY_B},ci:{new_api_key()}", "entries 1 and 3 have the same name"),
    (f"ci:{KEY_A},web:{KEY_A}", "entries 1 and 2 have the same key"),
]


@pytest.mark.parametrize(("raw", "expected"), MALFORMED_KEYS,
                         ids=[f"{index}-{expected}" for index, (_, expected) in enumerate(MALFORMED_KEYS)])
def test_malformed_keys_are_refused_naming_the_variable_and_entry_but_no_key(raw: str, expected: str) -> None:
    with pytest.raises(AuthConfigError) as caught:
        parse_api_keys(raw)
    message = str(caught.value)
    assert message.startswith(f"{API_KEYS_VARIABLE}: ") and expected in message, message
    for secret in (KEY_A, KEY_B, KEY_A[:10], KEY_A[10:], KEY_B[:31]):
        assert secret not in message


def test_a_swapped_entry_does_not_quote_the_key_found_where_the_name_belongs() -> None:
    with pytest.raises(AuthConfigError, match="entry 1: the key is shorter") as caught:
        parse_api_keys(f"{KEY_A}:ci")
    assert KEY_A not in str(caught.value)


@pytest.mark.parametrize("missing", sorted(JWT_ENV))
def test_jwt_needs_all_three_settings(missing: str) -> None:
    env = {name: value for name, value in JWT_ENV.items() if name != missing}
    with pytest.raises(AuthConfigError, match=f"but {missing} not: JWT needs all three or none"):
        JwtSettings.from_env(env)


@pytest.mark.parametrize(
    "url", ["http://idp.example.test/jwks", "file:///etc/jwks.json", "ftp://idp.example.test/jwks", "https://"]
)
def test_the_jwks_url_must_be_https_unless_loopback(url: str) -> None:
    with pytest.raises(AuthConfigError, match="AGENT_JWT_JWKS_URL"):
        JwtSettings.from_env({**JWT_ENV, "AGENT_JWT_JWKS_URL": url})


def test_loopback_http_jwks_is_accepted_and_no_jwt_settings_mean_none() -> None:
    settings = JwtSettings.from_env({**JWT_ENV, "AGENT_JWT_JWKS_URL": "http://127.0.0.1:9/jwks"})
    assert settings is not None and settings.audience == "agent"
    assert JwtSettings.from_env({}) is None


def test_nothing_configured_is_closed_and_disabled_is_explicit() -> None:
    assert AuthSettings.from_env({}).closed
    assert AuthSettings.from_env({"AGENT_AUTH_DISABLED": "false"}).closed
    disabled = AuthSettings.from_env({"AGENT_AUTH_DISABLED": "true"})
    assert disabled.disabled and not disabled.closed
    with pytest.raises(AuthConfigError, match="AGENT_AUTH_DISABLED='maybe': expected true or false"):
        AuthSettings.from_env({"AGENT_AUTH_DISABLED": "maybe"})


@pytest.mark.parametrize("configured", [{API_KEYS_VARIABLE: f"ci:{KEY_A}"}, JWT_ENV], ids=["keys", "jwt"])
def test_disabling_auth_cannot_be_combined_with_credentials(configured: dict[str, str]) -> None:
    with pytest.raises(AuthConfigError, match="AGENT_AUTH_DISABLED=true together with") as caught:
        AuthSettings.from_env({**configured, "AGENT_AUTH_DISABLED": "true"})
    assert KEY_A not in str(caught.value)


def test_limits_are_on_by_default() -> None:
    limits = AuthSettings.from_env({}).limits
    assert (limits.max_crons, limits.max_runs_in_flight) == (DEFAULT_MAX_CRONS, DEFAULT_MAX_RUNS_IN_FLIGHT)
    assert limits.describe() == "at most 10 crons and 10 runs in flight per identity"


def test_limits_are_set_refused_or_lifted_by_name() -> None:
    assert Limits.from_env({CRONS_VARIABLE: "0", RUNS_VARIABLE: " 3 "}) == Limits(max_crons=0, max_runs_in_flight=3)
    lifted = Limits.from_env({CRONS_VARIABLE: "unlimited", RUNS_VARIABLE: "Unlimited"})
    assert lifted == Limits(max_crons=None, max_runs_in_flight=None)
    assert lifted.describe() == "at most unlimited crons and unlimited runs in flight per identity"


@pytest.mark.parametrize(
    ("variable", "raw", "minimum"),
    [(CRONS_VARIABLE, "-1", 0), (CRONS_VARIABLE, "ten", 0), (CRONS_VARIABLE, "2.5", 0), (RUNS_VARIABLE, "0", 1),
     (RUNS_VARIABLE, "none", 1), (RUNS_VARIABLE, "1e3", 1)],
)  # fmt: skip
def test_a_malformed_limit_stops_the_start_naming_the_variable(variable: str, raw: str, minimum: int) -> None:
    with pytest.raises(LimitsConfigError) as caught:
        AuthSettings.from_env({variable: raw})
    assert str(caught.value) == f"{variable}={raw!r}: expected a whole number of at least {minimum}, or unlimited"


def redacted(query: bytes, keys: str = "") -> tuple[bool, bytes]:
    scope = {"query_string": query}
    found = redact_query_credentials(scope, parse_api_keys(keys))
    return found, scope["query_string"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (b"api_key=K&limit=1", b"api_key=REDACTED&limit=1"),
        (b"limit=1&X-Api-Key=K", b"limit=1&X-Api-Key=REDACTED"),
        (b"x%2dapi%2dkey=K", b"x%2dapi%2dkey=REDACTED"),
        (b"access_token=K&token=K2&id_token=", b"access_token=REDACTED&token=REDACTED&id_token=REDACTED"),
        (b"apikey", b"apikey=REDACTED"),
        (b"authorization=Bearer+K", b"authorization=REDACTED"),
    ],
)
def test_credentials_in_a_query_string_are_redacted_by_name(query: bytes, expected: bytes) -> None:
    assert redacted(query) == (True, expected)


def test_a_configured_key_is_redacted_under_any_name_and_the_rest_kept_byte_for_byte() -> None:
    query = f"namespace=a%2Eb&q={KEY_A}&key=plan&x=%E2%9C%93+y".encode()
    assert redacted(query, f"ci:{KEY_A}") == (True, b"namespace=a%2Eb&q=REDACTED&key=plan&x=%E2%9C%93+y")


def test_the_log_filter_redacts_the_query_string_of_access_log_events_only() -> None:
    log_filter = QueryCredentialsLogFilter(parse_api_keys(f"ci:{KEY_A}"))
    event = {"event": "GET /info 200 1ms", "query_string": f"a=1&q={KEY_A}&token=t", "path": "/info"}
    record = logging.LogRecord("langgraph_api.server", logging.INFO, __file__, 1, event, None, None)
    assert log_filter.filter(record) is True  # the record is kept, redacted
    assert record.msg == {"event": "GET /info 200 1ms", "query_string": "a=1&q=REDACTED&token=REDACTED", "path": "/info"}
    for message in ("plain text ?token=t", {"event": "x"}, {"event": "x", "query_string": ""}):
        record = logging.LogRecord("langgraph_api.server", logging.INFO, __file__, 1, message, None, None)
        assert log_filter.filter(record) is True and record.msg == message


@pytest.mark.parametrize("query", [b"", b"limit=10&offset=0", b"namespace=notes&key=token", b"keys=1&tokens=2"])
def test_a_query_string_without_credentials_is_left_alone(query: bytes) -> None:
    # `key` is the store API's item key, not a credential
    assert redacted(query, f"ci:{KEY_A}") == (False, query)


def test_store_labels_are_valid_and_distinct() -> None:
    labels = {namespace_label(i) for i in ("alice", "jwt:a.b@example.com", "jwt:a%2Eb@example.com", "jwt:a%b")}
    assert len(labels) == 4 and not any("." in label for label in labels)


@pytest.mark.parametrize("venv", [Path(sys.executable).parent.parent, RUNTIME_PG_VENV], ids=["0.16.7", "runtime-pg"])
def test_the_module_loads_in_each_server_release(venv: Path) -> None:
    python = python_of(venv)
    if not python.exists():
        pytest.fail(f"{python} is missing: run scripts/setup-runtime-pg.sh (creates .venv-runtime-pg)")
    script = (
        "import agent.auth as a, langgraph_api, jwt; from langgraph_sdk import Auth\n"
        "assert isinstance(a.auth, Auth) and a.auth._authenticate_handler\n"
        # the raw ASGI scope (repeated headers, the query string the access log prints) is a parameter of this release
        "from langgraph_api.auth.custom import SUPPORTED_PARAMETERS; assert 'scope' in SUPPORTED_PARAMETERS\n"
        # the limits count through the runtime's own operations, with these arguments
        "import importlib, importlib.util, inspect; ops = importlib.import_module(sys.argv[1] + '.ops')\n"
        "def takes(f, *names): missing = set(names) - set(inspect.signature(f).parameters); assert not missing, (f, missing)\n"
        "takes(ops.Threads.search, 'conn', 'metadata', 'values', 'status', 'limit', 'offset')\n"
        "takes(ops.Runs.search, 'conn', 'thread_id', 'status', 'limit'); takes(ops.Crons.count, 'conn', 'metadata')\n"
        # the access log is the server module's logger, which the auth module gives its query-string filter
        "import logging, pathlib; from agent.credentials import QueryCredentialsLogFilter as F\n"
        "assert any(isinstance(f, F) for f in logging.getLogger(a.ACCESS_LOGGER).filters)\n"
        "src = pathlib.Path(importlib.util.find_spec(a.ACCESS_LOGGER).origin).read_text()\n"
        "assert 'logger = structlog.stdlib.get_logger(__name__)' in src and 'AccessLoggerMiddleware, logger=logger' in src\n"
        "print(langgraph_api.__version__, sorted(k.name for k in a.SETTINGS.api_keys), a.SETTINGS.jwt.issuer)"
    )
    # What the server's configuration module needs to import, pointing nowhere (nothing connects).
    placeholders = {"REDIS_URI": "fake", "DATABASE_URI": ":memory:", "LANGGRAPH_RUNTIME_EDITION": "inmem"}
    env = server_env(PYTHONPATH=str(APP_DIR), AGENT_API_KEYS=f"a:{KEY_A},b:{KEY_B}", **JWT_ENV, **placeholders)
    runtime = "langgraph_runtime_inmem" if venv != RUNTIME_PG_VENV else "langgraph_runtime_pg"
    result = subprocess.run(
        [str(python), "-c", "import sys\n" + script, runtime], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "['a', 'b'] https://idp.example.test/" in result.stdout


def test_a_malformed_key_stops_the_server_without_quoting_it(tmp_path: Path) -> None:
    from tests.app.agent_servers import copy_build_context  # noqa: PLC0415

    app = copy_build_context(tmp_path / "app")
    langgraph = Path(sys.executable).parent / "langgraph"
    bad = f"ci:{KEY_A},web:{KEY_B[:20]}"
    process = ManagedProcess(
        "langgraph dev (malformed AGENT_API_KEYS)",
        [
            str(langgraph),
            "dev",
            "--no-browser",
            "--no-reload",
            "--port",
            str(free_port()),
            "--config",
            "langgraph.json",
        ],
        log_path=tmp_path / "langgraph-dev.log",
        env=server_env(AGENT_API_KEYS=bad),
        cwd=app,
    ).start()
    try:
        assert process.process is not None
        code = process.process.wait(timeout=90)
    finally:
        process.stop()
    log = process.log_path.read_text(errors="replace")
    assert code != 0
    assert "AGENT_API_KEYS: entry 2: the key is shorter than 32 characters" in log, process.log_tail()
    assert KEY_A not in log and KEY_B[:20] not in log


def test_nothing_configured_refuses_everything_but_health(tmp_path: Path) -> None:
    server = start_dev_server(tmp_path, "no auth configured")
    try:
        assert httpx.get(f"{server.url}/ok", timeout=10).status_code == 200
        for headers in ({}, {"x-api-key": KEY_A}, {"Authorization": "Bearer x.y.z"}):
            assert httpx.post(f"{server.url}/threads", json={}, headers=headers, timeout=10).status_code == 401
        assert "No authentication configured" in server.process.log_path.read_text(errors="replace")
    finally:
        server.stop()


def test_auth_disabled_serves_everyone_as_anonymous_and_warns(tmp_path: Path) -> None:
    server = start_dev_server(tmp_path, "AGENT_AUTH_DISABLED=true", AGENT_AUTH_DISABLED="true")
    try:
        thread = httpx.post(f"{server.url}/threads", json={}, timeout=10)
        assert thread.status_code == 200 and thread.json()["metadata"]["owner"] == "anonymous"
        assert "AGENT_AUTH_DISABLED=true: authentication is OFF" in server.process.log_path.read_text(errors="replace")
    finally:
        server.stop()

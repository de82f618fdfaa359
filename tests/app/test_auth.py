"""Authentication, per-identity isolation and per-identity limits of the served app (app/agent/auth.py, limits.py).

One `langgraph dev` serves app/ with API-key identities (alice and bob for isolation, carol and dave for the limits)
and JWT bearer tokens from a test issuer whose JWKS this module serves on a loopback port; tokens are signed with an
RSA key generated here. Every request goes through the real server and the official client (or httpx where the
client cannot send what is tested), the way a caller's would.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.errors import AuthenticationError, NotFoundError

from tests.app.agent_servers import DevServer, new_api_key, start_dev_server

WAIT_SECONDS = 60.0

GRAPH_ID = "agent"
ISSUER = "https://idp.example.test/realms/agents"
AUDIENCE = "langgraph-infra-agent"
KID = "test-key-1"
KEYS = {name: new_api_key() for name in ("alice", "bob", "alice/rotated", "carol", "dave")}
MAX_CRONS = 2
MAX_RUNS_IN_FLIGHT = 2
YEARLY = "0 0 1 1 *"


class Jwks:
    """An OIDC issuer's JWKS endpoint on 127.0.0.1, counting the fetches it answers."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        body = json.dumps({"keys": keys}).encode()
        self.fetches = 0
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                jwks.fetches += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/.well-known/jwks.json"
        self._thread = threading.Thread(target=self._server.serve_forever, name="jwks", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Issuer:
    """Signs tokens with the RSA key whose public half the JWKS publishes."""

    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def public_jwk(self) -> dict[str, Any]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {**jwk, "kid": KID, "alg": "RS256", "use": "sig"}

    def token(self, subject: str, *, key: Any = None, algorithm: str = "RS256", kid: str = KID, **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": subject, "iat": now, "exp": now + 300, **claims}
        payload = {name: value for name, value in payload.items() if value is not None}
        return jwt.encode(payload, key if key is not None else self.key, algorithm=algorithm, headers={"kid": kid})


@dataclass
class AuthServer:
    server: DevServer
    issuer: Issuer
    jwks: Jwks

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, name: str) -> SyncLangGraphClient:
        return get_sync_client(url=self.url, api_key=KEYS[name])

    def bearer_client(self, token: str) -> SyncLangGraphClient:
        return get_sync_client(url=self.url, api_key=None, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthServer]:
    issuer = Issuer()
    jwks = Jwks([issuer.public_jwk()])
    try:
        server = start_dev_server(
            tmp_path_factory.mktemp("served-auth"),
            "API keys, JWT and limits, access log at INFO",
            server_log_level="INFO",  # every request's access-log line, the 2xx ones included
            AGENT_API_KEYS=",".join(f"{name}:{key}" for name, key in KEYS.items()),
            AGENT_JWT_ISSUER=ISSUER,
            AGENT_JWT_AUDIENCE=AUDIENCE,
            AGENT_JWT_JWKS_URL=jwks.url,
            AGENT_MAX_CRONS_PER_IDENTITY=str(MAX_CRONS),
            AGENT_MAX_RUNS_IN_FLIGHT_PER_IDENTITY=str(MAX_RUNS_IN_FLIGHT),
        )
        try:
            yield AuthServer(server, issuer, jwks)
        finally:
            server.stop()
    finally:
        jwks.close()


@pytest.fixture(scope="module")
def alice(served: AuthServer) -> SyncLangGraphClient:
    return served.client("alice")


@pytest.fixture(scope="module")
def bob(served: AuthServer) -> SyncLangGraphClient:
    return served.client("bob")


def user(text: str) -> dict:
    return {"messages": [{"role": "user", "content": text}]}


def raw(served: AuthServer, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A request without langgraph_sdk (no key unless the caller adds a header)."""
    return httpx.request(method, served.url + path, timeout=30, **kwargs)


def refused(call: Callable[[], Any]) -> int:
    """Run ``call``; it must fail with an HTTP status (the client's error), which is returned."""
    return refusal(call).status_code


def refusal(call: Callable[[], Any]) -> httpx.Response:
    """Run ``call``; it must fail with an HTTP status (the client's error), whose response is returned."""
    with pytest.raises(httpx.HTTPStatusError) as caught:
        result = call()
        if hasattr(result, "__next__"):  # streams fail when iterated
            list(result)
    return caught.value.response


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {timeout:.0f} s")
        time.sleep(0.1)


# --- authentication -----------------------------------------------------------------------------------------------


def test_health_is_open_without_a_key(served: AuthServer) -> None:
    with urllib.request.urlopen(f"{served.url}/ok", timeout=5) as response:
        assert response.status == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/assistants/search", {}),
        ("POST", "/threads", {}),
        ("POST", "/threads/search", {}),
        ("POST", "/runs/wait", {"assistant_id": GRAPH_ID, "input": user("hi")}),
        ("POST", "/store/namespaces", {}),
    ],
)
def test_the_api_routes_need_a_key(served: AuthServer, method: str, path: str, body: dict) -> None:
    response = raw(served, method, path, json=body)
    assert response.status_code == 401, response.text


def test_no_key_through_the_client_is_401(served: AuthServer) -> None:
    client = get_sync_client(url=served.url, api_key=None)
    with pytest.raises(AuthenticationError):
        client.threads.create()


def wrong_keys() -> list[str]:
    alice = KEYS["alice"]
    return ["", "alice", alice[:-1], alice + "x", alice.upper() if alice.upper() != alice else alice.lower(),
            f"alice:{alice}", KEYS["bob"][:20], "x" * 43]  # fmt: skip


@pytest.mark.parametrize("key", wrong_keys(), ids=lambda key: f"{len(key)} chars")
def test_a_wrong_key_is_a_401_that_names_no_identity(served: AuthServer, key: str) -> None:
    response = raw(served, "POST", "/threads/search", json={}, headers={"x-api-key": key})
    assert response.status_code == 401
    body = response.text
    for name, configured in KEYS.items():
        assert name not in body and configured not in body
    assert body == raw(served, "POST", "/threads/search", json={}).text  # same answer as no key at all


def test_a_studio_scheme_header_is_no_way_around_the_key(served: AuthServer) -> None:
    # langgraph dev authenticates `x-auth-scheme: langsmith` as a Studio user unless disable_studio_auth is set.
    response = raw(served, "POST", "/threads", json={}, headers={"x-auth-scheme": "langsmith"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("case", "headers"),
    [
        ("bob's key, then alice's", [("x-api-key", "bob"), ("x-api-key", "alice")]),
        ("alice's key twice", [("x-api-key", "alice"), ("x-api-key", "alice")]),
        ("a wrong key, then alice's", [("x-api-key", "wrong"), ("x-api-key", "alice")]),
        ("alice's key and two authorization headers",
         [("x-api-key", "alice"), ("authorization", "Bearer a.b.c"), ("authorization", "Bearer d.e.f")]),
        ("two bearer tokens", [("authorization", "jwt"), ("authorization", "jwt")]),
    ],
)  # fmt: skip
def test_repeated_credentials_headers_are_a_401(served: AuthServer, case: str, headers: list[tuple[str, str]]) -> None:
    # The server hands its `headers` argument over as a dict, which keeps the last of repeated names: the handler
    # reads the raw list, so neither the first nor the last of two keys is taken.
    values = {"bob": KEYS["bob"], "alice": KEYS["alice"], "wrong": "x" * 43,
              "jwt": f"Bearer {served.issuer.token('alice')}"}  # fmt: skip
    sent = [(name, values.get(value, value)) for name, value in headers]
    response = raw(served, "POST", "/threads/search", json={}, headers=sent)
    assert response.status_code == 401, case
    assert response.text == raw(served, "POST", "/threads/search", json={}).text
    one = [(name, value) for name, value in sent if name == "x-api-key"][-1:] or sent[-1:]
    assert raw(served, "POST", "/threads/search", json={}, headers=one).status_code == 200, "one header alone works"


def access_log_lines(served: AuthServer, marker: str, count: int) -> list[str]:
    """The server's access-log lines of the ``count`` requests whose query string carries ``marker``.

    The server writes a request's line once it has answered, so the lines are waited for.
    """
    lines: list[str] = []

    def logged() -> bool:
        log = served.server.process.log_path.read_text(errors="replace")
        lines[:] = [line for line in log.splitlines() if marker in line]
        return len(lines) >= count

    wait_until(logged, f"{count} access-log lines with {marker}")
    return lines


@pytest.mark.parametrize(
    "parameter", ["api_key", "x-api-key", "X-API-KEY", "apikey", "token", "access_token", "x%2Dapi%2Dkey", "k"]
)
def test_a_key_in_the_query_string_is_refused_and_never_logged(served: AuthServer, parameter: str) -> None:
    # `k` is no credential name: its value is refused and redacted because it equals a configured key.
    key, marker = KEYS["carol"], f"probe-{uuid.uuid4().hex}"
    query = f"?marker={marker}&{parameter}={key}&limit=1"
    with_header = raw(served, "POST", "/threads/search" + query, json={}, headers={"x-api-key": KEYS["alice"]})
    assert with_header.status_code == 401
    assert "not accepted in the query string" in with_header.json()["detail"]
    without = raw(served, "GET", f"/threads/{uuid.uuid4()}{query}")
    assert without.status_code == 401
    for line in access_log_lines(served, marker, 2):
        assert key not in line and f"{parameter}=REDACTED" in line, line
        assert f"marker={marker}" in line and "limit=1" in line  # the other parameters are logged as sent


@pytest.mark.parametrize("path", ["/info", "/docs", "/openapi.json", "/", "/no/such/route"])
@pytest.mark.parametrize("parameter", ["api_key", "token", "k"])
def test_a_key_in_the_query_string_of_a_route_without_auth_is_never_logged(
    served: AuthServer, path: str, parameter: str
) -> None:
    # The auth handler never sees the meta routes; its filter on the access log's logger redacts their lines.
    key, marker = KEYS["carol"], f"probe-{uuid.uuid4().hex}"
    response = raw(served, "GET", f"{path}?marker={marker}&{parameter}={key}")
    assert response.status_code in (200, 401, 404), response.status_code
    [line] = access_log_lines(served, marker, 1)
    assert key not in line and f"{parameter}=REDACTED" in line, line


def test_the_store_item_key_parameter_is_no_credential(served: AuthServer, alice: SyncLangGraphClient) -> None:
    alice.store.put_item(["q"], "token", {"v": 1})
    response = raw(served, "GET", "/store/items?namespace=q&key=token", headers={"x-api-key": KEYS["alice"]})
    assert response.status_code == 200 and response.json()["value"] == {"v": 1}


def test_the_right_key_runs_the_agent(alice: SyncLangGraphClient) -> None:
    thread_id = alice.threads.create()["thread_id"]
    state = alice.runs.wait(thread_id, GRAPH_ID, input=user("What is 6 * 7?"))
    assert state["messages"][-1]["content"].endswith("6 * 7 = 42.")


def test_the_system_assistant_is_readable_by_every_identity(
    alice: SyncLangGraphClient, bob: SyncLangGraphClient
) -> None:
    for client in (alice, bob):
        assistants = client.assistants.search(graph_id=GRAPH_ID)
        assert [a["graph_id"] for a in assistants] == [GRAPH_ID]
        assert client.assistants.get(assistants[0]["assistant_id"])["name"] == GRAPH_ID


def test_assistants_cannot_be_created_changed_or_deleted_through_the_api(alice: SyncLangGraphClient) -> None:
    system = alice.assistants.search(graph_id=GRAPH_ID)[0]["assistant_id"]
    assert refused(lambda: alice.assistants.create(GRAPH_ID, name="mine")) == 403
    assert refused(lambda: alice.assistants.update(system, metadata={"x": "y"})) in (403, 404)
    assert refused(lambda: alice.assistants.delete(system)) in (403, 404)
    assert alice.assistants.get(system)["graph_id"] == GRAPH_ID


# --- isolation ----------------------------------------------------------------------------------------------------


@pytest.fixture
def alices_thread(alice: SyncLangGraphClient) -> tuple[str, str]:
    """A thread of alice's with one finished run: (thread_id, run_id)."""
    thread_id = alice.threads.create(metadata={"topic": "secret"})["thread_id"]
    run = alice.runs.create(thread_id, GRAPH_ID, input=user("My name is Alice."))
    alice.runs.join(thread_id, run["run_id"])
    return thread_id, run["run_id"]


def test_another_identity_cannot_read_or_find_a_thread(
    alices_thread: tuple[str, str], alice: SyncLangGraphClient, bob: SyncLangGraphClient
) -> None:
    thread_id, run_id = alices_thread
    assert refused(lambda: bob.threads.get(thread_id)) == 404
    assert refused(lambda: bob.threads.get_state(thread_id)) == 404
    assert refused(lambda: bob.threads.get_history(thread_id)) == 404
    assert thread_id not in [t["thread_id"] for t in bob.threads.search(limit=100)]
    assert bob.threads.search(metadata={"owner": "alice"}) == []
    assert bob.threads.search(metadata={"topic": "secret"}) == []
    assert refused(lambda: bob.runs.get(thread_id, run_id)) == 404
    assert refused(lambda: bob.runs.list(thread_id)) == 404
    # ... while alice still can
    assert alice.threads.get(thread_id)["metadata"]["owner"] == "alice"
    assert thread_id in [t["thread_id"] for t in alice.threads.search(metadata={"topic": "secret"})]


def test_a_rotated_key_keeps_its_identitys_threads(alices_thread: tuple[str, str], served: AuthServer) -> None:
    # AGENT_API_KEYS lists alice:<old> and alice/rotated:<new>: both are identity alice, during and after a rotation
    thread_id, run_id = alices_thread
    rotated = served.client("alice/rotated")
    assert rotated.threads.get(thread_id)["metadata"]["owner"] == "alice"
    assert rotated.runs.get(thread_id, run_id)["status"] == "success"


def test_another_identity_cannot_run_stream_update_or_delete_a_thread(
    alices_thread: tuple[str, str], alice: SyncLangGraphClient, bob: SyncLangGraphClient
) -> None:
    thread_id, run_id = alices_thread
    assert refused(lambda: bob.runs.stream(thread_id, GRAPH_ID, input=user("Who am I?"))) == 404
    assert refused(lambda: bob.runs.wait(thread_id, GRAPH_ID, input=user("Who am I?"))) == 404
    # joining a run's stream answers 200 and then a single error event: nothing of the run comes through
    joined = list(bob.runs.join_stream(thread_id, run_id))
    assert [(part.event, part.data["message"]) for part in joined] == [("error", "404: Thread not found")]
    assert refused(lambda: bob.threads.update(thread_id, metadata={"owner": "bob"})) == 404
    assert refused(lambda: bob.threads.update_state(thread_id, {"messages": []})) == 404
    assert refused(lambda: bob.runs.delete(thread_id, run_id)) == 404
    assert refused(lambda: bob.runs.cancel(thread_id, run_id)) == 404
    assert refused(lambda: bob.threads.copy(thread_id)) == 409  # as for a missing id: see the next tests
    assert "My name is Alice." not in str(bob.threads.search(limit=100))  # no copy of her conversation landed
    assert refused(lambda: bob.threads.prune([thread_id])) == 404
    assert refused(lambda: bob.threads.delete(thread_id)) == 404
    assert refused(lambda: bob.threads.create(thread_id=thread_id, if_exists="do_nothing")) == 409
    # alice's thread is untouched: same owner, same conversation, her run still there
    assert alice.threads.get(thread_id)["metadata"]["owner"] == "alice"
    messages = alice.threads.get_state(thread_id)["values"]["messages"]
    assert [m["type"] for m in messages] == ["human", "ai"] and messages[0]["content"] == "My name is Alice."
    assert alice.runs.get(thread_id, run_id)["status"] == "success"


def test_copying_a_foreign_thread_answers_exactly_as_copying_a_missing_one(
    alices_thread: tuple[str, str], bob: SyncLangGraphClient
) -> None:
    # The server answers a copy it cannot make with 409 "Conflict", after the auth handler, for a missing thread and
    # for one the caller may not read alike: no oracle, only an odd status (documented in docs/security.md).
    thread_id, _ = alices_thread
    foreign = refusal(lambda: bob.threads.copy(thread_id))
    missing = refusal(lambda: bob.threads.copy(str(uuid.uuid4())))
    assert (
        (foreign.status_code, foreign.json()) == (missing.status_code, missing.json()) == (409, {"detail": "Conflict"})
    )


def test_runs_and_crons_on_a_foreign_thread_answer_as_on_a_missing_one(
    alices_thread: tuple[str, str], bob: SyncLangGraphClient
) -> None:
    thread_id, _ = alices_thread
    missing_id = str(uuid.uuid4())
    for call in (
        lambda tid: bob.runs.create(tid, GRAPH_ID, input=user("hi")),
        lambda tid: bob.runs.wait(tid, GRAPH_ID, input=user("hi")),
        lambda tid: bob.crons.create_for_thread(tid, GRAPH_ID, schedule=YEARLY),
        lambda tid: bob.threads.get(tid),
        lambda tid: bob.threads.update(tid, metadata={"x": 1}),
        lambda tid: bob.threads.delete(tid),
    ):
        foreign, missing = refusal(functools.partial(call, thread_id)), refusal(functools.partial(call, missing_id))
        assert foreign.status_code == missing.status_code == 404
        assert foreign.text.replace(thread_id, "ID") == missing.text.replace(missing_id, "ID")


def test_creating_a_taken_thread_id_says_it_is_taken_not_by_whom(
    alices_thread: tuple[str, str], alice: SyncLangGraphClient, bob: SyncLangGraphClient
) -> None:
    # What the auth handler cannot change (docs/security.md): the server checks whether the id exists after the
    # handler has run, and a missing id is created. So a caller-chosen id that is taken answers 409, for the owner
    # and for everyone else alike, with the same body: it tells that the id exists, never whose it is or what it holds.
    thread_id, _ = alices_thread
    bobs = refusal(lambda: bob.threads.create(thread_id=thread_id))
    alices = refusal(lambda: alice.threads.create(thread_id=thread_id))
    assert (bobs.status_code, bobs.json()) == (alices.status_code, alices.json())
    assert bobs.json() == {"detail": f"Thread with ID {thread_id} already exists"}
    assert refusal(lambda: bob.threads.create(thread_id=thread_id, if_exists="do_nothing")).json() == bobs.json()
    # a run that would create the thread (if_not_exists="create") finds it, and answers as for a thread not found
    taken = refusal(lambda: bob.runs.create(thread_id, GRAPH_ID, input=user("hi"), if_not_exists="create"))
    assert taken.status_code == 404
    assert alice.threads.get(thread_id)["metadata"]["owner"] == "alice"


def test_the_owner_cannot_be_forged_or_given_away(alice: SyncLangGraphClient, bob: SyncLangGraphClient) -> None:
    forged = bob.threads.create(metadata={"owner": "alice"})["thread_id"]
    assert bob.threads.get(forged)["metadata"]["owner"] == "bob"
    assert refused(lambda: alice.threads.get(forged)) == 404
    bob.threads.update(forged, metadata={"owner": "alice"})
    assert bob.threads.get(forged)["metadata"]["owner"] == "bob"
    assert refused(lambda: alice.threads.get(forged)) == 404


def test_a_thread_made_by_a_run_belongs_to_its_caller(alice: SyncLangGraphClient, bob: SyncLangGraphClient) -> None:
    marker = f"made-by-run-{uuid.uuid4()}"
    thread_id = str(uuid.uuid4())
    alice.runs.wait(thread_id, GRAPH_ID, input=user(marker), if_not_exists="create", metadata={"marker": marker})
    assert alice.threads.get(thread_id)["metadata"]["owner"] == "alice"
    assert refused(lambda: bob.threads.get(thread_id)) == 404
    assert bob.threads.search(metadata={"marker": marker}) == []


def test_crons_are_isolated(
    alices_thread: tuple[str, str], alice: SyncLangGraphClient, bob: SyncLangGraphClient
) -> None:
    thread_id, _ = alices_thread
    cron = alice.crons.create_for_thread(thread_id, GRAPH_ID, schedule=YEARLY, input=user("Happy new year"))
    cron_id = cron["cron_id"]
    try:
        assert cron_id in [c["cron_id"] for c in alice.crons.search(thread_id=thread_id)]
        assert cron_id not in [c["cron_id"] for c in bob.crons.search(limit=100)]
        assert refused(lambda: bob.crons.create_for_thread(thread_id, GRAPH_ID, schedule=YEARLY)) == 404
        assert refused(lambda: bob.crons.update(cron_id, schedule="0 0 2 1 *")) == 404
        assert refused(lambda: bob.crons.delete(cron_id)) == 404
        assert cron_id in [c["cron_id"] for c in alice.crons.search(thread_id=thread_id)]
    finally:
        alice.crons.delete(cron_id)


def test_store_items_are_isolated(alice: SyncLangGraphClient, bob: SyncLangGraphClient) -> None:
    namespace = ["notes", uuid.uuid4().hex]
    alice.store.put_item(namespace, "plan", {"text": "alice's plan"})
    assert alice.store.get_item(namespace, "plan")["value"] == {"text": "alice's plan"}

    assert bob_sees_nothing(lambda: bob.store.get_item(namespace, "plan"))
    assert bob.store.search_items(namespace)["items"] == []
    assert bob.store.search_items(["notes"])["items"] == []
    # every namespace bob can list starts with his own label (the in-memory store may list his empty lookups)
    assert {ns[0] for ns in bob.store.list_namespaces()["namespaces"]} <= {"bob"}
    assert ["alice", *namespace] in alice.store.list_namespaces()["namespaces"]
    # bob writing the same namespace and key makes his own item, not a change to alice's
    bob.store.put_item(namespace, "plan", {"text": "bob's plan"})
    bob.store.delete_item(namespace, "plan")
    assert alice.store.get_item(namespace, "plan")["value"] == {"text": "alice's plan"}
    assert [item["key"] for item in alice.store.search_items(namespace)["items"]] == ["plan"]


# --- per-identity limits ------------------------------------------------------------------------------------------


def delayed_run(client: SyncLangGraphClient, thread_id: str | None = None) -> tuple[str, str]:
    """A run that stays pending for an hour (``after_seconds``): (thread_id, run_id)."""
    thread_id = thread_id or client.threads.create()["thread_id"]
    run = client.runs.create(thread_id, GRAPH_ID, input=user("later"), after_seconds=3600)
    return thread_id, run["run_id"]


def cancel(client: SyncLangGraphClient, thread_id: str, run_id: str) -> None:
    client.runs.cancel(thread_id, run_id)
    wait_until(lambda: client.runs.get(thread_id, run_id)["status"] not in ("pending", "running"), "cancelled run")


def test_runs_in_flight_are_limited_per_identity(served: AuthServer) -> None:
    carol, dave = served.client("carol"), served.client("dave")
    runs = [delayed_run(carol) for _ in range(MAX_RUNS_IN_FLIGHT)]
    try:
        over = refusal(lambda: delayed_run(carol))
        assert over.status_code == 429
        assert "Too many runs in flight" in over.json()["detail"]
        assert "AGENT_MAX_RUNS_IN_FLIGHT_PER_IDENTITY" in over.json()["detail"]
        # every way of starting a run counts: on an existing thread, stateless, waiting, streaming
        assert refused(lambda: carol.runs.create(None, GRAPH_ID, input=user("hi"))) == 429
        assert refused(lambda: carol.runs.wait(runs[0][0], GRAPH_ID, input=user("hi"),
                                                multitask_strategy="enqueue")) == 429  # fmt: skip
        assert refused(lambda: carol.runs.stream(None, GRAPH_ID, input=user("hi"))) == 429
        # the limit is carol's alone
        other = delayed_run(dave)
        cancel(dave, *other)
        # a finished (here: cancelled) run makes room
        cancel(carol, *runs.pop())
        runs.append(delayed_run(carol))
    finally:
        for thread_id, run_id in runs:
            cancel(carol, thread_id, run_id)
    assert carol.runs.wait(None, GRAPH_ID, input=user("What is 6 * 7?"))["messages"][-1]["content"].endswith("42.")


def test_crons_are_limited_per_identity(served: AuthServer) -> None:
    dave, carol = served.client("dave"), served.client("carol")
    crons = [dave.crons.create(GRAPH_ID, schedule=YEARLY)["cron_id"] for _ in range(MAX_CRONS)]
    try:
        over = refusal(lambda: dave.crons.create(GRAPH_ID, schedule=YEARLY))
        assert over.status_code == 403
        assert "Cron limit reached" in over.json()["detail"]
        assert "AGENT_MAX_CRONS_PER_IDENTITY" in over.json()["detail"]
        thread_id = dave.threads.create()["thread_id"]
        assert refused(lambda: dave.crons.create_for_thread(thread_id, GRAPH_ID, schedule=YEARLY)) == 403
        # the limit is dave's alone
        carols = carol.crons.create(GRAPH_ID, schedule=YEARLY)["cron_id"]
        carol.crons.delete(carols)
        # deleting one makes room
        dave.crons.delete(crons.pop())
        crons.append(dave.crons.create_for_thread(thread_id, GRAPH_ID, schedule=YEARLY)["cron_id"])
        assert len(dave.crons.search(limit=100)) == MAX_CRONS
    finally:
        for cron_id in crons:
            dave.crons.delete(cron_id)


def bob_sees_nothing(call: Callable[[], Any]) -> bool:
    try:
        return call() is None
    except NotFoundError:
        return True


# --- JWT ----------------------------------------------------------------------------------------------------------


def test_a_valid_jwt_runs_the_agent_as_its_own_identity(served: AuthServer, alice: SyncLangGraphClient) -> None:
    # sub "alice" is not the API-key identity "alice": the token's identity is jwt:alice
    carol = served.bearer_client(served.issuer.token("alice"))
    thread_id = carol.threads.create()["thread_id"]
    state = carol.runs.wait(thread_id, GRAPH_ID, input=user("What is 2 ** 10?"))
    assert state["messages"][-1]["content"].endswith("2 ** 10 = 1024.")
    assert carol.threads.get(thread_id)["metadata"]["owner"] == "jwt:alice"
    assert refused(lambda: alice.threads.get(thread_id)) == 404
    alices = alice.threads.create()["thread_id"]
    assert refused(lambda: carol.threads.get(alices)) == 404


def test_the_jwks_is_fetched_once_and_cached(served: AuthServer) -> None:
    client = served.bearer_client(served.issuer.token("dave"))
    client.threads.search(limit=1)
    fetched = served.jwks.fetches
    assert fetched >= 1
    for _ in range(5):
        client.threads.search(limit=1)
    assert served.jwks.fetches == fetched


def other_key_tokens(issuer: Issuer) -> dict[str, str]:
    """Tokens that look right but are not signed by the issuer's key, or use an algorithm that is not accepted."""
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "mallory", "exp": now + 300}
    public_pem = issuer.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # PyJWT refuses to sign HS256 with a PEM key, so these two are put together by hand.
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": KID})
    body = _b64(claims)
    signature = base64.urlsafe_b64encode(hmac.new(public_pem, header + b"." + body, hashlib.sha256).digest()).rstrip(
        b"="
    )
    none_header = _b64({"alg": "none", "typ": "JWT", "kid": KID})
    return {
        "signed by another RSA key": issuer.token("mallory", key=stranger),
        "ES256 with another key": issuer.token(
            "mallory", key=ec.generate_private_key(ec.SECP256R1()), algorithm="ES256"
        ),
        "HS256 keyed with the public key": (header + b"." + body + b"." + signature).decode(),
        "alg none": (none_header + b"." + body + b".").decode(),
        "unknown kid": issuer.token("mallory", key=stranger, kid="not-published"),
    }


def _b64(data: dict[str, Any]) -> bytes:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=")


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, id="expired"),
        pytest.param({"nbf": int(time.time()) + 3600}, id="not yet valid"),
        pytest.param({"aud": "some-other-service"}, id="wrong audience"),
        pytest.param({"iss": "https://idp.example.test/realms/other"}, id="wrong issuer"),
        pytest.param({"sub": None}, id="no subject"),
        pytest.param({"sub": ""}, id="empty subject"),
        pytest.param({"exp": None}, id="no expiry"),
    ],
)
def test_an_invalid_jwt_is_a_401(served: AuthServer, claims: dict[str, Any]) -> None:
    token = served.issuer.token("erin", **claims)
    response = raw(served, "POST", "/threads/search", json={}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, claims


def test_a_forged_jwt_is_a_401(served: AuthServer) -> None:
    for case, token in other_key_tokens(served.issuer).items():
        response = raw(served, "POST", "/threads/search", json={}, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, case


def test_no_key_ever_reaches_the_server_log(served: AuthServer) -> None:
    log = served.server.process.log_path.read_text(errors="replace")
    assert "Authentication: 5 API key(s) of 4 identities, JWT from" in log
    assert f"Limits: at most {MAX_CRONS} crons and {MAX_RUNS_IN_FLIGHT} runs in flight per identity" in log
    for configured in KEYS.values():
        assert configured not in log


def test_the_server_sent_nothing_off_the_machine(served: AuthServer) -> None:
    assert served.server.trap.requests == [], f"outbound requests attempted: {served.server.trap.requests}"

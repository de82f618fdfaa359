"""Smoke test of a deployed Agent Server: `AGENT_API_KEY=... python scripts/smoke.py URL`.

CI reads the key from the secret manager instead: it puts the whole AGENT_API_KEYS secret (`name:key,...`) in the
environment variable of that name, and the script takes the key of `--identity` (default `ci`) from it.

Checks the health endpoint (no key), then runs the agent once through the official langgraph_sdk client, which sends
the key from the environment variable AGENT_API_KEY as `x-api-key` (one of the deployment's AGENT_API_KEYS keys; see
docs/app.md, "Authentication"), and waits for the result. The key is read from the environment only, so it never
shows in a command line or a CI log, and it is never printed. CI runs this against the dev stack's `url` output
before anything is promoted. Exit status 0 on success, 1 with the reason otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.request

from langgraph_sdk import get_sync_client
from langgraph_sdk.errors import AuthenticationError

GRAPH_ID = "agent"
API_KEY_VARIABLE = "AGENT_API_KEY"
KEYS_VARIABLE = "AGENT_API_KEYS"


def key_of(keys: str, identity: str) -> str | None:
    """The first key of `identity` in an AGENT_API_KEYS value (`name[/version]:key,...`); None when it has none."""
    for entry in keys.split(","):
        name, sep, key = entry.strip().partition(":")
        if sep and name.split("/", 1)[0] == identity and key:
            return key
    return None


def smoke(url: str, timeout: float, api_key: str | None = None) -> str:
    with urllib.request.urlopen(f"{url.rstrip('/')}/ok", timeout=timeout) as response:
        if response.status != 200:
            raise RuntimeError(f"GET /ok answered {response.status}")
    # api_key=None stops langgraph_sdk from falling back to LANGGRAPH_/LANGSMITH_/LANGCHAIN_API_KEY.
    client = get_sync_client(url=url, api_key=api_key or None, timeout=timeout)
    try:
        assistants = client.assistants.search(graph_id=GRAPH_ID, limit=1)
    except AuthenticationError:
        state = "was refused" if api_key else "is not set"
        raise RuntimeError(f"401 Unauthorized: the key in {API_KEY_VARIABLE} {state}") from None
    if not assistants:
        raise RuntimeError(f"no assistant serves graph {GRAPH_ID!r}: is app/langgraph.json the deployed one?")
    thread = client.threads.create()
    state = client.runs.wait(thread["thread_id"], GRAPH_ID,
                             input={"messages": [{"role": "user", "content": "What is 6 times 7?"}]})
    messages = state.get("messages") if isinstance(state, dict) else None
    if not messages or messages[-1].get("type") != "ai":
        raise RuntimeError(f"the run did not end with an answer: {state!r:.300}")
    return str(messages[-1].get("content"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the server's base URL (the stack output `url`)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request (default 60)")
    parser.add_argument("--identity", default="ci",
                        help=f"whose key to take from {KEYS_VARIABLE} when {API_KEY_VARIABLE} is unset (default ci)")
    args = parser.parse_args(argv)
    key = os.environ.get(API_KEY_VARIABLE, "").strip()
    if not key and os.environ.get(KEYS_VARIABLE):
        key = key_of(os.environ[KEYS_VARIABLE], args.identity) or ""
        if not key:
            print(f"smoke test failed against {args.url}: {KEYS_VARIABLE} has no key for identity {args.identity!r}",
                  file=sys.stderr)
            return 1
    try:
        answer = smoke(args.url, args.timeout, key)
    except Exception as err:  # noqa: BLE001 - any failure is a failed smoke test, reported in one line
        print(f"smoke test failed against {args.url}: {err}", file=sys.stderr)
        return 1
    print(f"smoke test passed against {args.url}: {answer[:120]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

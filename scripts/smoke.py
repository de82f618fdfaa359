"""Smoke test of a deployed Agent Server: `python scripts/smoke.py URL`.

Checks the health endpoint, then runs the agent once through the official langgraph_sdk client and waits for the
result. CI runs it against the dev stack's `url` output before anything is promoted. Exit status 0 on success, 1
with the reason otherwise.
"""

from __future__ import annotations

import argparse
import sys
import urllib.request

from langgraph_sdk import get_sync_client

GRAPH_ID = "agent"


def smoke(url: str, timeout: float, api_key: str | None = None) -> str:
    with urllib.request.urlopen(f"{url.rstrip('/')}/ok", timeout=timeout) as response:
        if response.status != 200:
            raise RuntimeError(f"GET /ok answered {response.status}")
    client = get_sync_client(url=url, api_key=api_key, timeout=timeout)
    assistants = client.assistants.search(graph_id=GRAPH_ID, limit=1)
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
    parser.add_argument("--api-key", default=None, help="x-api-key for servers behind LangSmith auth")
    args = parser.parse_args(argv)
    try:
        answer = smoke(args.url, args.timeout, args.api_key)
    except Exception as err:  # noqa: BLE001 - any failure is a failed smoke test, reported in one line
        print(f"smoke test failed against {args.url}: {err}", file=sys.stderr)
        return 1
    print(f"smoke test passed against {args.url}: {answer[:120]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

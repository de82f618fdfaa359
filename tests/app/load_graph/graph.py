"""The load graph: deterministic, no network call, and every execution recorded in Postgres.

Served only by scripts/load_harness.py and tests/app/test_faults.py (never part of app/). One node:

1. inserts ``(run_id, thread_id, 'start')`` into ``load_executions`` in the server's own database (``DATABASE_URI``;
   the harness creates the table from schema.sql before any server starts: concurrent ``create table if not
   exists`` races on Postgres' catalog and failed a run),
2. sleeps ``input.sleep`` seconds (a run that is "in flight" for a known time), or, with ``input.gate``, waits until
   the harness inserts that name into ``load_gates`` (a run in flight until the harness says so; ``sleep`` then
   bounds the wait),
3. inserts ``(run_id, thread_id, 'end')`` and adds 1 to the thread's ``count`` and the run's tag to ``tags``.

So a run executed twice leaves two 'start' rows under its run_id: duplicates are counted, not guessed. A thread's
state is intact when its ``count`` equals the number of its runs that succeeded and ``tags`` lists them in order.
"""

from __future__ import annotations

import asyncio
import operator
import os
from typing import Annotated, Any, TypedDict

import psycopg
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph


class State(TypedDict, total=False):
    count: Annotated[int, operator.add]
    tags: Annotated[list[str], operator.add]
    tag: str
    sleep: float
    gate: str


async def _record(config: RunnableConfig, phase: str) -> None:
    configurable = config.get("configurable", {})
    run_id = str(configurable.get("run_id") or config.get("metadata", {}).get("run_id"))
    thread_id = str(configurable.get("thread_id"))
    dsn = os.environ["DATABASE_URI"]
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        await conn.execute(
            "insert into load_executions (run_id, thread_id, phase, pid) values (%s, %s, %s, %s)",
            (run_id, thread_id, phase, os.getpid()),
        )


async def _wait_for_gate(gate: str, bound_seconds: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound_seconds
    async with await psycopg.AsyncConnection.connect(os.environ["DATABASE_URI"], autocommit=True) as conn:
        while loop.time() < deadline:
            if await (await conn.execute("select 1 from load_gates where name = %s", (gate,))).fetchone():
                return
            await asyncio.sleep(0.1)


async def work(state: State, config: RunnableConfig) -> dict[str, Any]:
    await _record(config, "start")
    if state.get("gate"):
        await _wait_for_gate(str(state["gate"]), float(state.get("sleep") or 0))
    else:
        await asyncio.sleep(float(state.get("sleep") or 0))
    await _record(config, "end")
    return {"count": 1, "tags": [state.get("tag") or ""]}


builder = StateGraph(State)
builder.add_node("work", work)
builder.add_edge(START, "work")
builder.add_edge("work", END)
graph = builder.compile()

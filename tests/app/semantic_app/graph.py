"""One node: remember the input text in the store, then recall the closest memory to the query by meaning."""

from __future__ import annotations

import hashlib
from typing import Any, TypedDict

from langgraph.config import get_store
from langgraph.graph import END, START, StateGraph


class State(TypedDict, total=False):
    remember: str
    query: str
    recalled: list[str]


async def remember_and_recall(state: State) -> dict[str, Any]:
    store = get_store()
    if state.get("remember"):
        await store.aput(("memories",), hashlib.sha256(state["remember"].encode()).hexdigest()[:16], {"text": state["remember"]})
    hits = await store.asearch(("memories",), query=state.get("query") or "", limit=2)
    return {"recalled": [hit.value["text"] for hit in hits]}


builder = StateGraph(State)
builder.add_node("remember_and_recall", remember_and_recall)
builder.add_edge(START, "remember_and_recall")
builder.add_edge("remember_and_recall", END)
graph = builder.compile()

"""The agent graph: a chat model with tools, looping until the model stops calling them.

``graph`` is what ``langgraph.json`` registers as graph id ``agent``. It is compiled without a checkpointer: the Agent
Server supplies its own (in memory under ``langgraph dev``, Postgres in the container).
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import SystemMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from agent.model import select_chat_model
from agent.tools import TOOLS

SYSTEM_PROMPT = (
    "You are a concise, helpful assistant. Use the calculator tool for any arithmetic and the current_utc_time tool "
    "for the current date or time; never guess either."
)


def build_graph(
    model: BaseChatModel | None = None,
    *,
    checkpointer: BaseCheckpointSaver | None = None,
) -> CompiledStateGraph:
    """Compile the agent around ``model`` (by default the one the environment selects, see ``agent.model``)."""
    chat_model = (model if model is not None else select_chat_model()).bind_tools(TOOLS)

    async def call_model(state: MessagesState) -> dict:
        response = await chat_model.ainvoke([SystemMessage(SYSTEM_PROMPT), *state["messages"]])
        return {"messages": [response]}

    builder = StateGraph(MessagesState)
    builder.add_node("model", call_model)
    builder.add_node("tools", ToolNode(TOOLS))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition)
    builder.add_edge("tools", "model")
    return builder.compile(checkpointer=checkpointer, name="agent")


graph = build_graph()

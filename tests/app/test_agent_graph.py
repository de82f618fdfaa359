"""The agent graph itself, run in process with a checkpointer and the offline model (no server, no network)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from agent.graph import SYSTEM_PROMPT, build_graph
from agent.offline import OFFLINE_MARKER, OfflineChatModel, find_arithmetic
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph.state import CompiledStateGraph

from tests.app.agent_servers import LANGGRAPH_CONFIG


class RecordingModel(OfflineChatModel):
    """The offline model, remembering what each call received."""

    calls: list[dict[str, Any]] = []

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any):
        self.calls.append({"messages": list(messages), "tools": kwargs.get("tools")})
        return super()._generate(messages, stop, run_manager, **kwargs)


def ask(graph: CompiledStateGraph, thread_id: str, text: str) -> list[BaseMessage]:
    config = {"configurable": {"thread_id": thread_id}}
    result = asyncio.run(graph.ainvoke({"messages": [HumanMessage(text)]}, config))
    return result["messages"]


@pytest.fixture
def agent() -> CompiledStateGraph:
    return build_graph(OfflineChatModel(reason="test"), checkpointer=InMemorySaver())


def test_arithmetic_goes_through_the_calculator_tool(agent: CompiledStateGraph) -> None:
    human, call, tool, answer = ask(agent, "t-calc", "What is (17 + 25) * 3?")
    assert isinstance(call, AIMessage) and [c["name"] for c in call.tool_calls] == ["calculator"]
    assert call.tool_calls[0]["args"] == {"expression": "(17 + 25) * 3"}
    assert isinstance(tool, ToolMessage) and tool.content == "126" and tool.tool_call_id == call.tool_calls[0]["id"]
    assert isinstance(answer, AIMessage) and not answer.tool_calls and "= 126" in answer.text


def test_a_time_question_goes_through_the_utc_tool(agent: CompiledStateGraph) -> None:
    messages = ask(agent, "t-time", "What time is it now?")
    tool = next(m for m in messages if isinstance(m, ToolMessage))
    assert tool.name == "current_utc_time" and tool.content.endswith("+00:00")
    assert messages[-1].text.endswith(f"The current UTC time is {tool.content}.")


def test_two_turns_on_a_thread_keep_both(agent: CompiledStateGraph) -> None:
    ask(agent, "t-memory", "My name is Ada.")
    messages = ask(agent, "t-memory", "Do you remember me?")
    assert [m.type for m in messages] == ["human", "ai", "human", "ai"]
    assert "message 2 from you; your first was 'My name is Ada.'" in messages[-1].text
    saved = agent.get_state({"configurable": {"thread_id": "t-memory"}}).values["messages"]
    assert [m.id for m in saved] == [m.id for m in messages]


def test_threads_do_not_share_state(agent: CompiledStateGraph) -> None:
    ask(agent, "t-one", "First thread.")
    messages = ask(agent, "t-two", "Second thread.")
    assert [m.type for m in messages] == ["human", "ai"]
    assert "message 1 from you." in messages[-1].text


def test_the_model_gets_the_system_prompt_history_and_tools() -> None:
    model = RecordingModel(reason="test", calls=[])
    graph = build_graph(model, checkpointer=InMemorySaver())
    ask(graph, "t-rec", "Hello")
    ask(graph, "t-rec", "Again")
    last = model.calls[-1]
    assert isinstance(last["messages"][0], SystemMessage) and last["messages"][0].content == SYSTEM_PROMPT
    assert [m.type for m in last["messages"][1:]] == ["human", "ai", "human"]
    assert [t["function"]["name"] for t in last["tools"]] == ["calculator", "current_utc_time"]


def test_offline_answers_are_marked(agent: CompiledStateGraph) -> None:
    assert ask(agent, f"t-{uuid.uuid4()}", "Hi")[-1].text.startswith(OFFLINE_MARKER)


@pytest.mark.parametrize(
    ("text", "expression"),
    [
        ("What is 2 ** 10?", "2 ** 10"),
        ("compute (1+2)*3.", "(1+2)*3"),
        ("-4 * 2", "-4 * 2"),
        ("I am 42 years old.", None),
        ("Room 101, floor 3", None),
        ("ticket stateless-1234-5678-9abc", None),
        ("see build-42-7", None),
    ],
)
def test_offline_model_finds_arithmetic(text: str, expression: str | None) -> None:
    assert find_arithmetic(text) == expression


def test_langgraph_json_registers_this_graph_as_agent() -> None:
    config = json.loads(LANGGRAPH_CONFIG.read_text())
    path, _, attribute = config["graphs"]["agent"].partition(":")
    module_file = (LANGGRAPH_CONFIG.parent / path).resolve()
    assert module_file == (LANGGRAPH_CONFIG.parent / "agent" / "graph.py").resolve() and attribute == "graph"
    from agent import graph as graph_module

    assert isinstance(graph_module.graph, CompiledStateGraph)
    assert set(graph_module.graph.nodes) >= {"model", "tools"}

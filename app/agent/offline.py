"""A deterministic chat model for running the agent without a provider key.

It is a stand-in, not a language model: it recognises arithmetic and questions about the time, calls the bound tool
for them and reports the tool's answer, and otherwise answers with a fixed sentence that shows what it received. That
is enough to drive the whole tool loop and the conversation state through the Agent Server offline (tests, CI, a
freshly deployed stack before its key is set). Every answer starts with ``[offline model`` so nobody mistakes it for
a real one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolCall, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

OFFLINE_MARKER = "[offline model"

_ARITHMETIC_RUN = re.compile(r"[\d.()+\-*/%\s]+")
_OPERATOR_BETWEEN_OPERANDS = re.compile(r"[\d)]\s*(\*\*|//|[-+*/%])\s*[-+(\s]*[\d(]")
_ASKS_FOR_TIME = re.compile(r"\b(time|date|today|now|utc)\b", re.IGNORECASE)


class OfflineChatModel(BaseChatModel):
    """Answers deterministically and calls the ``calculator`` and ``current_utc_time`` tools when they are bound."""

    reason: str = "no provider key"
    """Why the agent runs offline; repeated in every answer."""

    @property
    def _llm_type(self) -> str:
        return "offline"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        tool_names = {t["function"]["name"] for t in kwargs.get("tools") or ()}
        return ChatResult(generations=[ChatGeneration(message=self._respond(messages, tool_names))])

    def _respond(self, messages: list[BaseMessage], tool_names: set[str]) -> AIMessage:
        if messages and isinstance(messages[-1], ToolMessage):
            return AIMessage(content=self._report_tool_results(messages))
        said = [m.text for m in messages if isinstance(m, HumanMessage)]
        text = said[-1] if said else ""
        call_id = f"call_{len(messages)}"
        expression = find_arithmetic(text)
        if "calculator" in tool_names and expression:
            return _tool_call("calculator", {"expression": expression}, call_id)
        if "current_utc_time" in tool_names and _ASKS_FOR_TIME.search(text):
            return _tool_call("current_utc_time", {}, call_id)
        answer = f"{OFFLINE_MARKER}: {self.reason}] You said {text!r}. That is message {len(said)} from you"
        if len(said) > 1:
            answer += f"; your first was {said[0]!r}"
        return AIMessage(content=answer + ".")

    def _report_tool_results(self, messages: list[BaseMessage]) -> str:
        results: dict[str, str] = {}
        for message in reversed(messages):
            if isinstance(message, ToolMessage):
                results[message.tool_call_id] = message.text
                continue
            if isinstance(message, AIMessage):
                lines = [_describe(call, results.get(call["id"] or "", "")) for call in message.tool_calls]
                return f"{OFFLINE_MARKER}: {self.reason}] " + " ".join(lines)
            break
        return f"{OFFLINE_MARKER}: {self.reason}] " + " ".join(results.values())


def find_arithmetic(text: str) -> str | None:
    """Return the first run of numbers, operators and parentheses in ``text`` that has an operator between operands."""
    for run in _ARITHMETIC_RUN.finditer(text):
        start = run.start() + len(run.group()) - len(run.group().lstrip())
        candidate = run.group().strip().rstrip(". ")
        end = start + len(candidate)
        inside_a_word = (start > 0 and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum())
        if not inside_a_word and _OPERATOR_BETWEEN_OPERANDS.search(candidate):
            return candidate
    return None


def _tool_call(name: str, args: dict[str, Any], call_id: str) -> AIMessage:
    return AIMessage(content="", tool_calls=[ToolCall(name=name, args=args, id=call_id, type="tool_call")])


def _describe(call: ToolCall, result: str) -> str:
    if call["name"] == "calculator":
        return f"{call['args'].get('expression', '')} = {result}."
    if call["name"] == "current_utc_time":
        return f"The current UTC time is {result}."
    return f"{call['name']} returned {result}."

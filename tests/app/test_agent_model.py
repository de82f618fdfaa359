"""The model choice from the environment: provider, key, fallback and limits. Nothing here reaches a provider."""

from __future__ import annotations

import socket

import pytest
from agent.model import DEFAULT_MODEL, ModelConfigError, select_chat_model
from agent.offline import OfflineChatModel

FAKE_OPENAI_KEY = "sk-test-not-a-real-key"
FAKE_ANTHROPIC_KEY = "sk-ant-test-not-a-real-key"
# The provider SDKs (langchain_openai, langchain_anthropic: openai, anthropic, httpx, tiktoken...) take seconds to
# import: the tests that check a client's class import it themselves, so collecting the suite does not pay for them.


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Selecting a model only builds a client: any connection attempt fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"selecting a model opened a connection: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_default_is_openai_gpt_4o_mini_when_its_key_is_set() -> None:
    from langchain_openai import ChatOpenAI

    model = select_chat_model({"OPENAI_API_KEY": FAKE_OPENAI_KEY})
    assert DEFAULT_MODEL == "openai:gpt-4o-mini"
    assert isinstance(model, ChatOpenAI)
    assert model.model_name == "gpt-4o-mini"
    assert model.openai_api_key is not None and model.openai_api_key.get_secret_value() == FAKE_OPENAI_KEY


def test_llm_model_selects_the_provider_and_model() -> None:
    from langchain_anthropic import ChatAnthropic

    model = select_chat_model({"LLM_MODEL": "anthropic:claude-sonnet-4-5", "ANTHROPIC_API_KEY": FAKE_ANTHROPIC_KEY})
    assert isinstance(model, ChatAnthropic)
    assert model.model == "claude-sonnet-4-5"
    assert model.anthropic_api_key.get_secret_value() == FAKE_ANTHROPIC_KEY


def test_timeout_and_retries_reach_the_client() -> None:
    from langchain_openai import ChatOpenAI

    model = select_chat_model(
        {"OPENAI_API_KEY": FAKE_OPENAI_KEY, "LLM_TIMEOUT_SECONDS": "12.5", "LLM_MAX_RETRIES": "0"}
    )
    assert isinstance(model, ChatOpenAI)
    assert (model.request_timeout, model.max_retries) == (12.5, 0)


def test_without_the_providers_key_the_offline_model_answers() -> None:
    model = select_chat_model({"LLM_MODEL": "anthropic:claude-sonnet-4-5", "OPENAI_API_KEY": FAKE_OPENAI_KEY})
    assert isinstance(model, OfflineChatModel)
    assert model.reason == "ANTHROPIC_API_KEY is not set"


def test_a_blank_key_counts_as_missing() -> None:
    assert isinstance(select_chat_model({"OPENAI_API_KEY": "  "}), OfflineChatModel)


def test_without_fallback_a_missing_key_fails_at_start_up() -> None:
    with pytest.raises(ModelConfigError, match="needs OPENAI_API_KEY"):
        select_chat_model({"LLM_OFFLINE_FALLBACK": "false"})


def test_offline_can_be_chosen_explicitly_even_without_fallback() -> None:
    model = select_chat_model({"LLM_MODEL": "offline", "LLM_OFFLINE_FALLBACK": "false"})
    assert isinstance(model, OfflineChatModel)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LLM_MODEL": "gpt-4o-mini"}, "expected '<provider>:<model>'"),
        ({"LLM_MODEL": "mistralai:mistral-large"}, "provider one of ['anthropic', 'openai']"),
        ({"LLM_MODEL": "openai:"}, "expected '<provider>:<model>'"),
        ({"LLM_TIMEOUT_SECONDS": "soon"}, "LLM_TIMEOUT_SECONDS='soon' is not a number"),
        ({"LLM_TIMEOUT_SECONDS": "0"}, "must be > 0"),
        ({"LLM_MAX_RETRIES": "-1"}, "must be >= 0"),
        ({"LLM_MAX_RETRIES": "1.5"}, "is not a whole number"),
        ({"LLM_OFFLINE_FALLBACK": "maybe"}, "expected true or false"),
    ],
)
def test_invalid_settings_fail_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ModelConfigError) as error:
        select_chat_model(env)
    assert message in str(error.value)

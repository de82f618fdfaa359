"""Which chat model the agent uses, decided once from the environment at start-up.

The environment contract (all optional):

``LLM_MODEL``
    ``<provider>:<model>`` as understood by ``langchain.chat_models.init_chat_model``; default
    ``openai:gpt-4o-mini``. Providers shipped with the app: ``openai`` (key ``OPENAI_API_KEY``) and ``anthropic``
    (key ``ANTHROPIC_API_KEY``). ``offline`` selects the deterministic offline model on purpose.
``LLM_TIMEOUT_SECONDS``
    Per-request timeout towards the provider; default 60.
``LLM_MAX_RETRIES``
    Retries of a failed provider request; default 2.
``LLM_OFFLINE_FALLBACK``
    ``true`` (default): without the provider's key the agent answers with the offline model and logs a warning.
    ``false``: a missing key stops the server at start-up, which is what a production stack wants.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

from langchain.chat_models import init_chat_model
from langchain_core.language_models import BaseChatModel

from agent.offline import OfflineChatModel

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "openai:gpt-4o-mini"
OFFLINE = "offline"
PROVIDER_API_KEYS: Mapping[str, str] = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ModelConfigError(ValueError):
    """The model settings in the environment are invalid or incomplete."""


@dataclass(frozen=True)
class ModelSettings:
    """The chat model settings read from the environment (see the module docstring)."""

    provider: str
    model_name: str
    timeout_seconds: float = 60.0
    max_retries: int = 2
    offline_fallback: bool = True

    @property
    def model(self) -> str:
        return f"{self.provider}:{self.model_name}" if self.model_name else self.provider

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ModelSettings:
        model = env.get("LLM_MODEL", "").strip() or DEFAULT_MODEL
        provider, _, model_name = model.partition(":")
        if provider != OFFLINE and (provider not in PROVIDER_API_KEYS or not model_name):
            raise ModelConfigError(
                f"LLM_MODEL={model!r}: expected '<provider>:<model>' with provider one of "
                f"{sorted(PROVIDER_API_KEYS)}, or {OFFLINE!r}"
            )
        return cls(
            provider=provider,
            model_name=model_name,
            timeout_seconds=_positive_number(env, "LLM_TIMEOUT_SECONDS", 60.0),
            max_retries=int(_positive_number(env, "LLM_MAX_RETRIES", 2, allow_zero=True, integer=True)),
            offline_fallback=_flag(env, "LLM_OFFLINE_FALLBACK", default=True),
        )


def select_chat_model(env: Mapping[str, str] | None = None) -> BaseChatModel:
    """Return the configured provider's chat model, or the offline model when allowed and no key is set.

    Nothing is sent to the provider here: the client is only constructed.
    """
    env = os.environ if env is None else env
    settings = ModelSettings.from_env(env)
    if settings.provider == OFFLINE:
        return OfflineChatModel(reason="LLM_MODEL=offline")
    key_variable = PROVIDER_API_KEYS[settings.provider]
    api_key = env.get(key_variable, "").strip()
    if not api_key:
        if not settings.offline_fallback:
            raise ModelConfigError(
                f"LLM_MODEL={settings.model!r} needs {key_variable}, which is not set "
                "(LLM_OFFLINE_FALLBACK=false forbids answering with the offline model)"
            )
        logger.warning("%s is not set: answering with the offline model instead of %s", key_variable, settings.model)
        return OfflineChatModel(reason=f"{key_variable} is not set")
    return init_chat_model(
        settings.model,
        api_key=api_key,
        timeout=settings.timeout_seconds,
        max_retries=settings.max_retries,
    )


def _positive_number(
    env: Mapping[str, str], name: str, default: float, *, allow_zero: bool = False, integer: bool = False
) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ModelConfigError(f"{name}={raw!r} is not a number") from None
    if integer and not value.is_integer():
        raise ModelConfigError(f"{name}={raw!r} is not a whole number")
    if value < 0 or (value == 0 and not allow_zero):
        raise ModelConfigError(f"{name}={raw!r} must be {'>= 0' if allow_zero else '> 0'}")
    return value


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ModelConfigError(f"{name}={raw!r}: expected true or false")

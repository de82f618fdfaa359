"""The test harness's own guarantees: the outbound trap sees what it is meant to catch."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.app.agent_servers import OutboundTrap, find_binary, server_env


def test_outbound_trap_records_a_proxied_request() -> None:
    trap = OutboundTrap()
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler(trap.proxy_env_for_urllib()))
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            opener.open("http://api.example.invalid/v1/ping", timeout=5)
    finally:
        trap.close()
    assert trap.requests == ["GET http://api.example.invalid/v1/ping HTTP/1.1"]


def test_server_env_drops_keys_and_points_proxies_at_the_trap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-developer-shell")
    monkeypatch.setenv("AGENT_API_KEYS", "dev:" + "k" * 40)
    monkeypatch.setenv("AGENT_AUTH_DISABLED", "true")
    trap = OutboundTrap()
    try:
        env = server_env(**trap.proxy_env)
    finally:
        trap.close()
    assert "OPENAI_API_KEY" not in env and env["LANGSMITH_TRACING"] == "false"
    assert "AGENT_API_KEYS" not in env and "AGENT_AUTH_DISABLED" not in env
    assert env["HTTPS_PROXY"] == f"http://127.0.0.1:{trap.port}" and "127.0.0.1" in env["NO_PROXY"]


def test_a_missing_server_binary_fails_with_the_install_command() -> None:
    with pytest.raises(pytest.fail.Exception, match="not found beside .* `make setup-test` puts shellcheck and redis"):
        find_binary("redis-server-that-is-not-installed", "/nonexistent/*/bin/redis-server")


def test_the_pinned_binaries_are_found_beside_the_interpreter_whatever_path_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    for name in ("redis-server", "shellcheck"):
        assert find_binary(name) == Path(sys.executable).with_name(name)

"""The Dockerfile is generated from any app's langgraph.json by the real langgraph CLI code, at plan time or on demand."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from langgraph_infra.config import ConfigError
from langgraph_infra.dockerfile import EPILOGUE, generate
from langgraph_infra.image import content_tag


def write_app(folder: Path, **settings: object) -> Path:
    """A minimal Python app: one graph file, a pyproject, and `settings` merged into its langgraph.json."""
    (folder / "my_agent").mkdir(parents=True)
    (folder / "my_agent" / "graph.py").write_text("graph = None\n")
    (folder / "pyproject.toml").write_text('[project]\nname = "my-agent"\nversion = "0.1.0"\n')
    config = {"dependencies": ["."], "graphs": {"bot": "./my_agent/graph.py:graph"}, **settings}
    (folder / "langgraph.json").write_text(json.dumps(config))
    return folder / "langgraph.json"


def test_any_app_folder_gets_langgraph_clis_dockerfile_plus_the_user_epilogue(tmp_path):
    text = generate(write_app(tmp_path / "elsewhere", python_version="3.12")).text
    assert text.startswith("FROM langchain/langgraph-api:3.12")
    assert """ENV LANGSERVE_GRAPHS='{"bot": "/deps/elsewhere/my_agent/graph.py:graph"}'""" in text
    assert text.endswith(EPILOGUE)


def test_settings_that_reach_the_server_are_baked_in_as_its_environment(tmp_path):
    store = {"ttl": {"default_ttl": 60}, "index": {"dims": 8, "embed": "./my_agent/graph.py:embed"}}
    text = generate(write_app(tmp_path, store=store, checkpointer={"ttl": {"default_ttl": 120}},
                              http={"app": "./my_agent/graph.py:app"},
                              dockerfile_lines=["RUN echo hello"])).text
    assert "ENV LANGGRAPH_STORE=" in text and '"default_ttl": 60' in text
    assert "ENV LANGGRAPH_CHECKPOINTER=" in text and '"default_ttl": 120' in text
    assert "ENV LANGGRAPH_HTTP=" in text
    assert "RUN echo hello" in text


def test_a_config_the_cli_refuses_is_a_config_error_naming_the_file(tmp_path):
    config = write_app(tmp_path, python_version="3.9")
    with pytest.raises(ConfigError) as err:
        generate(config)
    assert str(config) in err.value.problems[0]


def test_the_tag_follows_the_generated_dockerfile_too(tmp_path):
    write_app(tmp_path)
    assert content_tag(tmp_path, "FROM a\n") != content_tag(tmp_path, "FROM b\n")


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "langgraph_infra.dockerfile", *args],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.slow
def test_one_command_writes_then_checks_the_copy_of_any_app(tmp_path):
    write_app(tmp_path)
    assert run_module(str(tmp_path)).returncode == 0
    assert (tmp_path / "Dockerfile").read_text() == generate(tmp_path / "langgraph.json").text
    assert run_module(str(tmp_path), "--check").returncode == 0


@pytest.mark.slow
def test_a_stale_copy_is_reported(tmp_path):
    write_app(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    result = run_module(str(tmp_path), "--check")
    assert result.returncode == 1 and "is stale" in result.stderr

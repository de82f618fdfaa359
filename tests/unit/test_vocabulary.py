"""One vocabulary across clouds: every target exports the same components, each a ComponentResource whose type
token names its target, and each target's AgentServer takes the same arguments."""

from __future__ import annotations

import importlib
import sys

import pulumi
import pytest

from langgraph_infra import server
from langgraph_infra.targets import COMPONENTS

TARGETS = {"aws": COMPONENTS, "gcp": COMPONENTS, "local": tuple(c for c in COMPONENTS if c != "Secrets")}


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_target_exports_the_shared_component_names(target):
    package = importlib.import_module(f"langgraph_infra.{target}")
    for name in TARGETS[target]:
        component = getattr(package, name)
        assert issubclass(component, pulumi.ComponentResource), name
        assert getattr(package, f"{name}Args") is not None


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_agent_server_takes_the_shared_arguments(target):
    package = importlib.import_module(f"langgraph_infra.{target}")
    assert package.AgentServerArgs is server.AgentServerArgs


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_type_tokens_name_the_target_and_the_component(target):
    package = importlib.import_module(f"langgraph_infra.{target}")
    for name in TARGETS[target]:
        module = sys.modules[getattr(package, name).__module__]
        assert module.TYPE == f"langgraph-infra:{target}:{name}"

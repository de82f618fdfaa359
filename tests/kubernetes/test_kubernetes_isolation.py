"""The Kubernetes SDK is loaded only by what deploys to Kubernetes: an ECS or Cloud Run plan never imports
pulumi_kubernetes, and the portable component loads no cloud SDK."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT, sdks_a_plan_loads
from tests.kubernetes.conftest import EXAMPLE


def loaded_sdks(project, stack: str) -> set[str]:
    return set(sdks_a_plan_loads(project, stack))


@pytest.mark.slow
@pytest.mark.parametrize("stack", ["dev", "gcp-dev"])
def test_ecs_and_cloud_run_plans_do_not_import_pulumi_kubernetes(stack):
    loaded = loaded_sdks(ROOT, stack)
    assert loaded & {"pulumi_aws", "pulumi_gcp"}, loaded  # the probe sees the cloud SDK it did load
    assert "pulumi_kubernetes" not in loaded


@pytest.mark.slow
def test_the_kubernetes_example_loads_no_cloud_sdk():
    loaded = loaded_sdks(EXAMPLE, "prod")
    assert "pulumi_kubernetes" in loaded
    assert not loaded & {"pulumi_aws", "pulumi_gcp", "pulumi_docker"}, loaded


@pytest.mark.slow
def test_importing_the_package_does_not_load_the_sdk():
    result = subprocess.run([sys.executable, "-c", "import sys, langgraph_infra.kubernetes as k; k.SecretKeyRef; "
                             "k.role_specs; print('pulumi_kubernetes' in sys.modules)"],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"

"""The local containers are hardened as the cloud ones are (issue 14)."""

from __future__ import annotations

from langgraph_infra import contract
from tests.conftest import plan_of


def test_app_containers_run_read_only_as_the_image_user_with_no_capability():
    plan = plan_of("local")
    apps = [r for r in plan.by_type("docker:index/container:Container") if r.name.endswith(("-api", "-queue"))]
    assert len(apps) == 2
    for c in apps:
        i = c.inputs
        assert i["readOnly"] is True
        assert i["user"] == f"{contract.RUNTIME_UID}:{contract.RUNTIME_GID}"
        assert i["capabilities"] == {"drops": ["ALL"]}
        assert "no-new-privileges:true" in i["securityOpts"]
        assert sorted(i["tmpfs"]) == sorted(contract.WRITABLE_PATHS)
        assert all("nosuid" in options for options in i["tmpfs"].values())

"""Defense in depth on GCP (issue 14): scratch volumes, the audit trail, scanned and admitted images, customer keys."""

from __future__ import annotations

import pytest

from langgraph_infra import contract
from tests.conftest import plan_of

STACKS = ["gcp-dev", "gcp-prod"]
RUN_SERVICE = "gcp:cloudrunv2/service:Service"
WORKER_POOL = "gcp:cloudrunv2/workerPool:WorkerPool"


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("kind", [RUN_SERVICE, WORKER_POOL])
def test_writable_paths_are_capped_in_memory_volumes(stack, kind):
    template = plan_of(stack).one(kind).inputs["template"]
    [c] = template["containers"]
    assert [m["mountPath"] for m in c["volumeMounts"]] == list(contract.WRITABLE_PATHS)
    by_name = {v["name"]: v for v in template["volumes"]}
    for mount in c["volumeMounts"]:
        assert by_name[mount["name"]]["emptyDir"] == {"medium": "MEMORY",
                                                      "sizeLimit": f"{contract.SCRATCH_SIZE_MIB}Mi"}

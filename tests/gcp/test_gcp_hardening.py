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


@pytest.mark.parametrize("stack", STACKS)
def test_cloud_sql_logs_connections_and_pgaudit_ddl_role_but_never_bound_parameters(stack):
    flags = {f["name"]: f["value"] for f in
             plan_of(stack).one("gcp:sql/databaseInstance:DatabaseInstance").inputs["settings"]["databaseFlags"]}
    assert {k: flags[k] for k in ("cloudsql.enable_pgaudit", "pgaudit.log", "pgaudit.log_parameter",
                                  "log_connections", "log_disconnections", "log_parameter_max_length",
                                  "log_parameter_max_length_on_error")} == {
        "cloudsql.enable_pgaudit": "on", "pgaudit.log": "ddl,role", "pgaudit.log_parameter": "off",
        "log_connections": "on", "log_disconnections": "on", "log_parameter_max_length": "0",
        "log_parameter_max_length_on_error": "0"}

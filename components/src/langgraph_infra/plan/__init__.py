"""The offline plan: run a real Pulumi program under Pulumi's own mocks with a stack's config file and list every
resource it registers (type, name, parent, options, inputs) and the stack's outputs, secrets hidden.

No Pulumi CLI, credentials or network: review a stack, diff dev against prod, and feed the plan-level checks.
`python -m infra.plan --stack dev` is this repository's entry point; `run_plan()` is the API.

Reading a plan
    The text plan is a tree, like `pulumi preview`: each component with its resources nested under it, each
    resource's inputs below it as YAML (JSON documents such as ECS container definitions and IAM policies are
    expanded; the tags every resource shares are printed once in the header). `--json` prints one object
    `{"stack", "resources", "outputs", "notes"}` with those documents as objects. Secrets print as `[secret]`;
    `--show-secrets` prints them, except the values the plan had to make up, which print as `<mock:...>`.

Placeholders
    Only the cloud knows ids, ARNs, endpoints, digests and generated passwords; the mocks (each target's
    `mocks.py`, conventions in `langgraph_infra.mocks`) invent them in the stack's own region and project:
    ids are `<mock:Type/NAME>`, invented names and hosts carry `mock`, the AWS account and GCP project number are
    123456789012, image digests start `sha256:00000000`. The text plan also ends each line holding an invented
    value with `# mock`.

Testing your own program with pytest
    `run_plan` runs any Pulumi program under these mocks, including one that builds its configuration in code
    (`langgraph_infra.build_config({...})`) with a stack file that holds no `langgraph-infra:` keys::

        from pathlib import Path
        from langgraph_infra.plan import run_plan, unwrap

        def test_database_is_private():
            plan = run_plan(Path("."), "dev", "infra/__main__.py", sets=["postgres.instance_class=db.t4g.small"])
            rds = plan.one("aws:rds/instance:Instance")           # exactly one, else LookupError
            assert rds.inputs["publiclyAccessible"] is False
            assert len(plan.by_type("aws:ecs/service:Service")) == 2
            password = unwrap(rds.inputs["password"])             # secrets stay wrapped until you unwrap them

    `PlannedResource.inputs` holds the inputs as registered (secrets wrapped: `unwrap` reveals them), `Plan.outputs`
    the stack's outputs, `Plan.render()` / `Plan.to_json()` what the CLI prints. Configuration problems raise
    `PlanError`; any other error in the program raises as it would under `pulumi up`.

    What the mocks answer: every resource echoes its inputs and gets the id `<mock:Type/NAME>`; the resources and
    lookups the components use also get the outputs their provider computes (the `OUTPUTS` and `CALLS` tables of
    `langgraph_infra.mocks` and each target's `mocks.py`, plus AWS `getCallerIdentity`, `getRegion`,
    `getPartition`). A lookup with no mock raises `PlanError` naming it. Pulumi's `pulumi.runtime.set_mocks`
    is what runs underneath, so anything the Pulumi testing guide says about mocks holds here.

The package's rooms: `model` (Plan, PlanError), `rendering` (the text writer), `stack_files` (stack files, `--set`,
`--secret`), `engine` (the mocks and `run_plan`), `capacity_report` (`--capacity`) and `cli` (`main`).
`PlannedResource`, `SECRET` and `unwrap` come from `langgraph_infra.wire`, shared with the rules and the manifests.
"""

from ..wire import SECRET, PlannedResource, unwrap
from .cli import main
from .engine import run_plan
from .model import Plan, PlanError

__all__ = ["SECRET", "Plan", "PlanError", "PlannedResource", "main", "run_plan", "unwrap"]

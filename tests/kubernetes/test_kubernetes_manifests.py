"""The rendered manifests (`python -m infra.plan --manifests DIR`), checked by outside tools as a reviewer's CI would:
kubernetes-validate against the API's own schemas (strict: no unknown field), checkov's Kubernetes checks with
every skip justified next to the object it concerns, and no secret value anywhere in them."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from langgraph_infra import manifests
from langgraph_infra.gcp import collector
from langgraph_infra.kubernetes.pod import CHECKOV_SKIPS
from tests.conftest import CANARY, ROOT, cli, plan_of
from tests.kubernetes.conftest import (
    EXAMPLE,
    PROGRAM,
    SCENARIOS,
    TOOLS_VENV,
    kubernetes_stacks,
    objects,
    plan_example,
    plan_scenario,
)

# The newest Kubernetes kubernetes-validate ships schemas for, and the oldest minor still in standard support on the
# managed clusters (GKE, EKS, AKS) when this was written.
KUBERNETES_VERSIONS = ("1.37.0", "1.31.0")
# The API groups Kubernetes itself serves (kubernetes-validate has their schemas); any other kind is a custom
# resource (Gateway API, GKE's), whose schema is its controller's.
BUILTIN_GROUPS = {"", "apps", "autoscaling", "policy", "networking.k8s.io", "rbac.authorization.k8s.io", "batch"}
CRDS = PROGRAM.parent / "crds"
# The custom resources' published CRDs (the schema of the version each object names) through jsonschema, in
# .venv-tools: see crds/README.md.
CRD_FILES = {"HTTPRoute": "gateway.networking.k8s.io_httproutes.yaml.gz",
             "GCPBackendPolicy": "networking.gke.io_gcpbackendpolicies.yaml.gz",
             "ScaledObject": "keda.sh_scaledobjects.yaml.gz",
             "TriggerAuthentication": "keda.sh_triggerauthentications.yaml.gz"}
_CRD_CHECK = """
import gzip, json, sys, jsonschema, yaml
crd = yaml.safe_load(gzip.open(sys.argv[1]))
schemas = {crd["spec"]["group"] + "/" + v["name"]: v["schema"]["openAPIV3Schema"] for v in crd["spec"]["versions"]}
errors = []
for path in sys.argv[2:]:
    doc = yaml.safe_load(open(path))
    assert doc["kind"] == crd["spec"]["names"]["kind"], path
    schema = schemas[doc["apiVersion"]]
    for e in jsonschema.Draft7Validator(schema).iter_errors(doc):
        errors.append(path + ": " + ".".join(map(str, e.absolute_path)) + ": " + e.message)
print(json.dumps(errors))
"""
PLANS = {"example": plan_example, **{s: (lambda s=s: plan_scenario(s)) for s in SCENARIOS},
         **{f"stack-{s}": (lambda s=s: plan_of(s)) for s in kubernetes_stacks()}}


def builtin(path) -> bool:
    group, _, _ = yaml.safe_load(path.read_text())["apiVersion"].rpartition("/")
    return group in BUILTIN_GROUPS


def tool(name: str) -> str:
    binary = TOOLS_VENV / "bin" / name
    if not binary.exists():
        pytest.fail(f"{binary} is missing: run `make setup-test` (or .venv-tools/bin/pip install -r "
                    "requirements/tools.txt)")
    return str(binary)


def render(name: str, folder) -> list:
    return manifests.write(objects(PLANS[name]()), folder)


def checkov(folder) -> dict:
    result = subprocess.run([tool("checkov"), "--skip-download", "--framework", "kubernetes", "-d", str(folder),
                             "-o", "json"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov printed no JSON report (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    return report[0] if isinstance(report, list) else report


def test_the_cli_writes_one_yaml_file_per_object(tmp_path):
    out = tmp_path / "manifests"
    result = cli("--stack", "prod", "--manifests", str(out), project_dir=EXAMPLE)
    assert result.returncode == 0, result.stderr
    files = sorted(out.glob("*.yaml"))
    kinds = [yaml.safe_load(f.read_text())["kind"] for f in files]
    assert len(files) == len(objects(plan_example())) and f"{len(files)} Kubernetes object(s)" in result.stdout
    assert {"ServiceAccount", "Deployment", "Service", "HorizontalPodAutoscaler", "ScaledObject",
            "PodDisruptionBudget", "NetworkPolicy", "HTTPRoute"} == set(kinds)
    # Apply order: the ServiceAccount and the NetworkPolicies before the Deployments that use them.
    assert kinds.index("ServiceAccount") < kinds.index("NetworkPolicy") < kinds.index("Deployment")


@pytest.mark.slow
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("name", sorted(PLANS))
def test_kubernetes_validate_strict_accepts_every_builtin_object(name, version, tmp_path):
    files = render(name, tmp_path)
    result = subprocess.run([tool("kubernetes-validate"), "--strict", "-k", version, *map(str, files)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    checked = [f for f in files if builtin(f)]
    assert checked and result.stdout.count("passed for resource") == len(checked), result.stdout
    # Only the custom resources go unchecked here, and they say so (their schemas are checked below).
    unchecked = [line for line in result.stdout.splitlines() if "Couldn't find schema" in line]
    assert len(unchecked) == len(files) - len(checked), result.stdout


def crd_errors(kind: str, files) -> list[str]:
    result = subprocess.run([tool("python"), "-c", _CRD_CHECK, str(CRDS / CRD_FILES[kind]), *map(str, files)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def gateway_api_errors(files) -> list[str]:
    return crd_errors("HTTPRoute", files)


@pytest.mark.slow
@pytest.mark.parametrize("name,kinds", [("example", {"HTTPRoute", "ScaledObject"}),
                                        ("dev", {"HTTPRoute", "ScaledObject"}), ("prod", {"HTTPRoute", "ScaledObject"}),
                                        ("gke", {"HTTPRoute", "GCPBackendPolicy", "ScaledObject"}),
                                        *((f"stack-{s}", {"ScaledObject", "TriggerAuthentication"})
                                          for s in kubernetes_stacks())])
def test_custom_resources_match_their_published_schemas(name, kinds, tmp_path):
    files = render(name, tmp_path)
    for kind in kinds:
        found = [f for f in files if yaml.safe_load(f.read_text())["kind"] == kind]
        assert len(found) == 1, kind
        assert crd_errors(kind, found) == []


@pytest.mark.slow
def test_the_gateway_api_schema_would_catch_a_bad_timeout(tmp_path):
    [route] = [f for f in render("prod", tmp_path) if yaml.safe_load(f.read_text())["kind"] == "HTTPRoute"]
    doc = yaml.safe_load(route.read_text())
    doc["spec"]["rules"][0]["timeouts"]["request"] = "one hour"
    route.write_text(yaml.safe_dump(doc))
    [error] = gateway_api_errors([route])
    assert "spec.rules.0.timeouts.request" in error


@pytest.mark.slow
def test_the_keda_schema_would_catch_a_bad_replica_count_and_a_trigger_without_type(tmp_path):
    [scaled] = [f for f in render("prod", tmp_path) if yaml.safe_load(f.read_text())["kind"] == "ScaledObject"]
    doc = yaml.safe_load(scaled.read_text())
    doc["spec"]["minReplicaCount"] = "two"
    del doc["spec"]["triggers"][0]["type"]
    scaled.write_text(yaml.safe_dump(doc))
    errors = crd_errors("ScaledObject", [scaled])
    assert any("spec.minReplicaCount" in e for e in errors) and any("spec.triggers.0" in e for e in errors), errors


@pytest.mark.slow
def test_the_keda_schema_would_catch_a_trigger_authentication_without_its_parameter(tmp_path):
    [stack] = kubernetes_stacks()[:1]
    [auth] = [f for f in render(f"stack-{stack}", tmp_path)
              if yaml.safe_load(f.read_text())["kind"] == "TriggerAuthentication"]
    doc = yaml.safe_load(auth.read_text())
    del doc["spec"]["secretTargetRef"][0]["parameter"]
    auth.write_text(yaml.safe_dump(doc))
    [error] = crd_errors("TriggerAuthentication", [auth])
    assert "spec.secretTargetRef.0" in error and "parameter" in error


def test_every_vendored_crd_is_the_published_file_its_readme_names(tmp_path):
    """crds/README.md records each file's source and the sha256 of the published file: the vendored copy is it."""
    import gzip
    import hashlib
    import re

    rows = re.findall(r"^\| `([^`]+\.yaml\.gz)` \|.*\| `([0-9a-f]{64})` \|$", (CRDS / "README.md").read_text(), re.M)
    assert {name for name, _ in rows} == {p.name for p in CRDS.glob("*.yaml.gz")}
    for name, digest in rows:
        assert hashlib.sha256(gzip.decompress((CRDS / name).read_bytes())).hexdigest() == digest, name


@pytest.mark.slow
def test_kubernetes_validate_would_catch_an_unknown_field(tmp_path):
    [path] = [p for p in render("dev", tmp_path) if "deployment" in p.name][:1]
    doc = yaml.safe_load(path.read_text())
    doc["spec"]["template"]["spec"]["containers"][0]["securityContex"] = {}
    path.write_text(yaml.safe_dump(doc))
    result = subprocess.run([tool("kubernetes-validate"), "--strict", "-k", KUBERNETES_VERSIONS[0], str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "securityContex" in result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", ["example", "nginx", "gke", "gce", *(f"stack-{s}" for s in kubernetes_stacks())])
def test_checkov_passes_with_only_the_justified_skips(name, tmp_path):
    render(name, tmp_path)
    report = checkov(tmp_path)
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert not failed
    assert report["summary"]["passed"] > 100
    skipped = {c["check_id"] for c in report["results"]["skipped_checks"]}
    assert skipped == expected_skips(name)
    for check in report["results"]["skipped_checks"]:
        if check["check_id"] == TAGGED_SIDECAR:
            assert collector.IMAGE in check["check_result"]["suppress_comment"]
        else:
            assert check["check_result"]["suppress_comment"] == CHECKOV_SKIPS[check["check_id"]]


# The digest check, skipped only where a sidecar runs by tag: the GKE stacks' collector (Google documents it by
# release tag), beside a server that runs by digest.
TAGGED_SIDECAR = "CKV_K8S_43"


def expected_skips(name: str) -> set[str]:
    return set(CHECKOV_SKIPS) | ({TAGGED_SIDECAR} if name.startswith("stack-") else set())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["example", *(f"stack-{s}" for s in kubernetes_stacks())])
def test_every_checkov_skip_is_needed(name, tmp_path):
    """Without the skip annotations, exactly the skipped checks fail (on both Deployments)."""
    for path in render(name, tmp_path):
        doc = yaml.safe_load(path.read_text())
        annotations = doc["metadata"].get("annotations") or {}
        for key in [k for k in annotations if k.startswith("checkov.io/skip")]:
            del annotations[key]
        path.write_text(yaml.safe_dump(doc))
    failed = [(c["check_id"], c["resource"]) for c in checkov(tmp_path)["results"]["failed_checks"]]
    assert {check for check, _ in failed} == expected_skips(name)
    assert all("Deployment." in resource for _, resource in failed)


@pytest.mark.parametrize("stack", SCENARIOS)
def test_no_secret_value_in_the_rendered_yaml(stack, tmp_path):
    plan = plan_scenario(stack)
    # Not vacuous: the canary is in the plan, inside the Secret the program creates (marked secret).
    assert CANARY in json.dumps([r.inputs for r in plan.resources])
    text = "".join(p.read_text() for p in render(stack, tmp_path))
    assert CANARY not in text
    [secret] = [m for m in objects(plan) if m["kind"] == "Secret"]
    # A reviewer sees which keys the Secret holds, never their values.
    assert secret["stringData"] == {"postgres-uri": manifests.SECRET, "redis-uri": manifests.SECRET}


def test_a_known_secret_inside_a_plain_string_is_hidden_too():
    """Defence in depth: a secret value that lost its secret mark on the way into an object is still hidden."""
    from dataclasses import replace

    plan = plan_scenario("dev")
    leaked = replace(plan.resources[0], type="kubernetes:core/v1:ConfigMap", custom=True,
                     inputs={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "oops"},
                             "data": {"uri": f"see {CANARY}"}})
    [config_map] = manifests.manifests(replace(plan, resources=[leaked], secret_values=(CANARY,)))
    assert config_map["data"] == {"uri": manifests.SECRET}


def test_two_renders_of_a_plan_are_identical(tmp_path):
    first = [p.read_text() for p in render("prod", tmp_path / "a")]
    # A second plan of its own, past the cache (clearing it would make every later test plan its scenario again).
    second = [p.read_text() for p in manifests.write(objects(plan_scenario.__wrapped__("prod")), tmp_path / "b")]
    assert first == second


def test_the_example_plans_outside_the_repository(tmp_path):
    import shutil

    from langgraph_infra.plan import run_plan

    copy = tmp_path / "kubernetes-own-cluster"
    shutil.copytree(EXAMPLE, copy)
    assert len(objects(run_plan(copy, "prod"))) == len(objects(plan_example()))


def test_a_stack_without_kubernetes_objects_writes_none(tmp_path):
    out = tmp_path / "manifests"
    result = cli("--stack", "dev", "--manifests", str(out))
    assert result.returncode == 0, result.stderr
    assert "0 Kubernetes object(s) written" in result.stdout and list(out.glob("*.yaml")) == []

"""The library as a platform team imports it: the documented names are real types for a type checker, and every
`*Args` class and field says what it is and what happens by default."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT

SRC = ROOT / "components" / "src"
TARGETS = {"aws": "Secrets", "gcp": "Secrets", "local": None}
COMPONENTS = ("AgentServer", "Network", "Database", "DatabaseBootstrap", "Cache", "Registry", "Secrets", "Service")
# The cloud SDKs are huge and typed through our own annotations: skipping them keeps the check to seconds.
MYPY_INI = textwrap.dedent("""\
    [mypy]
    follow_imports = silent
    warn_unused_configs = False
    [mypy-pulumi_aws.*,pulumi_gcp.*,pulumi_docker.*,pulumi_docker_build.*,pulumi_random.*]
    follow_imports = skip
    """)


def documented_names() -> list[str]:
    names = ["lgi.build_config", "lgi.load_config", "lgi.agent_server", "lgi.export_all", "lgi.StackConfig",
             "lgi.ConfigError", "plan.run_plan", "plan.unwrap", "plan.Plan"]
    for target in TARGETS:
        for component in COMPONENTS:
            if target == "local" and component == "Secrets":
                continue
            names += [f"{target}.{component}", f"{target}.{component}Args"]
    # The flat outputs a program exports or passes on.
    names += ["aws.AgentServer.url", "gcp.AgentServer.url", "aws.Network.private_subnet_ids", "aws.Database.uri",
              "aws.Database.security_group_id", "aws.Cache.uri", "gcp.Database.connection_name", "gcp.Cache.uri",
              "aws.Registry.repository_url", "gcp.Registry.repository_url", "aws.Secrets.arns", "local.Service.url"]
    return names


# One cache for every check with MYPY_INI, under the repository (ignored by git, beside the package check's): the
# first run analyses the package (10-20 s), the others and a re-run reuse it and take seconds. mypy validates each
# cached module against its source, so a changed module is analysed again.
MYPY_CACHE = ROOT / ".mypy_cache" / "documented-paths"


def run_mypy(tmp_path: Path, *paths: Path) -> subprocess.CompletedProcess:
    ini = tmp_path / "mypy.ini"
    ini.write_text(MYPY_INI)
    args = [sys.executable, "-m", "mypy", "--config-file", str(ini), "--cache-dir", str(MYPY_CACHE),
            "--no-error-summary", "--show-error-codes"]
    env = {"MYPYPATH": str(SRC), "PATH": "/usr/bin:/bin"}
    return subprocess.run([*args, *map(str, paths)], capture_output=True, text=True, timeout=300, env=env,
                          cwd=tmp_path)


def revealed(tmp_path: Path, names: list[str]) -> dict[str, str]:
    """What mypy sees for each name, through the documented import paths."""
    snippet = tmp_path / "snippet.py"
    lines = ["import langgraph_infra as lgi", "from langgraph_infra import aws, gcp, local, plan",
             "from langgraph_infra.aws import Database, DatabaseArgs", ""]
    lines += [f"reveal_type({name})" for name in names]
    snippet.write_text("\n".join(lines) + "\n")
    result = run_mypy(tmp_path, snippet)
    found = re.findall(r"^snippet.py:(\d+): note: Revealed type is \"(.*)\"$", result.stdout, re.M)
    assert len(found) == len(names), result.stdout + result.stderr
    return {names[int(line) - 5]: seen for line, seen in found}


@pytest.mark.slow
def test_documented_import_paths_are_real_types_for_a_type_checker(tmp_path):
    names = ["Database", "DatabaseArgs", *documented_names()]
    seen = revealed(tmp_path, names)
    # A name the lazy `__getattr__` hides is `Any` to mypy (and to an editor's completion).
    hidden = {name: type_ for name, type_ in seen.items() if type_.startswith("Any")}
    assert not hidden
    assert "langgraph_infra.aws.database.DatabaseArgs" in seen["DatabaseArgs"]


@pytest.mark.slow
def test_a_hidden_name_would_be_caught(tmp_path):
    assert revealed(tmp_path, ["aws.NotAComponent"])["aws.NotAComponent"].startswith("Any")


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_lazy_exports_match_what_the_type_checker_sees(target):
    import importlib

    package = importlib.import_module(f"langgraph_infra.{target}")
    for name in package.__all__:
        assert isinstance(getattr(package, name), type), name
    source = (SRC / "langgraph_infra" / target / "__init__.py").read_text()
    for name in package.__all__:
        assert f"import {name} as {name}" in source, f"{target}.{name} is not imported under TYPE_CHECKING"


# Every *Args class and field is documented --------------------------------------------------------------------

def args_classes() -> list[type]:
    """Every `*Args` class of every target package (the shared ones included), by its defining module."""
    import importlib

    found: dict[str, type] = {}
    for target in TARGETS:
        package = importlib.import_module(f"langgraph_infra.{target}")
        for name in package.__all__:
            if name.endswith("Args"):
                cls = getattr(package, name)
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    server = importlib.import_module("langgraph_infra.server")
    found["langgraph_infra.server.ServiceRolesArgs"] = server.ServiceRolesArgs
    return [found[k] for k in sorted(found)]


def attribute_docs(cls: type) -> tuple[str | None, dict[str, str]]:
    """The class docstring and each annotated attribute's docstring (the string right under it), read from the
    source with `ast`: dataclasses, unlike pydantic models, do not keep attribute docstrings."""
    import ast
    import inspect

    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    node = tree.body[0]
    assert isinstance(node, ast.ClassDef)
    docs: dict[str, str] = {}
    for stmt, following in zip(node.body, [*node.body[1:], None], strict=True):
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant) \
                    and isinstance(following.value.value, str):
                docs[stmt.target.id] = following.value.value
    return ast.get_docstring(node), docs


def field_docs(cls: type) -> dict[str, tuple[str | None, bool]]:
    """Each dataclass field of `cls` -> (its docstring where it is declared, whether it has a default)."""
    import dataclasses

    result = {}
    for f in dataclasses.fields(cls):
        owner = next(c for c in cls.__mro__ if f.name in c.__dict__.get("__annotations__", {}))
        optional = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        result[f.name] = (attribute_docs(owner)[1].get(f.name), optional)
    return result


def test_there_are_args_classes_to_check():
    # 7 per cloud, 6 on local (no secret manager), AWS's EdgeFirewallArgs and AccessLogsArgs, GCP's
    # ImageAdmissionArgs and its 5 for runtime gke, a StackKeyArgs per cloud, the AlarmsArgs and DashboardArgs of each
    # cloud, AgentServerArgs and ServiceRolesArgs.
    assert len(args_classes()) == 36


@pytest.mark.parametrize("cls", args_classes(), ids=lambda c: f"{c.__module__.split('.', 1)[1]}.{c.__name__}")
def test_every_args_class_and_field_is_documented(cls):
    class_doc, _ = attribute_docs(cls)
    assert class_doc, f"{cls.__name__} has no docstring"
    undocumented = [name for name, (doc, _) in field_docs(cls).items() if not doc]
    assert not undocumented, f"{cls.__name__}: fields without a docstring: {undocumented}"


@pytest.mark.parametrize("cls", args_classes(), ids=lambda c: f"{c.__module__.split('.', 1)[1]}.{c.__name__}")
def test_every_optional_field_says_what_happens_by_default_in_words(cls):
    vague = []
    for name, (doc, optional) in field_docs(cls).items():
        if not optional or doc is None:
            continue
        default = re.search(r"Default(?:s)?:\s*(.+?)(?:\.|$)", doc, re.S)
        if default is None or default.group(1).strip().strip("`").lower() in ("none", "null", "{}", "[]", ""):
            vague.append(name)
    assert not vague, f"{cls.__name__}: say in words what happens by default for {vague}"


# Components used on their own get the profile's defaults and checks -------------------------------------------

def test_database_alone_gets_the_dev_profile_for_every_field_it_does_not_set():
    from langgraph_infra.aws import DatabaseArgs
    from langgraph_infra.config import PostgresSettings

    args = DatabaseArgs(PostgresSettings(storage_gib=50), vpc_id="vpc-1", subnet_ids=["subnet-1", "subnet-2"])
    assert args.settings.instance_class == "db.t4g.micro"
    assert args.settings.storage_gib == 50
    assert args.settings.deletion_protection is False


def test_database_alone_in_prod_gets_the_linked_protections():
    from langgraph_infra.aws import DatabaseArgs
    from langgraph_infra.config import Environment, PostgresSettings

    s = DatabaseArgs(PostgresSettings(), "vpc-1", ["subnet-1", "subnet-2"], environment=Environment.PROD).settings
    assert (s.instance_class, s.high_availability, s.deletion_protection, s.backup_retention_days) == (
        "db.m7g.large", True, True, 14)


def test_database_alone_runs_the_targets_checks_before_any_resource():
    from langgraph_infra.aws import DatabaseArgs
    from langgraph_infra.config import ConfigError, Environment, PostgresSettings

    with pytest.raises(ConfigError) as err:
        DatabaseArgs(PostgresSettings(instance_class="m5.large", high_availability=False), "vpc-1", ["subnet-1"],
                     environment=Environment.PROD)
    assert "postgres.instance_class=m5.large is not an RDS class: use e.g. db.t4g.micro" in err.value.problems
    assert "postgres.high_availability must be true in prod (a standby in another zone)" in err.value.problems


@pytest.mark.parametrize("cloud,expected", [("aws", ("node_type", "cache.t4g.micro")),
                                            ("gcp", ("memory_size_gib", 1))])
def test_cache_alone_gets_the_profiles_size(cloud, expected):
    from langgraph_infra.config import RedisSettings
    from langgraph_infra.settling import settle

    assert getattr(settle(cloud, "dev", "redis", RedisSettings()), expected[0]) == expected[1]


def test_gcp_database_alone_gets_max_connections_from_the_profile():
    from langgraph_infra.config import PostgresSettings
    from langgraph_infra.settling import settle

    assert settle("gcp", "prod", "postgres", PostgresSettings()).max_connections == 800


def test_service_roles_alone_are_checked_against_the_platform():
    from langgraph_infra.config import ApiSettings, ConfigError, QueueSettings
    from langgraph_infra.settling import settle_parts

    with pytest.raises(ConfigError) as err:
        settle_parts("aws", "dev", {"api": ApiSettings(cpu=3), "queue": QueueSettings()})
    assert err.value.problems == ["api.cpu=3 is not a Fargate size: use one of 0.25, 0.5, 1, 2, 4, 8, 16 (vCPU)"]


def test_a_part_of_a_validated_stack_is_unchanged_by_settling():
    import langgraph_infra as lgi
    from langgraph_infra.settling import settle

    cfg = lgi.build_config({"target": {"cloud": "aws", "runtime": "ecs", "region": "eu-west-1"},
                            "environment": "prod", "postgres": {"instance_class": "db.r7g.2xlarge"},
                            "ingress": {"require_https": False}, "alarms": {"notify": ["oncall@example.com"]},
                            "secrets": {"LANGSMITH_API_KEY": {}}})
    assert settle("aws", cfg.environment, "postgres", cfg.postgres) == cfg.postgres


# Created secrets are read from the running project's own namespace ----------------------------------------------

LOAD_PROGRAM = """\
import langgraph_infra as lgi

server = lgi.agent_server(lgi.load_config())
lgi.export_all(server)
"""
OTHER_STACK = """\
config:
  langgraph-infra:target: {cloud: aws, runtime: ecs, region: eu-west-1}
  langgraph-infra:environment: dev
  langgraph-infra:secrets: {LANGSMITH_API_KEY: {}}
  langgraph-infra:app: {image: "registry.example.com/agents@sha256:%s"}
""" % ("a" * 64)


def other_project(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: platform-agents\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(OTHER_STACK)
    (tmp_path / "__main__.py").write_text(LOAD_PROGRAM)
    return tmp_path


def test_created_secret_is_read_from_the_projects_own_namespace(tmp_path):
    from langgraph_infra.plan import run_plan, unwrap

    plan = run_plan(other_project(tmp_path), "dev", secrets=["LANGSMITH_API_KEY=from-the-project"])
    [version] = [r for r in plan.by_type("aws:secretsmanager/secretVersion:SecretVersion")
                 if r.name.endswith("langsmith-api-key")]
    assert unwrap(version.inputs["secretString"]) == "from-the-project"


def test_a_created_secret_in_plain_text_in_the_project_is_refused(tmp_path):
    from langgraph_infra.plan import PlanError, run_plan

    with pytest.raises(PlanError, match="LANGSMITH_API_KEY is stored in plain text"):
        run_plan(other_project(tmp_path), "dev", sets=["LANGSMITH_API_KEY=plain"])


# The wheel's README is the library's guide ----------------------------------------------------------------------

GUIDE = ROOT / "components" / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.S)


@pytest.mark.slow
def test_guide_python_blocks_compile_and_type_check(tmp_path):
    blocks = python_blocks()
    assert len(blocks) >= 4
    files = []
    for i, block in enumerate(blocks):
        compile(block, f"README block {i}", "exec")
        path = tmp_path / f"guide_block_{i}.py"
        path.write_text(block)
        files.append(path)
    result = run_mypy(tmp_path, *files)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_guide_names_every_component_of_every_target(target):
    import importlib

    text = GUIDE.read_text()
    assert f"`langgraph_infra.{target}`" in text
    for name in importlib.import_module(f"langgraph_infra.{target}").__all__:
        if not name.endswith("Args"):
            assert f"| `{name}` |" in text, name


def test_guide_links_every_example():
    text = GUIDE.read_text()
    for folder in sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir()):
        assert f"(../examples/{folder.name}/)" in text, folder.name


def test_guide_is_the_wheels_description():
    import tomllib

    project = tomllib.loads((ROOT / "components" / "pyproject.toml").read_text())["project"]
    assert project["readme"] == "README.md"
    assert "pip install './components[aws]'" in GUIDE.read_text()


@pytest.mark.parametrize("index", [1, 2], ids=["whole-agent-server", "parts-on-their-own"])
def test_guide_programs_plan_outside_this_repository(tmp_path, index):
    from langgraph_infra.plan import run_plan

    (tmp_path / "Pulumi.yaml").write_text("name: platform\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(python_blocks()[index])
    plan = run_plan(tmp_path, "dev")
    [provider] = plan.by_type("pulumi:providers:aws")
    assert provider.inputs["region"] == "eu-west-1"
    assert plan.one("aws:rds/instance:Instance").inputs["multiAz"] is True

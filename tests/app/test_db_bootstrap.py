"""The database bootstrap (langgraph_infra.db_bootstrap) on a real PostgreSQL 15, then the real server as its role.

Given a cluster whose master user is what RDS and Cloud SQL give (not a superuser: LOGIN CREATEROLE CREATEDB, owner
of the server's database) and a table, a type and a function an earlier deployment left owned by the master, the
bootstrap runs twice, once with each driver the targets ship (pg8000 as in the Lambda package, psycopg as in the
Agent Server image, as the job's command `db_bootstrap.command()`), and a third time after the server has migrated. Then the
server (langgraph-runtime-pg, scripts/serve-runtime-pg.sh) starts with POSTGRES_URI for the server's role, migrates
its schema and completes a run; the role cannot create roles or databases nor read password hashes.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pg8000.native
import pytest

from langgraph_infra import contract, db_bootstrap
from tests.app.agent_servers import (
    REPO_ROOT,
    RUNTIME_PG_VENV,
    OutboundTrap,
    PostgresServer,
    RedisServer,
    pgvector_bin_dir,
    python_of,
)
from tests.app.test_data_tier import GRAPH_ID, AgentServerFactory, client_for, user

SERVER_ROLE = "langgraph_server"
SERVER_PASSWORD = "server-password-" + os.urandom(8).hex()


@dataclasses.dataclass
class Cluster:
    master: PostgresServer
    server: PostgresServer
    """The same cluster, as the server's role (its `uri` is the POSTGRES_URI the stacks build)."""
    logs: list[list[str]]
    """What each bootstrap run logged, in order."""


def connect(login: PostgresServer, database: str | None = None) -> pg8000.native.Connection:
    return pg8000.native.Connection(login.user, host="127.0.0.1", port=login.port, password=login.password,
                                    database=database or login.database)


def one(login: PostgresServer, sql: str) -> object:
    con = connect(login)
    try:
        return con.run(sql)[0][0]
    finally:
        con.close()


def bootstrap_with_psycopg(master: PostgresServer, server_uri: str, **settings: str) -> list[str]:
    """The Cloud Run job's and the local container's command, run by the Agent Server's Python (psycopg), with
    everything from the environment the job is given (`settings`: the other `BOOTSTRAP_*` variables)."""
    python = python_of(RUNTIME_PG_VENV)
    env = {"PATH": os.environ["PATH"], db_bootstrap.MASTER_URI_ENV: master.uri,
           db_bootstrap.SERVER_URI_ENV: server_uri, **settings}
    result = subprocess.run(db_bootstrap.command(str(python)), env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def bootstrap_twice(master: PostgresServer, server_uri: str, owner: str | None = None) -> list[list[str]]:
    """What each run logged: in-process with pg8000 (the Lambda's way), then with psycopg (the job's); with `owner`,
    in the Cloud SQL IAM mode (the URI's user is the IAM login)."""
    grant = db_bootstrap.IamGrant.CLOUD_SQL_IAM if owner else db_bootstrap.IamGrant.NONE
    first: list[str] = []
    db_bootstrap.run(master.uri, server_uri, iam_grant=grant, owner=owner, log=first.append)
    settings = {db_bootstrap.IAM_GRANT_ENV: grant.value, db_bootstrap.OWNER_ROLE_ENV: owner} if owner else {}
    return [first, bootstrap_with_psycopg(master, server_uri, **settings)]


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    master = PostgresServer(user="master", role_attributes="CREATEROLE CREATEDB", settings=("log_statement=all",))
    master.start()
    try:
        con = connect(master)
        # What a deployment that ran as the master left behind.
        con.run("CREATE TYPE legacy_state AS ENUM ('a', 'b')")
        con.run("CREATE TABLE legacy (id serial PRIMARY KEY, state legacy_state)")
        con.run("CREATE FUNCTION legacy_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM legacy'")
        con.close()
        server = dataclasses.replace(master, user=SERVER_ROLE, password=SERVER_PASSWORD, role_attributes="")
        yield Cluster(master, server, bootstrap_twice(master, server.uri))
    finally:
        master.stop()


def test_the_bootstrap_runs_again_with_the_other_driver_and_changes_nothing(cluster: Cluster) -> None:
    first, second = cluster.logs
    assert first == second
    assert first[-1] == f"bootstrap: done, {len(db_bootstrap.statements(SERVER_ROLE, 'langgraph', password='x'))} statements"


def test_the_password_is_never_logged_nor_sent(cluster: Cluster) -> None:
    assert not any(SERVER_PASSWORD in line for log in cluster.logs for line in log)
    assert f'ALTER ROLE "{SERVER_ROLE}" WITH PASSWORD {db_bootstrap.REDACTED}' in cluster.logs[0]
    # The server logs every statement here (log_statement=all): it received a SCRAM verifier, never the password.
    server_log = cluster.master.directory.joinpath("postgres.log").read_text(errors="replace")
    assert f'ALTER ROLE "{SERVER_ROLE}" WITH PASSWORD \'SCRAM-SHA-256$4096:' in server_log
    assert SERVER_PASSWORD not in server_log
    assert one(cluster.server, "SELECT current_user") == SERVER_ROLE


def test_the_server_role_is_no_superuser_and_owns_its_database(cluster: Cluster) -> None:
    attributes = connect(cluster.master).run(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin FROM pg_roles "
        f"WHERE rolname = '{SERVER_ROLE}'")
    assert attributes == [[False, False, False, False, False, True]]
    assert one(cluster.master, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'langgraph'") == SERVER_ROLE
    assert one(cluster.master, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'") == SERVER_ROLE


def test_what_the_master_owned_in_public_now_belongs_to_the_server_role(cluster: Cluster) -> None:
    owners = connect(cluster.master).run(
        "SELECT 'legacy', pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'legacy' "
        "UNION ALL SELECT 'legacy_id_seq', pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'legacy_id_seq' "
        "UNION ALL SELECT 'legacy_state', pg_get_userbyid(typowner) FROM pg_type WHERE typname = 'legacy_state' "
        "UNION ALL SELECT 'legacy_count', pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'legacy_count'")
    assert dict(owners) == dict.fromkeys(["legacy", "legacy_id_seq", "legacy_state", "legacy_count"], SERVER_ROLE)


def test_no_other_role_may_connect_to_the_database(cluster: Cluster) -> None:
    other = dataclasses.replace(cluster.master, user="other", password="other-password")
    connect(cluster.master).run("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'other') THEN "
                                "CREATE ROLE other LOGIN PASSWORD 'other-password'; END IF; END $$")
    with pytest.raises(pg8000.native.DatabaseError, match="permission denied for database"):
        connect(other)
    # PostgreSQL 15's default, asserted because the server's role must be the only one able to create in `public`.
    assert one(cluster.master, "SELECT has_schema_privilege('other', 'public', 'CREATE')") is False


@pytest.mark.parametrize("sql, error", [
    ("CREATE ROLE intruder", "permission denied to create role"),
    ("CREATE DATABASE elsewhere", "permission denied to create database"),
    ("SELECT rolpassword FROM pg_authid", "permission denied for table pg_authid"),
    (f"ALTER ROLE {SERVER_ROLE} CREATEROLE", "permission denied"),
    ("COPY (SELECT 1) TO PROGRAM 'true'", "permission denied|must be superuser"),
    ("CREATE EXTENSION IF NOT EXISTS dblink", "permission denied"),
])
def test_the_server_role_cannot_escalate(cluster: Cluster, sql: str, error: str) -> None:
    con = connect(cluster.server)
    try:
        with pytest.raises(pg8000.native.DatabaseError, match=error):
            con.run(sql)
    finally:
        con.close()


def serving(login: PostgresServer, logs: Path) -> Iterator[AgentServerFactory]:
    """Agent servers (langgraph-runtime-pg) on `login`'s POSTGRES_URI and a Redis of their own, stopped after."""
    python = python_of(RUNTIME_PG_VENV)
    if not python.exists():
        pytest.fail(f"{python} is missing: run scripts/setup-runtime-pg.sh (creates .venv-runtime-pg)")
    redis, trap = RedisServer().start(), OutboundTrap()
    factory = AgentServerFactory(login, redis, trap, logs, [])
    try:
        yield factory
    finally:
        for process in factory.started:
            process.stop()
        trap.close()
        redis.stop()


@pytest.fixture(scope="module")
def served(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentServerFactory]:
    yield from serving(cluster.server, tmp_path_factory.mktemp("bootstrap-server-logs"))


def test_the_server_migrates_and_completes_a_run_as_its_role(cluster: Cluster, served: AgentServerFactory) -> None:
    _, url = served.start("api", n_jobs_per_worker=2)
    client = client_for(url)
    thread_id = client.threads.create()["thread_id"]
    state = client.runs.wait(thread_id, GRAPH_ID, input=user("What is 6 * 7?"))
    assert state["messages"][-1]["content"].endswith("6 * 7 = 42.")
    assert client.runs.list(thread_id)[0]["status"] == "success"
    # Its migrations created the schema as the server's role, in the database it owns.
    tables = connect(cluster.master).run(
        "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = 'public'::regnamespace "
        "AND relname IN ('threads', 'runs', 'checkpoints')")
    assert tables == [[SERVER_ROLE]]
    assert not served.trap.requests


def test_the_bootstrap_reruns_over_a_migrated_database(cluster: Cluster, served: AgentServerFactory) -> None:
    served.start("api", n_jobs_per_worker=0)
    assert bootstrap_with_psycopg(cluster.master, cluster.server.uri) == cluster.logs[0]
    assert one(cluster.server, "SELECT count(*) FROM threads") >= 1  # type: ignore[operator]


def test_the_module_is_the_same_file_every_target_ships() -> None:
    assert Path(db_bootstrap.__file__).resolve().is_relative_to(REPO_ROOT / "components" / "src")
    assert "import pulumi" not in db_bootstrap.source()


# pgvector: the extension a semantic store needs, created by the bootstrap (on the PostgreSQL with pgvector that
# `make setup-test` compiles; the machine's PostgreSQL 15 has none). pgvector is not a trusted extension, so the master here is a
# superuser, as the local stack's image user is (RDS lets rds_superuser create it, Cloud SQL cloudsqlsuperuser).

@pytest.fixture(scope="module")
def vector_cluster() -> Iterator[tuple[PostgresServer, PostgresServer]]:
    master = PostgresServer(user="master", role_attributes="SUPERUSER", bin_dir=pgvector_bin_dir())
    master.start()
    try:
        yield master, dataclasses.replace(master, user=SERVER_ROLE, password=SERVER_PASSWORD, role_attributes="")
    finally:
        master.stop()


def test_the_bootstrap_creates_pgvector_which_the_server_role_uses_but_does_not_own(vector_cluster):
    master, server = vector_cluster
    logs: list[list[str]] = [[], []]
    for log in logs:
        db_bootstrap.run(master.uri, server.uri, extensions=[db_bootstrap.VECTOR_EXTENSION], log=log.append)
    assert logs[0] == logs[1]
    assert 'CREATE EXTENSION IF NOT EXISTS "vector" WITH SCHEMA public' in logs[0]
    assert one(master, "SELECT pg_get_userbyid(extowner) FROM pg_extension WHERE extname = 'vector'") == "master"
    con = connect(server)
    try:
        con.run("CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, embedding vector(3))")
        con.run("INSERT INTO items VALUES (1, '[1,0,0]'), (2, '[0,1,0]') ON CONFLICT DO NOTHING")
        assert con.run("SELECT id FROM items ORDER BY embedding <-> '[0.9,0.1,0]' LIMIT 1") == [[1]]
        with pytest.raises(pg8000.native.DatabaseError, match="must be owner of extension vector"):
            con.run("DROP EXTENSION vector")
    finally:
        con.close()
    # The types and functions of the extension stayed with the master when the bootstrap handed `public` over.
    assert one(master, "SELECT pg_get_userbyid(typowner) FROM pg_type WHERE typname = 'vector'") == "master"


def test_the_lambda_handler_reads_both_uris_from_secrets_manager_and_bootstraps(cluster: Cluster, monkeypatch):
    # The event the stack's Invocation sends, and Secrets Manager answering through botocore's own stubber.
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("secretsmanager", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    arns = {"master": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/postgres-master-Ab12Cd",
            "server": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/POSTGRES_URI-Ab12Cd"}
    for arn, uri in ((arns["master"], cluster.master.uri), (arns["server"], cluster.server.uri)):
        stub.add_response("get_secret_value", {"ARN": arn, "Name": arn.rsplit(":", 1)[1], "SecretString": uri},
                          {"SecretId": arn})
    monkeypatch.setattr(boto3, "client", lambda service, **_: client)
    event = {"master_secret_arn": arns["master"], "server_secret_arn": arns["server"], "extensions": [],
             "iam_grant": "none", "fingerprint": "f"}
    with stub:
        result = db_bootstrap.handler(event, None)
    stub.assert_no_pending_responses()
    assert result == {"statements": len(db_bootstrap.statements(SERVER_ROLE, "langgraph", password="x")),
                      "fingerprint": "f"}
    assert one(cluster.server, "SELECT current_user") == SERVER_ROLE


def test_the_javascript_apps_runner_bootstraps_with_pg8000_alone(cluster: Cluster, tmp_path: Path) -> None:
    """What the runner image (server.bootstrap_image, for a JavaScript app) holds: a Python with exactly the driver
    distributions its Dockerfile installs, none of this project's, running the job's command."""
    from langgraph_infra.aws.database_bootstrap import package_files

    site = tmp_path / "site-packages"
    for inside, path in package_files().items():
        if inside != "db_bootstrap.py":
            (site / inside).parent.mkdir(parents=True, exist_ok=True)
            (site / inside).write_bytes(path.read_bytes())
    # This interpreter without its site-packages (-S): the standard library plus PYTHONPATH, as in the image.
    python, no_site = sys.executable, "-S"
    check = subprocess.run([python, no_site, "-c", "import psycopg"], capture_output=True, text=True,
                           env={"PYTHONPATH": str(site)})
    assert check.returncode != 0, "the stand-in for the runner must not have psycopg"
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(site), db_bootstrap.MASTER_URI_ENV: cluster.master.uri,
           db_bootstrap.SERVER_URI_ENV: cluster.server.uri}
    command = db_bootstrap.command(python)
    result = subprocess.run([command[0], no_site, *command[1:]], env=env, capture_output=True, text=True, timeout=60,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == cluster.logs[0]


# Cloud SQL IAM database authentication (`postgres.auth: iam` on gcp). Cloud SQL makes the login (named after the
# service account) as its own superuser and lets it in with an IAM token; here the cluster's superuser makes it and a
# password stands in for the token, so Cloud SQL's IAM login itself is not exercised. The bootstrap, as the master,
# makes the server's role a NOLOGIN owner and grants it to that login.

IAM_LOGIN = "langgraph-gcp-prod-server@my-gcp-project-prod.iam"
IAM_TOKEN = "stand-in-for-an-iam-token-" + os.urandom(8).hex()


@dataclasses.dataclass
class QuotedLogin(PostgresServer):
    """A login whose name needs quoting in a URI (`@`), as the stacks build it (`contract.postgres_uri`)."""

    @property
    def uri(self) -> str:
        return contract.postgres_uri(self.user, self.password, "127.0.0.1", self.port, self.database, tls=False)


@dataclasses.dataclass
class IamCluster:
    master: PostgresServer
    login: QuotedLogin
    """The IAM login, connecting with the stand-in token."""
    logs: list[list[str]]


def as_superuser(server: PostgresServer, sql: str) -> None:
    """Run `sql` as the cluster's superuser over its Unix socket (trusted), as Cloud SQL's own administrator."""
    con = pg8000.native.Connection("postgres", unix_sock=str(server.directory / "sockets" / f".s.PGSQL.{server.port}"),
                                   database=server.database)
    try:
        con.run(sql)
    finally:
        con.close()


@pytest.fixture(scope="module")
def iam_cluster() -> Iterator[IamCluster]:
    master = PostgresServer(user="master", role_attributes="CREATEROLE CREATEDB")
    master.start()
    try:
        connect(master).run("CREATE TABLE legacy (id serial PRIMARY KEY)")
        as_superuser(master, f"CREATE ROLE {db_bootstrap.ident(IAM_LOGIN)} LOGIN PASSWORD '{IAM_TOKEN}'")
        login = QuotedLogin(user=IAM_LOGIN, password=IAM_TOKEN, port=master.port, directory=master.directory)
        # POSTGRES_URI as the gcp stack builds it under IAM: the login's name, no password.
        uri = contract.postgres_uri(IAM_LOGIN, None, "127.0.0.1", master.port, "langgraph", tls=False)
        yield IamCluster(master, login, bootstrap_twice(master, uri, owner=SERVER_ROLE))
    finally:
        master.stop()


def test_the_iam_bootstrap_reruns_with_the_other_driver_and_changes_nothing(iam_cluster: IamCluster) -> None:
    first, second = iam_cluster.logs
    assert first == second
    assert f'GRANT "{SERVER_ROLE}" TO "{IAM_LOGIN}"' in first


def test_the_owner_cannot_log_in_and_owns_the_database_which_the_iam_login_acts_as(iam_cluster: IamCluster) -> None:
    master = iam_cluster.master
    roles = dict((r[0], r[1:]) for r in connect(master).run(
        "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin, rolinherit "
        f"FROM pg_roles WHERE rolname IN ('{SERVER_ROLE}', '{IAM_LOGIN}')"))
    assert roles == {SERVER_ROLE: [False, False, False, False, False, False, True],
                     IAM_LOGIN: [False, False, False, False, False, True, True]}
    assert one(master, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'langgraph'") == SERVER_ROLE
    assert one(master, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'") == SERVER_ROLE
    assert one(master, f"SELECT pg_has_role('{IAM_LOGIN}', '{SERVER_ROLE}', 'USAGE')") is True
    # What the master owned is the owner's, which the login may alter through its membership.
    assert one(master, "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'legacy'") == SERVER_ROLE
    con = connect(iam_cluster.login)
    try:
        assert con.run("SELECT current_user") == [[IAM_LOGIN]]
        con.run("ALTER TABLE legacy ADD COLUMN IF NOT EXISTS note text")
        con.run("CREATE TABLE IF NOT EXISTS made_by_login (id int)")
        for sql, error in (("CREATE ROLE intruder", "permission denied to create role"),
                           ("SELECT rolpassword FROM pg_authid", "permission denied for table pg_authid"),
                           (f'ALTER ROLE "{SERVER_ROLE}" LOGIN', "permission denied")):
            with pytest.raises(pg8000.native.DatabaseError, match=error):
                con.run(sql)
    finally:
        con.close()


def test_the_iam_bootstrap_refuses_a_login_cloud_sql_has_not_made(iam_cluster: IamCluster) -> None:
    uri = contract.postgres_uri("nobody@my-gcp-project-prod.iam", None, "127.0.0.1", iam_cluster.master.port,
                                "langgraph", tls=False)
    with pytest.raises(Exception, match="does not exist: Cloud SQL creates it"):
        db_bootstrap.run(iam_cluster.master.uri, uri, iam_grant=db_bootstrap.IamGrant.CLOUD_SQL_IAM,
                         owner=SERVER_ROLE, log=lambda _: None)


# The stand-in server (langgraph-runtime-pg 0.11.1) hands POSTGRES_URI to alembic's configparser, which refuses the
# `%40` of a service account's login name: it is served as a second login of the same shape without `@`, which the
# bootstrap grants the owner role the same way (what is tested is serving as a member of the NOLOGIN owner).
SERVED_LOGIN = "langgraph-served.iam"


@pytest.fixture(scope="module")
def served_iam(iam_cluster: IamCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentServerFactory]:
    master = iam_cluster.master
    as_superuser(master, f"CREATE ROLE {db_bootstrap.ident(SERVED_LOGIN)} LOGIN PASSWORD '{IAM_TOKEN}'")
    db_bootstrap.run(master.uri, contract.postgres_uri(SERVED_LOGIN, None, "127.0.0.1", master.port, "langgraph",
                                                       tls=False),
                     iam_grant=db_bootstrap.IamGrant.CLOUD_SQL_IAM, owner=SERVER_ROLE, log=lambda _: None)
    yield from serving(dataclasses.replace(iam_cluster.login, user=SERVED_LOGIN),
                       tmp_path_factory.mktemp("iam-server-logs"))


def test_the_server_migrates_and_completes_a_run_as_a_login_granted_the_owner(iam_cluster: IamCluster,
                                                                              served_iam: AgentServerFactory) -> None:
    _, url = served_iam.start("api", n_jobs_per_worker=2)
    client = client_for(url)
    thread_id = client.threads.create()["thread_id"]
    state = client.runs.wait(thread_id, GRAPH_ID, input=user("What is 6 * 7?"))
    assert state["messages"][-1]["content"].endswith("6 * 7 = 42.")
    # Its migrations ran as the login, in the database its role owns; a rerun of the bootstrap leaves them be.
    owners = connect(iam_cluster.master).run(
        "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = 'public'::regnamespace "
        "AND relname IN ('threads', 'runs', 'checkpoints')")
    assert owners == [[SERVED_LOGIN]]
    uri = contract.postgres_uri(IAM_LOGIN, None, "127.0.0.1", iam_cluster.master.port, "langgraph", tls=False)
    log: list[str] = []
    db_bootstrap.run(iam_cluster.master.uri, uri, iam_grant=db_bootstrap.IamGrant.CLOUD_SQL_IAM, owner=SERVER_ROLE,
                     log=log.append)
    assert log == iam_cluster.logs[0]
    served_login = dataclasses.replace(iam_cluster.login, user=SERVED_LOGIN)
    assert one(served_login, "SELECT count(*) FROM threads") >= 1  # type: ignore[operator]
    assert not served_iam.trap.requests


# The scaler's login (GKE with the queue on its backlog): KEDA's PostgreSQL scaler signs in as it and calls one
# function, which counts the runs in flight as the server's role. The table `run` is made here in the shape of the
# runtime's (LangChain's Helm chart counts `status` in it), by the server's role, as its migrations would.

SCALER_ROLE = db_bootstrap.scaler_role(SERVER_ROLE)
SCALER_PASSWORD = "scaler-password-" + os.urandom(8).hex()


@dataclasses.dataclass
class ScalerCluster:
    master: PostgresServer
    server: PostgresServer
    scaler: PostgresServer
    logs: list[list[str]]


@pytest.fixture(scope="module")
def scaler_cluster() -> Iterator[ScalerCluster]:
    master = PostgresServer(user="master", role_attributes="CREATEROLE CREATEDB", settings=("log_statement=all",))
    master.start()
    try:
        server = dataclasses.replace(master, user=SERVER_ROLE, password=SERVER_PASSWORD, role_attributes="")
        scaler = dataclasses.replace(master, user=SCALER_ROLE, password=SCALER_PASSWORD, role_attributes="")
        first: list[str] = []
        db_bootstrap.run(master.uri, server.uri, scaler_uri=scaler.uri, log=first.append)
        second = bootstrap_with_psycopg(master, server.uri, **{db_bootstrap.SCALER_URI_ENV: scaler.uri})
        yield ScalerCluster(master, server, scaler, [first, second])
    finally:
        master.stop()


def test_the_scaler_counts_zero_runs_before_the_servers_migrations_then_the_runs_in_flight(
        scaler_cluster: ScalerCluster) -> None:
    assert one(scaler_cluster.scaler, db_bootstrap.RUNS_IN_FLIGHT_QUERY) == 0
    con = connect(scaler_cluster.server)
    try:
        con.run("CREATE TABLE IF NOT EXISTS run (run_id uuid PRIMARY KEY DEFAULT gen_random_uuid(), "
                "status text NOT NULL DEFAULT 'pending')")
        con.run("TRUNCATE run")
        con.run("INSERT INTO run (status) SELECT s FROM unnest(ARRAY['pending', 'pending', 'running', 'success', "
                "'error', 'interrupted', 'timeout', 'running', 'pending']) AS s")
    finally:
        con.close()
    assert one(scaler_cluster.scaler, db_bootstrap.RUNS_IN_FLIGHT_QUERY) == 5
    # Nothing in the scaler's search path can stand in for the runtime's table or for count().
    con = connect(scaler_cluster.scaler)
    try:
        con.run("SET search_path = pg_temp, public")
        assert con.run(db_bootstrap.RUNS_IN_FLIGHT_QUERY) == [[5]]
    finally:
        con.close()


@pytest.mark.parametrize("sql, error", [
    ("SELECT count(*) FROM run", "permission denied for table run"),
    ("SELECT count(*) FROM legacy_secret", "permission denied for table legacy_secret"),
    ("CREATE TABLE mine (id int)", "permission denied for schema public"),
    ("CREATE TEMP TABLE mine (id int)", "permission denied to create temporary tables"),
    ("CREATE FUNCTION public.mine() RETURNS int LANGUAGE sql AS 'SELECT 1'", "permission denied for schema public"),
    ("CREATE ROLE intruder", "permission denied to create role"),
    ("CREATE DATABASE elsewhere", "permission denied to create database"),
    (f"SET ROLE {SERVER_ROLE}", "permission denied to set role"),
    ("SELECT rolpassword FROM pg_authid", "permission denied for table pg_authid"),
])
def test_the_scaler_reads_nothing_but_the_count_and_creates_nothing(scaler_cluster: ScalerCluster, sql: str,
                                                                   error: str) -> None:
    con = connect(scaler_cluster.server)
    try:
        con.run("CREATE TABLE IF NOT EXISTS run (run_id uuid PRIMARY KEY DEFAULT gen_random_uuid(), "
                "status text NOT NULL DEFAULT 'pending')")
        con.run("CREATE TABLE IF NOT EXISTS legacy_secret (value text)")
    finally:
        con.close()
    con = connect(scaler_cluster.scaler)
    try:
        with pytest.raises(pg8000.native.DatabaseError, match=error):
            con.run(sql)
    finally:
        con.close()


def test_the_scaler_role_has_no_attribute_and_only_it_may_call_the_function(scaler_cluster: ScalerCluster) -> None:
    master = scaler_cluster.master
    assert connect(master).run(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin, rolinherit "
        f"FROM pg_roles WHERE rolname = '{SCALER_ROLE}'") == [[False, False, False, False, False, True, False]]
    function = f"'{db_bootstrap.RUNS_IN_FLIGHT_FUNCTION}()'::regprocedure"
    assert connect(master).run(f"SELECT pg_get_userbyid(proowner), prosecdef, proconfig FROM pg_proc "
                               f"WHERE oid = {function}") == [[SERVER_ROLE, True, ["search_path=pg_catalog, pg_temp"]]]
    grantees = connect(master).run(f"SELECT DISTINCT grantee::regrole::text FROM aclexplode((SELECT proacl FROM "
                                   f"pg_proc WHERE oid = {function})) WHERE privilege_type = 'EXECUTE'")
    assert sorted(g for [g] in grantees) == sorted([SERVER_ROLE, SCALER_ROLE])
    # A role that may connect but is not the scaler cannot call it.
    connect(master).run("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'nosy') THEN "
                        "CREATE ROLE nosy LOGIN PASSWORD 'nosy-password'; END IF; END $$")
    connect(master).run("GRANT CONNECT ON DATABASE langgraph TO nosy")
    nosy = dataclasses.replace(master, user="nosy", password="nosy-password")
    with pytest.raises(pg8000.native.DatabaseError, match="permission denied for function"):
        one(nosy, db_bootstrap.RUNS_IN_FLIGHT_QUERY)


def test_the_scaler_bootstrap_reruns_unchanged_and_never_logs_its_password(scaler_cluster: ScalerCluster) -> None:
    first, second = scaler_cluster.logs
    assert first == second
    assert f'ALTER ROLE "{SCALER_ROLE}" WITH PASSWORD {db_bootstrap.REDACTED}' in first
    server_log = scaler_cluster.master.directory.joinpath("postgres.log").read_text(errors="replace")
    assert not any(SCALER_PASSWORD in line for log in scaler_cluster.logs for line in log)
    assert SCALER_PASSWORD not in server_log
    assert f'ALTER ROLE "{SCALER_ROLE}" WITH PASSWORD \'SCRAM-SHA-256$4096:' in server_log
    # A third run, over the table the server made, changes nothing the scaler relies on.
    log: list[str] = []
    db_bootstrap.run(scaler_cluster.master.uri, scaler_cluster.server.uri, scaler_uri=scaler_cluster.scaler.uri,
                     log=log.append)
    assert log == first
    assert one(scaler_cluster.scaler, "SELECT current_user") == SCALER_ROLE

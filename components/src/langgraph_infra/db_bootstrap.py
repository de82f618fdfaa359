"""The database bootstrap: the SQL that gives the Agent Server its own least-privilege role, once for every target.

Run as the master user (`rds_superuser` on RDS, `cloudsqlsuperuser` on Cloud SQL, the image's superuser locally) by
a step the stack runs inside the network at deploy time (a Lambda function, a Cloud Run job, a container), it makes
the server's role: a login that is not a superuser and cannot create roles or databases, owns the server's database
and its `public` schema (so the server's migrations run as itself), and nothing else. What needs more privilege than
that role has (the role itself, extensions such as pgvector) is done here, never by the server.

Every statement is idempotent, so the step runs on every deploy that changes its input (the SQL, the password) and
a rerun changes nothing else. The module uses only the standard library plus whichever Postgres driver the runtime
has (psycopg in the Agent Server image, pg8000 in the Lambda package), so the same file is the code every target
ships: `python db_bootstrap.py` with `MASTER_URI` and `POSTGRES_URI` in the environment, or `handler(event, _)` on
Lambda. Each statement is logged before it runs, the password statement redacted.

Under Cloud SQL IAM database authentication the login is not the server's role: Cloud SQL creates the login (named
after a service account) itself, and the bootstrap makes the server's role a NOLOGIN owner and grants it to that
login. The master never needs a privilege on a role it did not create (PostgreSQL 16 and newer let a role with
CREATEROLE alter or grant only roles it administers), and the login acts as the owner through its membership.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import os
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

# The extension a semantic store (`store.index` in langgraph.json) needs; it takes more privilege than the server has.
VECTOR_EXTENSION = "vector"
REDACTED = "[redacted]"
# Environment of the runner (every target): the master's URI and the server's (the POSTGRES_URI the containers read).
MASTER_URI_ENV = "MASTER_URI"
SERVER_URI_ENV = "POSTGRES_URI"
EXTENSIONS_ENV = "BOOTSTRAP_EXTENSIONS"
IAM_GRANT_ENV = "BOOTSTRAP_IAM_GRANT"
OWNER_ROLE_ENV = "BOOTSTRAP_OWNER_ROLE"
# The scaler's URI (GKE with the queue on its backlog): its role and password are made too when it is set.
SCALER_URI_ENV = "SCALER_POSTGRES_URI"
# What KEDA's PostgreSQL scaler calls (`SELECT <function>()`): the runs in flight in the Agent Server's table `run`
# (the table and `status` column LangChain's Helm chart scales its queue on: github.com/langchain-ai/helm,
# charts/langgraph-cloud/templates/queue/scaled-object.yaml), counting running runs too (`derive.capacity.backlog_target`).
RUNS_IN_FLIGHT_FUNCTION = "public.langgraph_runs_in_flight"
RUNS_IN_FLIGHT_QUERY = f"SELECT {RUNS_IN_FLIGHT_FUNCTION}()"


def scaler_role(server_role: str) -> str:
    """The scaler's login role, named after the server's."""
    return f"{server_role}_scaler"


class IamGrant(str, enum.Enum):
    """How the server logs in without a password. `none`: a password. `rds_iam`: RDS IAM database authentication,
    the server's role itself logs in and is granted `rds_iam`. `cloudsql_iam`: Cloud SQL IAM database
    authentication, the URI's user is a login Cloud SQL created for a service account, and the server's role (the
    owner) is granted to it."""

    NONE = "none"
    RDS_IAM = "rds_iam"
    CLOUD_SQL_IAM = "cloudsql_iam"


@dataclass(frozen=True)
class Statement:
    """One SQL statement and what is logged for it (the same text unless it carries a secret)."""

    sql: str
    log: str


@dataclass(frozen=True)
class Login:
    """A role, its password and where it connects, as read from a connection URI."""

    user: str
    password: str | None
    host: str
    port: int
    database: str
    sslmode: str

    @classmethod
    def from_uri(cls, uri: str) -> Login:
        parts = urlsplit(uri)
        if parts.scheme not in ("postgres", "postgresql") or not parts.username or not parts.hostname:
            raise ValueError("not a postgres://user[:password]@host[:port]/database URI")
        sslmode = parse_qs(parts.query).get("sslmode", ["prefer"])[0]
        return cls(user=unquote(parts.username), password=unquote(parts.password) if parts.password else None,
                   host=parts.hostname, port=parts.port or 5432, database=unquote(parts.path.lstrip("/")),
                   sslmode=sslmode)


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A quoted SQL string (standard_conforming_strings is on in every supported version)."""
    return "'" + value.replace("'", "''") + "'"


def refuse_privileged(role: str) -> Statement:
    """A check that fails the bootstrap when `role` is a superuser or has REPLICATION or BYPASSRLS."""
    return Statement(f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {literal(role)} "
                     "AND (rolsuper OR rolreplication OR rolbypassrls)) THEN "
                     f"RAISE EXCEPTION 'role % is a superuser or has REPLICATION or BYPASSRLS: the server must not', "
                     f"{literal(role)}; END IF; END $$", "")


def statements(role: str, database: str, *, password: str | None, extensions: Sequence[str] = (),
               iam_grant: IamGrant = IamGrant.NONE, login: str | None = None,
               scaler: tuple[str, str] | None = None) -> list[Statement]:
    """The bootstrap, in order. `password` None leaves the role without one (IAM authentication). With
    `IamGrant.CLOUD_SQL_IAM`, `role` is made NOLOGIN and granted to `login`, the Cloud SQL IAM user the server
    signs in as, which must exist already (Cloud SQL creates it). With `scaler` (its role and password), the
    scaler's login and the function it may call, and nothing else (`scaler_statements`).

    Works as a master that is not a superuser (RDS, Cloud SQL): it needs CREATEROLE and to own `database`. Role
    attributes that only a superuser may even mention (SUPERUSER, REPLICATION, BYPASSRLS) are set at creation, where
    their safe values are the defaults, and checked afterwards: a pre-existing role that has any of them fails the
    bootstrap rather than being used.
    """
    if (iam_grant is IamGrant.CLOUD_SQL_IAM) != (login is not None):
        raise ValueError("a login is given exactly with IamGrant.CLOUD_SQL_IAM")
    r, d = ident(role), ident(database)
    logs_in = "NOLOGIN" if login is not None else "LOGIN"
    out = [
        Statement(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {literal(role)}) "
                  f"THEN CREATE ROLE {r} {logs_in} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS; "
                  "END IF; END $$", ""),
        Statement(f"ALTER ROLE {r} WITH {logs_in} INHERIT NOCREATEDB NOCREATEROLE", ""),
        refuse_privileged(role),
    ]
    if password is not None:
        # `password` may be a SCRAM verifier, which the server stores as given (`run` sends nothing else).
        out.append(Statement(f"ALTER ROLE {r} WITH PASSWORD {literal(password)}",
                             f"ALTER ROLE {r} WITH PASSWORD {REDACTED}"))
    else:
        out.append(Statement(f"ALTER ROLE {r} WITH PASSWORD NULL", ""))
    if iam_grant is IamGrant.RDS_IAM:
        out.append(Statement(f"GRANT rds_iam TO {r}", ""))
    if login is not None:
        out += [
            Statement(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {literal(login)}) "
                      f"THEN RAISE EXCEPTION 'login % does not exist: Cloud SQL creates it with the IAM user', "
                      f"{literal(login)}; END IF; END $$", ""),
            refuse_privileged(login),
            # The login acts as the owner (INHERIT): it migrates, reads and writes what the owner owns.
            Statement(f"GRANT {r} TO {ident(login)}", ""),
        ]
    out += [
        # A master that is not a superuser may give a database only to a role it can act as (PostgreSQL 15+).
        Statement(f"GRANT {r} TO CURRENT_USER", ""),
        Statement(f"ALTER DATABASE {d} OWNER TO {r}", ""),
        # No other role may connect or create temporary tables; the owner (and so the master, its member) still can.
        Statement(f"REVOKE ALL ON DATABASE {d} FROM PUBLIC", ""),
        Statement(f"ALTER SCHEMA public OWNER TO {r}", ""),
        Statement("REVOKE CREATE ON SCHEMA public FROM PUBLIC", ""),
        *(Statement(f"CREATE EXTENSION IF NOT EXISTS {ident(name)} WITH SCHEMA public", "")
          for name in sorted(set(extensions))),
        # A deployment that ran as the master has its tables owned by the master: hand them over, so the server's
        # migrations can alter them. Extension members (pgvector's types and functions) stay with the master.
        Statement(adopt_objects(role), ""),
    ]
    if scaler is not None:
        if login is not None:
            raise ValueError("a scaler role reads the server's tables as the server's role, which does not own "
                             "them under Cloud SQL IAM authentication (the IAM login does)")
        out += scaler_statements(role, database, *scaler)
    return [Statement(s.sql, s.log or s.sql) for s in out]


def scaler_statements(owner: str, database: str, scaler: str, password: str) -> list[Statement]:
    """The scaler's login: no privilege but CONNECT on `database` and EXECUTE on `RUNS_IN_FLIGHT_FUNCTION`, a
    SECURITY DEFINER function owned by `owner` (the server's role, which owns the runtime's tables), so the scaler
    reads one number and no row. The table `run` appears only with the server's first migration: until then the
    function answers 0 (`to_regclass`; plpgsql is not checked against tables at creation).

    Security definer hygiene (PostgreSQL docs, "Writing SECURITY DEFINER Functions Safely"): `search_path` is pinned
    to `pg_catalog, pg_temp` and every name is schema-qualified, so no object a caller creates is picked up."""
    s, d, o, fn = ident(scaler), ident(database), ident(owner), RUNS_IN_FLIGHT_FUNCTION
    body = ("BEGIN IF pg_catalog.to_regclass('public.run') IS NULL THEN RETURN 0; END IF; "
            "RETURN (SELECT pg_catalog.count(*) FROM public.run WHERE status IN ('pending', 'running')); END")
    return [
        Statement(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {literal(scaler)}) "
                  f"THEN CREATE ROLE {s} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
                  "NOINHERIT; END IF; END $$", ""),
        # NOINHERIT: a membership granted later by mistake gives it no privilege without an explicit SET ROLE.
        Statement(f"ALTER ROLE {s} WITH LOGIN NOINHERIT NOCREATEDB NOCREATEROLE", ""),
        refuse_privileged(scaler),
        Statement(f"ALTER ROLE {s} WITH PASSWORD {literal(password)}", f"ALTER ROLE {s} WITH PASSWORD {REDACTED}"),
        Statement(f"GRANT CONNECT ON DATABASE {d} TO {s}", ""),
        # Created by the master (a member of the owner, so it may replace it on a rerun), then given to the owner.
        Statement(f"CREATE OR REPLACE FUNCTION {fn}() RETURNS bigint LANGUAGE plpgsql STABLE SECURITY DEFINER "
                  f"SET search_path = pg_catalog, pg_temp AS $fn$ {body} $fn$", ""),
        Statement(f"ALTER FUNCTION {fn}() OWNER TO {o}", ""),
        Statement(f"REVOKE ALL ON FUNCTION {fn}() FROM PUBLIC", ""),
        Statement(f"GRANT EXECUTE ON FUNCTION {fn}() TO {s}", ""),
    ]


def adopt_objects(role: str) -> str:
    """A DO block giving `role` every table, view, sequence, function and type in `public` that the master owns."""
    r = ident(role)
    not_extension = ("NOT EXISTS (SELECT FROM pg_catalog.pg_depend dep WHERE dep.classid = {cls}::regclass "
                     "AND dep.objid = {oid} AND dep.deptype = 'e')")
    return (
        "DO $$ DECLARE obj record; BEGIN "
        "FOR obj IN SELECT c.oid::regclass AS name, c.relkind FROM pg_catalog.pg_class c "
        "WHERE c.relnamespace = 'public'::regnamespace AND c.relowner = CURRENT_USER::regrole "
        "AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') "
        # A sequence owned by a column moves with its table.
        "AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_catalog.pg_depend dep WHERE dep.objid = c.oid "
        "AND dep.classid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i'))) "
        f"AND {not_extension.format(cls=literal('pg_class'), oid='c.oid')} LOOP "
        "EXECUTE format('ALTER %s %s OWNER TO %s', CASE obj.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' "
        "WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, obj.name, "
        f"{literal(r)}); END LOOP; "
        "FOR obj IN SELECT p.oid::regprocedure AS name, p.prokind FROM pg_catalog.pg_proc p "
        "WHERE p.pronamespace = 'public'::regnamespace AND p.proowner = CURRENT_USER::regrole "
        f"AND {not_extension.format(cls=literal('pg_proc'), oid='p.oid')} LOOP "
        "EXECUTE format('ALTER %s %s OWNER TO %s', CASE obj.prokind WHEN 'p' THEN 'PROCEDURE' "
        "WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END, obj.name, "
        f"{literal(r)}); END LOOP; "
        "FOR obj IN SELECT t.oid::regtype AS name FROM pg_catalog.pg_type t "
        "WHERE t.typnamespace = 'public'::regnamespace AND t.typowner = CURRENT_USER::regrole "
        "AND t.typtype IN ('e', 'd', 'c', 'r') AND t.typelem = 0 "
        "AND (t.typrelid = 0 OR (SELECT relkind FROM pg_catalog.pg_class WHERE oid = t.typrelid) = 'c') "
        f"AND {not_extension.format(cls=literal('pg_type'), oid='t.oid')} LOOP "
        f"EXECUTE format('ALTER TYPE %s OWNER TO %s', obj.name, {literal(r)}); END LOOP; "
        "END $$"
    )


def fingerprint(role: str, database: str, *, extensions: Sequence[str] = (),
                iam_grant: IamGrant = IamGrant.NONE, password_mode: bool = True, login: str | None = None,
                scaler: str | None = None) -> str:
    """A digest of the bootstrap's SQL (the passwords left out): when it changes, the deploy step runs again."""
    text = "\n".join(s.log for s in statements(role, database, password=REDACTED if password_mode else None,
                                               extensions=extensions, iam_grant=iam_grant, login=login,
                                               scaler=(scaler, REDACTED) if scaler else None))
    return hashlib.sha256(text.encode()).hexdigest()


class Session:
    """An autocommit session as the master, with whichever driver is installed (psycopg, else pg8000)."""

    def __init__(self, login: Login):
        try:
            import psycopg  # type: ignore[import-not-found, import-untyped, unused-ignore]
        except ImportError:
            self._psycopg = None
            self._con = _pg8000_connection(login)
        else:
            self._psycopg = psycopg.connect(host=login.host, port=login.port, dbname=login.database, user=login.user,
                                            password=login.password, sslmode=login.sslmode, autocommit=True,
                                            application_name="bootstrap")

    def execute(self, sql: str) -> None:
        if self._psycopg is not None:
            self._psycopg.execute(sql.encode())
        else:
            self._con.run(sql)

    def verifier(self, password: str, role: str) -> str:
        """The SCRAM-SHA-256 verifier of `password`, computed here: the password itself never reaches the server,
        so no server log (log_statement, pgaudit) can hold it."""
        if self._psycopg is not None:
            return str(self._psycopg.pgconn.encrypt_password(password.encode(), role.encode(),
                                                             b"scram-sha-256").decode())
        import base64

        import scramp  # type: ignore[import-not-found, import-untyped, unused-ignore]

        salt, stored, server, iterations = scramp.ScramMechanism("SCRAM-SHA-256").make_auth_info(
            password, iteration_count=4096)
        b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
        return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored)}:{b64(server)}"

    def close(self) -> None:
        (self._psycopg or self._con).close()


def _pg8000_connection(login: Login) -> Any:
    import ssl

    import pg8000.native  # type: ignore[import-not-found, import-untyped, unused-ignore]

    # Encrypted as `sslmode=require` is (the managed engines force TLS); the certificate is not verified, as there.
    context = None
    if login.sslmode not in ("disable", "allow", "prefer"):
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return pg8000.native.Connection(login.user, host=login.host, port=login.port, database=login.database,
                                    password=login.password, ssl_context=context, application_name="bootstrap")


def run(master_uri: str, server_uri: str, *, extensions: Sequence[str] = (), iam_grant: IamGrant = IamGrant.NONE,
        owner: str | None = None, scaler_uri: str | None = None, log: Callable[[str], None] = print) -> int:
    """Connect as the master to the server's database and run the bootstrap for the server's role; returns the
    number of statements run. With `IamGrant.CLOUD_SQL_IAM` the server's role is `owner` and the URI's user is the
    IAM login it is granted to. With `scaler_uri`, its user is made the scaler's login with its password. An error
    stops at the failing statement (each one is idempotent: rerun the step)."""
    master, server = Login.from_uri(master_uri), Login.from_uri(server_uri)
    scaler_login = Login.from_uri(scaler_uri) if scaler_uri else None
    if scaler_login is not None and scaler_login.password is None:
        raise ValueError(f"{SCALER_URI_ENV} names no password: the scaler logs in with one")
    if (iam_grant is IamGrant.CLOUD_SQL_IAM) != (owner is not None):
        raise ValueError(f"{OWNER_ROLE_ENV} is needed exactly with {IAM_GRANT_ENV}={IamGrant.CLOUD_SQL_IAM.value}")
    role, login = (owner, server.user) if owner is not None else (server.user, None)
    session = Session(Login(master.user, master.password, master.host, master.port, server.database, master.sslmode))
    try:
        password = session.verifier(server.password, server.user) if server.password is not None else None
        scaler = (scaler_login.user, session.verifier(str(scaler_login.password), scaler_login.user)) \
            if scaler_login is not None else None
        todo = statements(role, server.database, password=password, extensions=extensions, iam_grant=iam_grant,
                          login=login, scaler=scaler)
        log(f"bootstrap: role {role}" + (f" for login {login}" if login else "") +
            f", database {server.database}, as {master.user}@{master.host}")
        for statement in todo:
            log(statement.log)
            session.execute(statement.sql)
    finally:
        session.close()
    log(f"bootstrap: done, {len(todo)} statements")
    return len(todo)


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def main() -> int:
    """The runner of the Cloud Run job and the local container: everything from the environment."""
    run(os.environ[MASTER_URI_ENV], os.environ[SERVER_URI_ENV], extensions=_split(os.environ.get(EXTENSIONS_ENV)),
        iam_grant=IamGrant(os.environ.get(IAM_GRANT_ENV, IamGrant.NONE.value)),
        owner=os.environ.get(OWNER_ROLE_ENV) or None, scaler_uri=os.environ.get(SCALER_URI_ENV) or None)
    return 0


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """The Lambda entry point: the two URIs are read from Secrets Manager by ARN (boto3 is in Lambda's runtime);
    the rest of the event (`extensions`, `iam_grant`, `fingerprint`) is plain."""
    import boto3  # type: ignore[import-not-found, import-untyped, unused-ignore]

    client = boto3.client("secretsmanager")
    read = lambda arn: client.get_secret_value(SecretId=arn)["SecretString"]  # noqa: E731
    count = run(read(event["master_secret_arn"]), read(event["server_secret_arn"]),
                extensions=event.get("extensions", []), iam_grant=IamGrant(event.get("iam_grant", "none")))
    return {"statements": count, "fingerprint": event.get("fingerprint")}


def source() -> str:
    """This module's own code, which every target ships (a Lambda file, a `python -c` argument)."""
    with open(__file__, encoding="utf-8") as f:
        return f.read()


def command(python: str = "python") -> list[str]:
    """The container command that runs this module from its own source, compressed (a few KB instead of the
    whole file in the job's definition and the plan): the Cloud Run job's and the local container's."""
    packed = base64.b64encode(zlib.compress(source().encode(), 9)).decode()
    return [python, "-c", f"import base64, zlib; exec(zlib.decompress(base64.b64decode('{packed}')))"]


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyError as missing:
        sys.exit(f"bootstrap: {missing} is not set")
    except Exception as error:  # noqa: BLE001 - the step's log must say why, without a traceback of secrets
        sys.exit(f"bootstrap failed: {type(error).__name__}: {json.dumps(str(error))}")

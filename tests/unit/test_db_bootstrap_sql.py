"""The database bootstrap's SQL as plain functions (langgraph_infra.db_bootstrap); tests/app/test_db_bootstrap.py
runs it on a real PostgreSQL."""

from __future__ import annotations

import pytest

from langgraph_infra import build_config, db_bootstrap
from langgraph_infra.config import ConfigError
from langgraph_infra.db_bootstrap import IamGrant, Login, statements

DEV = {"environment": "dev", "target": {"cloud": "aws", "runtime": "ecs", "region": "us-east-1"},
       "secrets": {"LANGSMITH_API_KEY": {}}}


def sql_of(**kwargs) -> list[str]:
    return [s.sql for s in statements("srv", "db", **{"password": "pw", **kwargs})]


def test_the_password_is_in_the_sql_but_never_in_the_log():
    done = statements("srv", "db", password="s3cr3t'")
    [setter] = [s for s in done if "PASSWORD" in s.sql]
    assert setter.sql == '''ALTER ROLE "srv" WITH PASSWORD 's3cr3t'\'\''''
    assert setter.log == f'ALTER ROLE "srv" WITH PASSWORD {db_bootstrap.REDACTED}'
    assert all("s3cr3t" not in s.log for s in done)


def test_without_a_password_the_role_has_none():
    assert 'ALTER ROLE "srv" WITH PASSWORD NULL' in sql_of(password=None)


def test_the_role_is_made_without_privilege_and_given_the_database():
    sql = sql_of()
    assert "CREATE ROLE \"srv\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS" in sql[0]
    assert sql.index('ALTER DATABASE "db" OWNER TO "srv"') > sql.index('GRANT "srv" TO CURRENT_USER')
    assert 'REVOKE ALL ON DATABASE "db" FROM PUBLIC' in sql
    assert "REVOKE CREATE ON SCHEMA public FROM PUBLIC" in sql
    assert not any("rds_iam" in s for s in sql)


def test_rds_iam_mode_grants_rds_iam():
    assert 'GRANT rds_iam TO "srv"' in sql_of(password=None, iam_grant=IamGrant.RDS_IAM)


def test_cloud_sql_iam_mode_makes_the_role_an_owner_without_login_and_grants_it_to_the_iam_user():
    sql = sql_of(password=None, iam_grant=IamGrant.CLOUD_SQL_IAM, login="run@proj.iam")
    assert "CREATE ROLE \"srv\" NOLOGIN NOSUPERUSER" in sql[0]
    assert 'ALTER ROLE "srv" WITH NOLOGIN INHERIT NOCREATEDB NOCREATEROLE' in sql
    assert 'GRANT "srv" TO "run@proj.iam"' in sql
    # The login is Cloud SQL's: checked, never created nor altered.
    assert not any('CREATE ROLE "run@proj.iam"' in s or 'ALTER ROLE "run@proj.iam"' in s for s in sql)
    assert any("'run@proj.iam'" in s and "does not exist" in s for s in sql)
    assert any("'run@proj.iam'" in s and "rolsuper OR rolreplication OR rolbypassrls" in s for s in sql)
    assert sql.index('ALTER DATABASE "db" OWNER TO "srv"') > sql.index('GRANT "srv" TO "run@proj.iam"')
    assert not any("rds_iam" in s for s in sql)


@pytest.mark.parametrize("grant, login", [(IamGrant.CLOUD_SQL_IAM, None), (IamGrant.NONE, "run@proj.iam"),
                                          (IamGrant.RDS_IAM, "run@proj.iam")])
def test_a_login_goes_with_cloud_sql_iam_and_nothing_else(grant, login):
    with pytest.raises(ValueError, match="CLOUD_SQL_IAM"):
        statements("srv", "db", password=None, iam_grant=grant, login=login)


def test_the_cloud_sql_iam_runner_needs_the_owner_role_exactly_in_that_mode():
    uri = "postgres://u@h/db"
    with pytest.raises(ValueError, match=db_bootstrap.OWNER_ROLE_ENV):
        db_bootstrap.run(uri, uri, iam_grant=IamGrant.CLOUD_SQL_IAM)
    with pytest.raises(ValueError, match=db_bootstrap.OWNER_ROLE_ENV):
        db_bootstrap.run(uri, uri, owner="srv")


def test_extensions_are_created_once_each_in_public():
    sql = sql_of(extensions=["vector", "vector"])
    assert sql.count('CREATE EXTENSION IF NOT EXISTS "vector" WITH SCHEMA public') == 1


def test_identifiers_are_quoted():
    assert db_bootstrap.ident('a"b') == '"a""b"'
    assert db_bootstrap.literal("it's") == "'it''s'"


def test_the_fingerprint_ignores_the_password_and_follows_the_sql():
    base = db_bootstrap.fingerprint("srv", "db")
    assert base == db_bootstrap.fingerprint("srv", "db")
    assert base != db_bootstrap.fingerprint("other", "db")
    assert base != db_bootstrap.fingerprint("srv", "db", extensions=["vector"])
    iam = db_bootstrap.fingerprint("srv", "db", iam_grant=IamGrant.CLOUD_SQL_IAM, login="a@p.iam", password_mode=False)
    assert base != iam != db_bootstrap.fingerprint("srv", "db", iam_grant=IamGrant.CLOUD_SQL_IAM, login="b@p.iam",
                                                   password_mode=False)


def test_a_login_is_read_from_the_uri_the_stacks_build():
    login = Login.from_uri("postgres://langgraph_server:p%40ss@db.internal:5433/langgraph?sslmode=require")
    assert login == Login("langgraph_server", "p@ss", "db.internal", 5433, "langgraph", "require")
    with pytest.raises(ValueError, match="not a postgres"):
        Login.from_uri("redis://:x@host:6379")


def test_the_server_may_not_be_configured_as_the_master():
    with pytest.raises(ConfigError) as err:
        build_config({**DEV, "postgres": {"username": "admin", "server_username": "admin"}})
    [problem] = [p for p in err.value.problems if "server_username" in p]
    assert "server_username=admin" in problem and "set server_username to another name" in problem


def test_the_default_server_role_is_not_the_master():
    cfg = build_config(DEV)
    assert (cfg.postgres.username, cfg.postgres.server_username) == ("langgraph", "langgraph_server")


# The scaler's login (tests/app/test_db_bootstrap.py runs it on PostgreSQL) -------------------------------------------


def test_without_a_scaler_nothing_of_it_is_made():
    assert not any("scaler" in s or db_bootstrap.RUNS_IN_FLIGHT_FUNCTION in s for s in sql_of())


def test_the_scaler_password_is_in_the_sql_but_never_in_the_log():
    done = statements("srv", "db", password="pw", scaler=("srv_scaler", "sc4l3r'"))
    [setter] = [s for s in done if 'ALTER ROLE "srv_scaler" WITH PASSWORD' in s.sql]
    assert setter.sql == 'ALTER ROLE "srv_scaler" WITH PASSWORD ' + "'sc4l3r'''"
    assert setter.log == f'ALTER ROLE "srv_scaler" WITH PASSWORD {db_bootstrap.REDACTED}'
    assert all("sc4l3r" not in s.log for s in done)


def test_the_scaler_is_a_login_without_privilege_that_may_only_call_the_function_owned_by_the_server():
    sql = sql_of(scaler=("srv_scaler", "x"))
    fn = db_bootstrap.RUNS_IN_FLIGHT_FUNCTION
    assert any('CREATE ROLE "srv_scaler" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS '
               "NOINHERIT" in s for s in sql)
    [create] = [s for s in sql if s.startswith("CREATE OR REPLACE FUNCTION")]
    assert "SECURITY DEFINER SET search_path = pg_catalog, pg_temp" in create and "public.run" in create
    assert sql.index(f'ALTER FUNCTION {fn}() OWNER TO "srv"') < sql.index(f"REVOKE ALL ON FUNCTION {fn}() FROM PUBLIC") \
        < sql.index(f'GRANT EXECUTE ON FUNCTION {fn}() TO "srv_scaler"')
    # After the database's own REVOKE ALL ... FROM PUBLIC: CONNECT is the scaler's only database privilege.
    assert sql.index('GRANT CONNECT ON DATABASE "db" TO "srv_scaler"') > sql.index('REVOKE ALL ON DATABASE "db" FROM PUBLIC')
    assert [s for s in sql if '"srv_scaler"' in s and s.startswith("GRANT")] == [
        'GRANT CONNECT ON DATABASE "db" TO "srv_scaler"', f'GRANT EXECUTE ON FUNCTION {fn}() TO "srv_scaler"']


def test_a_scaler_is_refused_under_cloud_sql_iam_where_the_server_role_owns_no_table():
    with pytest.raises(ValueError, match="IAM login"):
        statements("srv", "db", password=None, iam_grant=IamGrant.CLOUD_SQL_IAM, login="a@p.iam",
                   scaler=("srv_scaler", "x"))


def test_the_runner_refuses_a_scaler_uri_without_a_password():
    with pytest.raises(ValueError, match=db_bootstrap.SCALER_URI_ENV):
        db_bootstrap.run("postgres://m:p@h/db", "postgres://s:p@h/db", scaler_uri="postgres://s_scaler@h/db")


def test_the_fingerprint_follows_the_scaler_but_not_its_password():
    base = db_bootstrap.fingerprint("srv", "db")
    assert base != db_bootstrap.fingerprint("srv", "db", scaler="srv_scaler") == \
        db_bootstrap.fingerprint("srv", "db", scaler="srv_scaler")

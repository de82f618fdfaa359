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

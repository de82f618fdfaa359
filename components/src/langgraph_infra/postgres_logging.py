"""What Postgres writes to its logs, the same on every cloud: never a statement's parameters (prompts, thread state),
and, with `audit.database_logs`, connections and pgaudit's DDL and role classes."""

from __future__ import annotations

# What pgaudit records: DDL and role/privilege changes (who changed the schema or the grants), never READ or WRITE,
# which would copy prompts and thread state into the logs.
PGAUDIT_LOG = "ddl,role"


def postgres_private_logging() -> dict[str, str]:
    """Postgres settings that keep bound parameters (prompts, thread state) out of every log line, always: not in
    the slow-statement log (`log_min_duration_statement`'s "parameters:" detail) and not in error reports."""
    return {"log_parameter_max_length": "0", "log_parameter_max_length_on_error": "0"}


def postgres_audit_settings(on: str, off: str) -> dict[str, str]:
    """The Postgres server settings of `audit.database_logs`, in the cloud's spelling of on/off: connections and
    disconnections logged, pgaudit's `ddl,role` classes (never `read`/`write`/`all`, which would copy prompts and
    thread state into the logs), and no statement parameter in pgaudit's lines either."""
    return {
        "log_connections": on,
        "log_disconnections": on,
        "pgaudit.log": PGAUDIT_LOG,
        "pgaudit.log_parameter": off,
    }

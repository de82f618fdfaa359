"""Per-identity limits on what the server keeps doing for one caller: its crons, and its runs in flight.

Without them any identity may schedule unlimited crons and start unlimited runs, each of which holds a worker slot and
spends model tokens: one leaked or buggy client could starve every other identity. Read once at start-up:

``AGENT_MAX_CRONS_PER_IDENTITY``
    How many crons one identity may have at once (default 10). ``0`` refuses crons altogether; ``unlimited`` lifts
    the limit. Creating one more is a 403 that says so; deleting one makes room.
``AGENT_MAX_RUNS_IN_FLIGHT_PER_IDENTITY``
    How many runs of one identity may be pending or running at once (default 10; at least 1, or ``unlimited``).
    Starting one more is a 429: wait for a run to finish, or cancel one.

The limits are counted, as the caller, through the server's own runtime (the in-memory one under ``langgraph dev``,
Postgres in a deployment), so every replica sees the same numbers. The check and the insert are not one transaction:
requests racing each other can pass the limit by at most the number that arrive together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

CRONS_VARIABLE = "AGENT_MAX_CRONS_PER_IDENTITY"
RUNS_VARIABLE = "AGENT_MAX_RUNS_IN_FLIGHT_PER_IDENTITY"
DEFAULT_MAX_CRONS = 10
DEFAULT_MAX_RUNS_IN_FLIGHT = 10
UNLIMITED = "unlimited"
IN_FLIGHT = ("pending", "running")


class LimitsConfigError(ValueError):
    """A limit in the environment is not a whole number in range, nor ``unlimited``."""


@dataclass(frozen=True)
class Limits:
    max_crons: int | None = DEFAULT_MAX_CRONS
    """Crons one identity may have; None: no limit."""
    max_runs_in_flight: int | None = DEFAULT_MAX_RUNS_IN_FLIGHT
    """Pending or running runs one identity may have; None: no limit."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Limits:
        return cls(
            max_crons=_limit(env, CRONS_VARIABLE, DEFAULT_MAX_CRONS, minimum=0),
            max_runs_in_flight=_limit(env, RUNS_VARIABLE, DEFAULT_MAX_RUNS_IN_FLIGHT, minimum=1),
        )

    def describe(self) -> str:
        def shown(value: int | None) -> str:
            return UNLIMITED if value is None else str(value)

        return f"at most {shown(self.max_crons)} crons and {shown(self.max_runs_in_flight)} runs in flight per identity"


def _limit(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if raw.lower() == UNLIMITED:
        return None
    if not raw.isdigit() or int(raw) < minimum:
        raise LimitsConfigError(f"{name}={raw!r}: expected a whole number of at least {minimum}, or {UNLIMITED}")
    return int(raw)


def crons_over(limit: int) -> str:
    return (
        f"Cron limit reached: this identity already has {limit} crons, the most it may have "
        f"({CRONS_VARIABLE}). Delete one first."
    )


def runs_over(limit: int) -> str:
    return (
        f"Too many runs in flight: this identity already has {limit} runs pending or running, the most it may have "
        f"({RUNS_VARIABLE}). Wait for one to finish, or cancel one."
    )


async def count_crons(owner_filter: Mapping[str, str]) -> int:
    """The crons whose metadata matches ``owner_filter`` (the server also applies the caller's own search filter)."""
    from langgraph_runtime.database import connect  # noqa: PLC0415 - the server's runtime, present only inside it
    from langgraph_runtime.ops import Crons  # noqa: PLC0415

    async with connect() as conn:
        return await Crons.count(conn, metadata=dict(owner_filter))


async def count_runs_in_flight(owner_filter: Mapping[str, str], stop_at: int) -> int:
    """Pending and running runs on the busy threads that match ``owner_filter``; stops counting at ``stop_at``.

    A run always lives on a thread (a stateless run on a temporary one) that carries its caller as owner, and a thread
    with a run in flight is ``busy``: so at most ``stop_at`` busy threads need looking at.
    """
    from langgraph_runtime.database import connect  # noqa: PLC0415
    from langgraph_runtime.ops import Runs, Threads  # noqa: PLC0415

    count = 0
    async with connect() as conn:
        threads, _ = await Threads.search(
            conn, metadata=dict(owner_filter), values=None, status="busy", limit=stop_at, offset=0
        )
        busy = [thread["thread_id"] async for thread in threads]
        for thread_id in busy:
            for status in IN_FLIGHT:
                runs = await Runs.search(conn, thread_id, status=status, limit=stop_at)
                count += len([run async for run in runs])
                if count >= stop_at:
                    return count
    return count

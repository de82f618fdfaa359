"""Problems with a stack's configuration, as values, and the error that reports them.

A check returns `Problem`s: the keys each concerns and its text. Code that decides which problems to show (a key
already reported, the sections of a component used on its own) decides on the keys, never on the wording, so a
reworded message never changes what a user is told.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class Problem:
    """One problem: its message (naming the keys, the values and the fix) and the config keys it concerns."""

    text: str
    keys: tuple[str, ...] = ()
    """Every config key the problem is about, dotted (`postgres.instance_class`), the one it is mainly about first.
    Empty: it concerns the stack as a whole."""
    concern: str | None = None
    """The cross-section concern it belongs to when no single key is at fault (`pools`: the connection pools
    together), else None."""

    @property
    def section(self) -> str | None:
        """The top-level section of the key the problem is mainly about (None: no single key)."""
        return self.keys[0].partition(".")[0] if self.keys and self.concern is None else None

    def concerns(self, key: str) -> bool:
        """Whether the problem is about `key` or a key inside it (`api` covers `api.min_replicas`)."""
        return any(k == key or k.startswith(f"{key}.") for k in self.keys)


def texts(problems: Iterable[Problem | str]) -> list[str]:
    """The messages of `problems`, in order."""
    return [p.text if isinstance(p, Problem) else p for p in problems]


class ConfigError(pulumi.RunError):
    """Invalid stack configuration. Pulumi reports a RunError without a traceback; the plan CLI prints it as is."""

    def __init__(self, problems: list[str] | list[Problem]):
        self.problems = texts(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid stack configuration ({len(self.problems)} problem(s)):\n{lines}")

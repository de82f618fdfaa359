"""Every target package exports the same component names (one vocabulary across clouds), lazily: importing a
target's pure-data modules (`sizing`, `mocks`) must not load its cloud SDK."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

COMPONENTS = ("AgentServer", "Network", "Database", "Cache", "Registry", "Secrets", "Service")


def lazy_components(package: str, components: tuple[str, ...] = COMPONENTS
                    ) -> tuple[Callable[[str], Any], list[str]]:
    """`__getattr__` and `__all__` for a target package: `Database` and `DatabaseArgs` from `<package>.database`."""
    exports = {}
    for component in components:
        module = re.sub(r"(?<!^)(?=[A-Z])", "_", component).lower()
        exports[component] = exports[f"{component}Args"] = module

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__, sorted(exports)

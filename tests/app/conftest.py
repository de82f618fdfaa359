"""tests/app: the agent (app/) as a graph, as a Dockerfile, served by the langgraph CLI, and on Postgres + Redis."""

from __future__ import annotations

import sys

from tests.app.agent_servers import APP_DIR

# The graph package lives in app/, as the Agent Server sees it (`langgraph dev` runs from app/, the image installs it).
if str(APP_DIR) not in sys.path:
    sys.path.insert(0, str(APP_DIR))


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's TerminalReporter
    from tests.app.agent_servers import STARTUP_SECONDS

    if STARTUP_SECONDS:
        terminalreporter.section("app servers: seconds from start to healthy")
        for what, seconds in STARTUP_SECONDS:
            terminalreporter.write_line(f"{seconds:6.2f}  {what}")

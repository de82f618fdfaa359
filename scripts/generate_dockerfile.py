#!/usr/bin/env python3
"""Generate the agent's Dockerfile with the real ``langgraph dockerfile``, then make it run as an unprivileged user.

    python scripts/generate_dockerfile.py [--config app/langgraph.json] [OUT]     # write OUT (default: app/Dockerfile)
    python scripts/generate_dockerfile.py --check                                 # exit 1 if app/Dockerfile is stale

Everything up to the epilogue is langgraph-cli's own output for ``app/langgraph.json`` (base image pinned by its
``api_version``, HEALTHCHECK from its ``dockerfile_lines``). The epilogue only appends ``USER``: it must come after
the generated install steps, which need root, and ``dockerfile_lines`` are placed before them. Cloud Run has no
run-as-user setting of its own, so the image has to carry it. UID/GID 1000 is what LangChain's own Helm chart uses to
run this image as non-root with a read-only root filesystem (langgraph-cloud chart, ci/readonly-config-values.yaml).
Needs langgraph-cli in the running interpreter; works offline.
"""

from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "app" / "langgraph.json"
RUNTIME_USER = "1000:1000"
EPILOGUE = f"""
# -- langgraph-infra: run as an unprivileged user (see scripts/generate_dockerfile.py) --
USER {RUNTIME_USER}
"""


def generate(config: Path) -> str:
    """Return the Dockerfile text for ``config``: langgraph-cli's output plus the epilogue."""
    env = {**os.environ, "LANGGRAPH_CLI_NO_ANALYTICS": "1"}
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "Dockerfile"
        result = subprocess.run(
            [sys.executable, "-m", "langgraph_cli", "dockerfile", "-c", str(config), str(out)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"langgraph dockerfile failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        generated = out.read_text(encoding="utf-8")
    return generated.rstrip("\n") + "\n" + EPILOGUE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", type=Path, help="where to write the Dockerfile (default: beside the config)")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="langgraph.json (default: app/)")
    parser.add_argument("--check", action="store_true", help="compare with OUT instead of writing it")
    args = parser.parse_args(argv)
    config = args.config.resolve()
    out = args.out or config.parent / "Dockerfile"
    text = generate(config)
    if not args.check:
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}")
        return 0
    current = out.read_text(encoding="utf-8") if out.exists() else ""
    if current == text:
        print(f"{out} is up to date")
        return 0
    sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), text.splitlines(True), str(out), "generated"))
    print(f"\n{out} is stale: run python scripts/generate_dockerfile.py", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

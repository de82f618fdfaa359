"""The agent's Dockerfile, generated from its langgraph.json by the real langgraph CLI, for any app folder.

`pulumi preview`, `pulumi up` and the offline plan generate it afresh at program time and build from that text (it is
never read from the app folder, so a stale one cannot be deployed). A copy on disk is only for people and scanners:

    python -m langgraph_infra.dockerfile PATH/TO/APP [OUT]     # write OUT (default: PATH/TO/APP/Dockerfile)
    python -m langgraph_infra.dockerfile PATH/TO/APP --check   # exit 1 if that copy is stale

Everything up to the epilogue is `langgraph dockerfile`'s own output (the same two langgraph-cli calls its
`dockerfile` command makes: `validate_config_file`, then `config_to_docker`), so `python_version`, `node_version`,
`dockerfile_lines`, `store`, `checkpointer`, `http` and `auth` reach the image exactly as `langgraph build` would put
them. The epilogue only appends `USER`: it must come after the generated install steps, which need root, and
`dockerfile_lines` are placed before them. Cloud Run has no run-as-user setting of its own, so the image has to carry
it. UID/GID 1000 is what LangChain's own Helm chart uses to run this image as non-root with a read-only root
filesystem (langgraph-cloud chart, ci/readonly-config-values.yaml). Works offline, and sends nothing: the CLI's
analytics live in its click commands, which are not called.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from dataclasses import dataclass
from pathlib import Path

from . import contract
from .errors import ConfigError

CONFIG_FILE = "langgraph.json"
RUNTIME_USER = f"{contract.RUNTIME_UID}:{contract.RUNTIME_GID}"
EPILOGUE = f"""
# -- langgraph-infra: run as an unprivileged user (see langgraph_infra/dockerfile.py) --
USER {RUNTIME_USER}
"""


@dataclass(frozen=True)
class Generated:
    """A generated Dockerfile and the extra build contexts it names (dependencies outside the app folder)."""

    text: str
    contexts: dict[str, str]
    """Named build contexts (`--build-context name=path`), absolute paths. Default: none."""


def generate(config_path: Path) -> Generated:
    """The Dockerfile for `config_path` (a langgraph.json): langgraph-cli's output plus the epilogue. Raises
    ConfigError naming the file when the CLI refuses it."""
    import click
    from langgraph_cli.config import config_to_docker, validate_config_file

    config_path = config_path.resolve()
    try:
        config = validate_config_file(config_path)
        text, contexts = config_to_docker(config_path=config_path, config=config)
    except (click.ClickException, ValueError, KeyError, OSError) as err:
        message = err.format_message() if isinstance(err, click.ClickException) else str(err)
        raise ConfigError([f"{config_path}: `langgraph dockerfile` refuses it: {message}"]) from err
    folder = config_path.parent
    return Generated(text=text.rstrip("\n") + "\n" + EPILOGUE,
                     contexts={name: str((folder / path).resolve()) for name, path in contexts.items()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m langgraph_infra.dockerfile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("app", type=Path, help="the app folder (holding langgraph.json) or the langgraph.json itself")
    parser.add_argument("out", nargs="?", type=Path, help="where to write the Dockerfile (default: in the app folder)")
    parser.add_argument("--check", action="store_true", help="compare with OUT instead of writing it")
    args = parser.parse_args(argv)
    config = args.app if args.app.suffix == ".json" else args.app / CONFIG_FILE
    out = args.out or config.parent / "Dockerfile"
    try:
        text = generate(config).text
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    if not args.check:
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}")
        return 0
    current = out.read_text(encoding="utf-8") if out.exists() else ""
    if current == text:
        print(f"{out} is up to date")
        return 0
    sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), text.splitlines(True), str(out), "generated"))
    print(f"\n{out} is stale: run python -m langgraph_infra.dockerfile {config.parent}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

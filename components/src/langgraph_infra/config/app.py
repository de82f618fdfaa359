"""The `app` section: the app folder the image is built from, or the prebuilt image, and its plain environment."""

from __future__ import annotations

from pydantic import Field, field_validator

from .. import contract
from .base import ENV_NAME, SECRET_LOOKING_NAME, _Model


class AppSettings(_Model):
    path: str = "app"
    """Folder of the agent (its langgraph.json): relative to the Pulumi project or absolute, inside the repository
    or not. Its Dockerfile is generated from that langgraph.json at every plan, preview and up."""
    config_file: str = "langgraph.json"
    """The LangGraph config inside `path`."""
    image: str | None = Field(default=None, pattern=r"^[^\s@]+@sha256:[0-9a-f]{64}$")
    """Deploy this image (by digest: `repo@sha256:...`) instead of building `path`. CI sets it to promote the exact
    image dev ran to prod. Default: build and push `path`."""
    env: dict[str, str] = {}
    """Plain environment variables for the app (credentials go in `secrets`, never here)."""
    runtime: contract.Runtime | None = None
    """The image the app builds on: `python` or `js` (JavaScript graphs). Default: read from the langgraph.json in
    `path` (`node_version` without `python_version` is `js`); set it when deploying a prebuilt `image` of a JS app."""
    declares_auth: bool | None = None
    """Whether the app authenticates its callers (its langgraph.json declares `auth`). Default: read from the
    langgraph.json in `path`; set it when deploying a prebuilt `image` whose app folder is not in this project."""

    @field_validator("env")
    @classmethod
    def _plain_env_only(cls, env: dict[str, str]) -> dict[str, str]:
        for name in env:
            if not ENV_NAME.match(name):
                raise ValueError(f"{name!r} is not an environment variable name (A-Z, 0-9, _)")
            if SECRET_LOOKING_NAME.search(name):
                raise ValueError(
                    f"{name} looks like a credential: move it to `secrets` "
                    f"(`pulumi config set --secret {name} ...` and `secrets: {{{name}: {{}}}}`)"
                )
        return env

"""What an app's langgraph.json asks of the platform, and what the platform refuses, for any app folder.

Most settings reach the server through the image: the generated Dockerfile bakes `store` (`LANGGRAPH_STORE`: the
semantic index and TTLs), `checkpointer` (`LANGGRAPH_CHECKPOINTER`: thread TTLs), `http` (`LANGGRAPH_HTTP`: custom
routes, app CORS), `auth` (`LANGGRAPH_AUTH`), `python_version` / `node_version` (the base image) and
`dockerfile_lines` into it, the same on every target. What needs the platform too is checked here:

- `store.index` needs pgvector where Postgres runs, and the embedding provider's key as a declared secret;
- `http.cors` replaces the stack's `server.cors_allow_origins` in the server, so the two are not given together;
- `env` is never read from a file (a `.env` must stay out of the image: `.dockerignore`); an object's plain
  variables join `app.env`, credential-looking ones are refused;
- a JavaScript app (`node_version` without `python_version`) runs the JS image: see `contract.command`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

# The key each `embed: "provider:model"` provider reads (langchain's init_embeddings providers).
EMBED_PROVIDER_KEYS = {
    "openai": "OPENAI_API_KEY",
    "azure_openai": "AZURE_OPENAI_API_KEY",
    "cohere": "COHERE_API_KEY",
    "mistralai": "MISTRAL_API_KEY",
    "google_genai": "GOOGLE_API_KEY",
    "voyageai": "VOYAGE_API_KEY",
    "fireworks": "FIREWORKS_API_KEY",
    "nomic": "NOMIC_API_KEY",
}
# Providers that authenticate as the replica's cloud identity, which this stack grants nothing on.
EMBED_PROVIDERS_BY_IDENTITY = {"bedrock", "google_vertexai"}
PLAIN_ENV_FILE = ".env"


def read(path: Path) -> dict[str, Any] | None:
    """The langgraph.json at `path` as a dict (None: missing, unreadable or not an object; check_app says why)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_js(data: dict[str, Any]) -> bool:
    """Whether the app runs on the JS image: the rule langgraph-cli's `config_to_docker` uses."""
    return bool(data.get("node_version")) and not data.get("python_version")


def postgres_extensions(data: dict[str, Any] | None) -> list[str]:
    """Extensions the app needs in Postgres that its role may not create itself: pgvector (`vector`) for a semantic
    store (`store.index`). The database bootstrap creates them as the master."""
    store = (data or {}).get("store")
    return ["vector"] if isinstance(store, dict) and isinstance(store.get("index"), dict) else []


def plain_env(data: dict[str, Any]) -> dict[str, str]:
    """An `env` object's variables (a file name gives none: the platform never reads an app's .env)."""
    env = data.get("env")
    return {str(k): str(v) for k, v in env.items()} if isinstance(env, dict) else {}


def check(data: dict[str, Any], *, where: str, app_dir: Path, secrets: set[str], cors_allow_origins: list[str],
          prod: bool, secret_looking: re.Pattern[str], app_env: dict[str, str]) -> list[str]:
    """Problems with the settings of one langgraph.json (`where` names it in messages)."""
    return [
        *_check_store(data, where, secrets),
        *_check_http(data, where, cors_allow_origins, prod),
        *_check_env(data, where, app_dir, secret_looking, app_env),
    ]


def _check_store(data: dict[str, Any], where: str, secrets: set[str]) -> list[str]:
    index = (data.get("store") or {}).get("index") if isinstance(data.get("store"), dict) else None
    if not isinstance(index, dict):
        return []
    embed = index.get("embed")
    if not isinstance(embed, str) or ":" not in embed or embed.startswith((".", "/")) or ".py:" in embed:
        return []  # a function of the app's own (`./embed.py:fn`), which brings its own credentials
    provider = embed.split(":", 1)[0]
    if provider in EMBED_PROVIDERS_BY_IDENTITY:
        return [f"{where}: store.index.embed={embed}: {provider} authenticates as the replica's cloud identity, which "
                "this stack grants no model access: use a provider with an API key (e.g. openai:...) declared under "
                "`secrets`, or your own embed function (`./path.py:embed`)"]
    key = EMBED_PROVIDER_KEYS.get(provider)
    if key and key not in secrets:
        return [f"{where}: store.index.embed={embed} needs {key}, which is not under `secrets`: run "
                f"`pulumi config set --secret {key} ...` and add `secrets: {{{key}: {{}}}}` to the stack config"]
    return []


def _check_http(data: dict[str, Any], where: str, cors_allow_origins: list[str], prod: bool) -> list[str]:
    http = data.get("http")
    cors = http.get("cors") if isinstance(http, dict) else None
    if not isinstance(cors, dict):
        return []
    problems = []
    if cors_allow_origins:
        problems.append(f"{where}: http.cors and the stack's server.cors_allow_origins are both set, and the server "
                        "uses http.cors alone: keep one (server.cors_allow_origins for origins only, http.cors for "
                        "methods and headers too)")
    if prod and "*" in (cors.get("allow_origins") or []):
        problems.append(f"{where}: http.cors.allow_origins=[\"*\"] lets any web page call the prod API: list the "
                        "origins (https://app.example.com)")
    return problems


def _check_env(data: dict[str, Any], where: str, app_dir: Path, secret_looking: re.Pattern[str],
               app_env: dict[str, str]) -> list[str]:
    env = data.get("env")
    problems = []
    if isinstance(env, dict):
        for name in sorted(env):
            if secret_looking.search(str(name)):
                problems.append(f"{where}: env.{name} looks like a credential, and langgraph.json is baked into the "
                                f"image and kept in git: remove it, run `pulumi config set --secret {name} ...` and "
                                f"add `secrets: {{{name}: {{}}}}` to the stack config")
            elif name in app_env and app_env[name] != str(env[name]):
                problems.append(f"{where}: env.{name}={env[name]} and the stack's app.env.{name}={app_env[name]} "
                                "differ: keep one")
    files = {PLAIN_ENV_FILE} | ({env} if isinstance(env, str) else set())
    for name in sorted(files):
        if (app_dir / name).is_file() and not _docker_ignored(app_dir, name):
            problems.append(f"{where}: {app_dir / name} would be copied into the image (`ADD . /deps/...`): add "
                            f"`{Path(name).name}` to {app_dir / '.dockerignore'}; its credentials go under `secrets`")
    return problems


def _docker_ignored(app_dir: Path, name: str) -> bool:
    """Whether the app's .dockerignore keeps `name` (relative to the app) out of the build context."""
    import pathspec

    ignore = app_dir / ".dockerignore"
    if not ignore.is_file():
        return False
    lines = [line.strip() for line in ignore.read_text().splitlines() if line.strip() and not line.startswith("#")]
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    return spec.match_file(os.path.normpath(name))

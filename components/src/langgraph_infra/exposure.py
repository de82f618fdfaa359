"""Who can reach the API from the internet, as the target tells, and whether its app then authenticates them: an
open prod API is refused, an open one elsewhere is warned about."""

from __future__ import annotations

from pathlib import Path

from . import targets
from .app_folder import app_declares_auth
from .config import Environment, StackConfig


def internet_exposure(cfg: StackConfig) -> str | None:
    """How anyone on the internet can reach the API, as the target tells (None: its ingress admits no one)."""
    target = targets.for_cloud(cfg.target.cloud.value)
    return target.internet_exposure(cfg) if target is not None else None


def internet_facing(cfg: StackConfig) -> bool:
    return internet_exposure(cfg) is not None


def check_exposure(cfg: StackConfig, project_dir: Path) -> tuple[list[str], list[str]]:
    """(problems, warnings) of an API whose app does not authenticate its callers: refused in prod when anyone on
    the internet can reach it, unless `ingress.unauthenticated_reason` says why; a warning everywhere else."""
    if cfg.ingress.unauthenticated_reason:
        return [], []
    declared = app_declares_auth(cfg, project_dir)
    if declared:
        return [], []
    why = (f"its app ({cfg.app.path}/{cfg.app.config_file}) declares no `auth`" if declared is False else
           f"whether its app authenticates cannot be told: {cfg.app.path}/{cfg.app.config_file} is not here")
    where = internet_exposure(cfg)
    if where is None:
        return [], [f"the API answers every caller that can reach it: {why}"]
    if cfg.environment is Environment.PROD:
        return [f"the prod API is open to anyone: {where} and {why}. Add `auth` to the app's langgraph.json (see "
                "docs/security.md), set app.declares_auth=true for a prebuilt image that does, narrow the ingress, "
                "or set ingress.unauthenticated_reason to deploy it open on purpose"], []
    return [], [f"the API is open to anyone who finds its URL: {where} and {why}"]

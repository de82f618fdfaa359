"""The Agent Server image: built from the app folder with the Dockerfile `langgraph dockerfile` generates from that
app's langgraph.json at program time (never a copy on disk, which could be stale), pushed to the stack's registry,
and deployed by digest. Shared by every cloud; only the registry address and credentials differ."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pulumi

from . import dockerfile

# Files that do not change the image (and must not change its tag).
_IGNORED_PARTS = {"__pycache__", ".pytest_cache", ".venv", ".git", ".mypy_cache", ".ruff_cache"}


def content_tag(app_dir: Path, dockerfile_text: str = "") -> str:
    """A tag derived from the app folder's content and the generated Dockerfile: the same source gives the same tag,
    so an unchanged app is not rebuilt and an immutable registry never sees the same tag twice for different
    content."""
    digest = hashlib.sha256(dockerfile_text.encode() + b"\0")
    for path in sorted(p for p in app_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(app_dir)
        if _IGNORED_PARTS.intersection(rel.parts) or path.suffix == ".pyc":
            continue
        digest.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return f"app-{digest.hexdigest()[:16]}"


@dataclass(frozen=True)
class RegistryLogin:
    """Where to push and how to log in: the cloud's registry supplies these."""

    address: pulumi.Input[str]
    username: pulumi.Input[str]
    password: pulumi.Input[str]


@dataclass
class ImageArgs:
    app_dir: Path
    """Folder holding langgraph.json: the build context."""
    repository: pulumi.Input[str]
    """Repository to push to (`host/path/name`, no tag)."""
    login: RegistryLogin | None = None
    """Credentials for the registry. Default: none (a registry that needs no login, such as a local one)."""
    config_file: str = dockerfile.CONFIG_FILE
    """The langgraph.json inside `app_dir` the Dockerfile is generated from."""
    platform: str = "linux/amd64"
    """Build platform: the clouds run amd64 by default."""
    dockerfile_path: Path | None = None
    """A Dockerfile to build as it is, with `app_dir` as its context, instead of the one generated from
    `config_file` (the database bootstrap's runner image). Default: none, the app's generated Dockerfile."""


class Image(pulumi.ComponentResource):
    """Builds and pushes the app image; `ref` is `repository:tag@sha256:...`, the only form services deploy."""

    ref: pulumi.Output[str]
    digest: pulumi.Output[str]

    def __init__(self, name: str, args: ImageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("langgraph-infra:index:Image", name, None, opts)
        import pulumi_docker_build as docker_build

        if args.dockerfile_path is None:
            generated = dockerfile.generate(args.app_dir / args.config_file)
            text, contexts = generated.text, generated.contexts
        else:
            text, contexts = args.dockerfile_path.read_text(), {}
        tag = content_tag(args.app_dir, text)
        registries = []
        if args.login is not None:
            registries.append(docker_build.RegistryArgs(
                address=args.login.address,
                username=args.login.username,
                password=pulumi.Output.secret(args.login.password),
            ))
        image = docker_build.Image(
            name,
            push=True,
            context=docker_build.BuildContextArgs(
                location=str(args.app_dir),
                named={n: docker_build.ContextArgs(location=p) for n, p in contexts.items()} or None,
            ),
            dockerfile=docker_build.DockerfileArgs(inline=text),
            platforms=[docker_build.Platform(args.platform)],
            tags=[pulumi.Output.concat(args.repository, ":", tag)],
            registries=registries,
            # Nothing is pushed during `pulumi preview`: a preview must not change the registry.
            build_on_preview=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.digest = image.digest
        self.ref = image.ref
        self.register_outputs({"ref": self.ref, "digest": self.digest})

"""Registry: an Artifact Registry Docker repository with immutable tags and cleanup policies, the login the image
build pushes with, and `grant_pull(member)` for whoever pulls."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from ..image import RegistryLogin
from ..naming import bounded, child

TYPE = "langgraph-infra:gcp:Registry"
IMAGE_NAME = "agent-server"
PULL_ROLE = "roles/artifactregistry.reader"
REPOSITORY_ID_LIMIT = 63
SCANNING_API = "containerscanning.googleapis.com"
_DAY = 86400


def host(location: str) -> str:
    return f"{location}-docker.pkg.dev"


def cleanup_policies(keep_images: int, untagged_days: int = 7) -> list[gcp.artifactregistry.RepositoryCleanupPolicyArgsDict]:
    """Untagged layers go after `untagged_days`; of the app images, the newest `keep_images` always stay (rollbacks
    and prod's promoted digest need them), the rest go after 90 days. KEEP wins over DELETE in Artifact Registry."""
    return [
        {"id": "delete-untagged", "action": "DELETE",
         "condition": {"tag_state": "UNTAGGED", "older_than": f"{untagged_days * _DAY}s"}},
        {"id": "delete-old", "action": "DELETE", "condition": {"tag_state": "ANY", "older_than": f"{90 * _DAY}s"}},
        {"id": "keep-recent", "action": "KEEP", "most_recent_versions": {"keep_count": keep_images}},
    ]


@dataclass
class RegistryArgs:
    """An Artifact Registry Docker repository for the server's image: immutable tags, cleanup policies."""

    repository_id: str
    """The repository's name, e.g. `langgraph-gcp-dev` (cut to 63 characters)."""
    project: str
    """The project the repository is created in and its URL names (e.g. `target.project`)."""
    location: str
    """Region of the repository (the image is pushed to `<location>-docker.pkg.dev`)."""
    keep_images: int = 30
    """How many recent images the cleanup policy always keeps. Default: 30."""
    kms_key: pulumi.Input[str] | None = None
    """Cloud KMS key of the repository (CMEK; set at creation only). Default: none, Google-managed keys."""
    depends_on: list[pulumi.Resource] | None = None
    """Resources the repository waits for (the key's grants). Default: only the scanning API."""


class Registry(pulumi.ComponentResource):
    """Outputs: `repository_url` (`<location>-docker.pkg.dev/<project>/<repo>/agent-server`), `repository_name`.
    `login()` for pushing, `grant_pull(name, member)` for the identity that pulls."""

    repository_url: pulumi.Output[str]
    repository_name: pulumi.Output[str]

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        self._name, self._args = name, args
        scanning = gcp.projects.Service(child(name, "scanning"), project=args.project, service=SCANNING_API,
                                        disable_on_destroy=False, opts=pulumi.ResourceOptions(parent=self))
        self._repo = gcp.artifactregistry.Repository(
            child(name, "repo"),
            repository_id=bounded(args.repository_id, REPOSITORY_ID_LIMIT),
            location=args.location,
            project=args.project,
            format="DOCKER",
            description="LangGraph Agent Server images (deployed by digest)",
            docker_config=gcp.artifactregistry.RepositoryDockerConfigArgs(immutable_tags=True),
            cleanup_policy_dry_run=False,
            cleanup_policies=cleanup_policies(args.keep_images),
            # Artifact Analysis scans every pushed image (the project's Container Scanning API, enabled below);
            # the promotion workflow reads the findings of the digest it promotes.
            vulnerability_scanning_config={"enablement_config": "INHERITED"},
            kms_key_name=args.kms_key,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[scanning, *(args.depends_on or [])]),
        )
        self.repository_name = self._repo.name
        self.repository_url = pulumi.Output.concat(host(args.location), "/", args.project, "/",
                                                   self._repo.repository_id, "/", IMAGE_NAME)
        self.register_outputs({"repository_url": self.repository_url, "repository_name": self.repository_name})

    def login(self) -> RegistryLogin:
        """Push with the deployer's own OAuth token (whoever runs `pulumi up`): nothing long-lived is stored."""
        client = gcp.organizations.get_client_config_output(opts=pulumi.InvokeOptions(parent=self))
        return RegistryLogin(address=host(self._args.location), username="oauth2accesstoken",
                             password=pulumi.Output.secret(client.access_token))

    def grant_pull(self, name: str, member: pulumi.Input[str]) -> gcp.artifactregistry.RepositoryIamMember:
        """Let `member` (`serviceAccount:...`) read images from this repository only."""
        return gcp.artifactregistry.RepositoryIamMember(
            child(self._name, f"pull-{name}"), repository=self._repo.name, location=self._args.location,
            project=self._args.project, role=PULL_ROLE, member=member, opts=pulumi.ResourceOptions(parent=self))

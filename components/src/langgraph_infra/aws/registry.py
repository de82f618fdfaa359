"""Registry: an ECR repository with immutable tags, a vulnerability scan on every push and a lifecycle policy, and
the login the image build pushes with."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from ..image import RegistryLogin
from ..naming import child

TYPE = "langgraph-infra:aws:Registry"
PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


def lifecycle_policy(keep_images: int) -> str:
    """Untagged layers go after a week; of the app images, the newest `keep_images` stay (rollbacks need them)."""
    return json.dumps({"rules": [
        {"rulePriority": 1, "description": "expire untagged images after 7 days",
         "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7},
         "action": {"type": "expire"}},
        {"rulePriority": 2, "description": f"keep the newest {keep_images} images",
         "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep_images},
         "action": {"type": "expire"}},
    ]}, sort_keys=True)


@dataclass
class RegistryArgs:
    """An ECR repository for the server's image: immutable tags, scan on push, a lifecycle policy."""

    repository_name: str
    """The repository's name, e.g. `langgraph-dev`."""
    keep_images: int = 30
    """How many images the lifecycle policy keeps. Default: 30."""
    force_delete: bool = False
    """Let `pulumi destroy` delete a repository that still holds images. Default: off (images survive)."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags on the repository. Default: none beyond the provider's default tags."""
    kms_key_arn: pulumi.Input[str] | None = None
    """Customer KMS key of the repository (set at creation only). Default: none, AES256 (S3-managed)."""


class Registry(pulumi.ComponentResource):
    """Outputs: `repository_url`, `repository_arn`. `login()` for pushing, `pull_statement()` for task roles."""

    repository_url: pulumi.Output[str]
    repository_arn: pulumi.Output[str]

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        repo = aws.ecr.Repository(
            child(name, "repo"),
            name=args.repository_name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[
                aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS", kms_key=args.kms_key_arn)
                if args.kms_key_arn is not None else
                aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="AES256")],
            force_delete=args.force_delete,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.ecr.LifecyclePolicy(child(name, "lifecycle"), repository=repo.name,
                                policy=lifecycle_policy(args.keep_images), opts=pulumi.ResourceOptions(parent=self))
        self._repo = repo
        self.repository_url = repo.repository_url
        self.repository_arn = repo.arn
        self.register_outputs({"repository_url": self.repository_url, "repository_arn": self.repository_arn})

    def login(self) -> RegistryLogin:
        token = aws.ecr.get_authorization_token_output(registry_id=self._repo.registry_id,
                                                       opts=pulumi.InvokeOptions(parent=self))
        return RegistryLogin(address=self.repository_url.apply(lambda u: u.split("/")[0]),
                             username=token.user_name, password=pulumi.Output.secret(token.password))

    def pull_statement(self) -> pulumi.Output[dict[str, Any]]:
        """The IAM statement that lets a role pull from this repository only (plus the account-wide auth call)."""
        return self.repository_arn.apply(lambda arn: {"Effect": "Allow", "Action": PULL_ACTIONS, "Resource": [arn]})

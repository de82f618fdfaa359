"""Trust policies with the confused-deputy conditions: the account and region they name are looked up through the
component's own provider (the deploying account, the provider's region), so a role trusts its service only when
the service acts for this account's resources."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pulumi_aws as aws

from . import policies


def service_trust(service: str, source_arn: Callable[[str, str, str], str] | None, *, parent: pulumi.Resource,
                  region: str | None = None) -> pulumi.Output[str]:
    """The trust policy of a role `service` assumes: `aws:SourceAccount` is the deploying account, `aws:SourceArn`
    matches `source_arn(partition, region, account)` (None: the account condition only). Default region: the
    provider's."""
    invoke = pulumi.InvokeOptions(parent=parent)
    caller = aws.get_caller_identity_output(opts=invoke)
    where: pulumi.Input[str] = region or aws.get_region_output(opts=invoke).region
    return pulumi.Output.all(caller.account_id, caller.arn, where).apply(
        lambda v: policies.assume_role(service, v[0], source_arn(policies.caller_partition(v[1]), v[2], v[0])
                                       if source_arn is not None else None))

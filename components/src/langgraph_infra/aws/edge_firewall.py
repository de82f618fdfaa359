"""EdgeFirewall: a WAF web ACL in front of the load balancer. A rate limit per client IP, and AWS's managed common
rule set with its request-body size rule only counting (agent inputs, long conversations, exceed its 8 KB)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ..naming import bounded, child

TYPE = "langgraph-infra:aws:EdgeFirewall"
COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"
# Rules of the common set that only count: a run's input (the whole conversation) is routinely larger than 8 KB.
COUNT_ONLY = ("SizeRestrictions_BODY",)
RATE_WINDOW_SECONDS = 300


@dataclass
class EdgeFirewallArgs:
    """A regional WAF web ACL associated with one load balancer."""

    name_prefix: str
    """Prefix of the web ACL's name and its CloudWatch metric names (e.g. `langgraph-prod`)."""
    load_balancer_arn: pulumi.Input[str]
    """The load balancer the web ACL protects."""
    rate_limit_per_ip: int = 1000
    """Requests one client IP may send in 5 minutes before WAF blocks it (until its rate falls again). Default:
    1000, as `ingress.rate_limit_per_ip`."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags of the web ACL. Default: none beyond the provider's default tags."""


def visibility(metric: str) -> aws.wafv2.WebAclVisibilityConfigArgsDict:
    """CloudWatch metrics and sampled requests for one rule (or the ACL), under a bounded metric name."""
    return {"cloudwatch_metrics_enabled": True, "sampled_requests_enabled": True, "metric_name": bounded(metric, 128)}


def rules(prefix: str, rate_limit_per_ip: int) -> list[aws.wafv2.WebAclRuleArgsDict]:
    """The web ACL's rules, first match wins: the per-IP rate limit, then the managed common rule set."""
    return [
        {"name": "rate-per-ip", "priority": 0, "action": {"block": {}},
         "statement": {"rate_based_statement": {"limit": rate_limit_per_ip, "aggregate_key_type": "IP",
                                                "evaluation_window_sec": RATE_WINDOW_SECONDS}},
         "visibility_config": visibility(f"{prefix}-rate-per-ip")},
        {"name": "aws-common", "priority": 1, "override_action": {"none": {}},
         "statement": {"managed_rule_group_statement": {
             "vendor_name": "AWS", "name": COMMON_RULE_SET,
             "rule_action_overrides": [{"name": rule, "action_to_use": {"count": {}}} for rule in COUNT_ONLY]}},
         "visibility_config": visibility(f"{prefix}-aws-common")},
    ]


class EdgeFirewall(pulumi.ComponentResource):
    """Outputs: `web_acl_arn`."""

    web_acl_arn: pulumi.Output[str]

    def __init__(self, name: str, args: EdgeFirewallArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        opts_child = pulumi.ResourceOptions(parent=self)
        acl = aws.wafv2.WebAcl(
            child(name, "acl"), name=bounded(f"{args.name_prefix}-api", 128), scope="REGIONAL",
            description="Agent Server API: rate limit per client IP and AWS managed common rules",
            default_action={"allow": {}}, rules=rules(args.name_prefix, args.rate_limit_per_ip),
            visibility_config=visibility(f"{args.name_prefix}-api"),
            tags=args.tags, opts=opts_child)
        aws.wafv2.WebAclAssociation(child(name, "association"), resource_arn=args.load_balancer_arn,
                                    web_acl_arn=acl.arn, opts=opts_child)
        self.web_acl_arn = acl.arn
        self.register_outputs({"web_acl_arn": self.web_acl_arn})

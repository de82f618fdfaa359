"""API scaling on requests: App Auto Scaling target tracking on the load balancer's requests per API task, at the
capacity model's per-replica figure (langgraph_infra.derive.capacity).

It runs beside the CPU policy: App Auto Scaling scales out when either asks and in only when both agree, so the API
reaches the replicas the capacity derived for its load even when the requests (streams waiting on runs) leave the
CPU idle.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

SCALE_OUT_COOLDOWN_SECONDS = 60
SCALE_IN_COOLDOWN_SECONDS = 300


def requests_per_minute(requests_per_second: float) -> int:
    """`ALBRequestCountPerTarget` counts each task's requests per minute."""
    return max(1, int(requests_per_second * 60))


def resource_label(load_balancer: aws.lb.LoadBalancer, target_group: aws.lb.TargetGroup) -> pulumi.Output[str]:
    """`app/<lb>/<id>/targetgroup/<tg>/<id>`: the ALB and target group the request count is read from."""
    return pulumi.Output.concat(load_balancer.arn_suffix, "/", target_group.arn_suffix)


def request_policy(name: str, target: aws.appautoscaling.Target, load_balancer: aws.lb.LoadBalancer,
                   target_group: aws.lb.TargetGroup, requests_per_second: float, opts: pulumi.ResourceOptions
                   ) -> aws.appautoscaling.Policy:
    """Target tracking that keeps each API task at `requests_per_second`."""
    config: Any = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
        target_value=requests_per_minute(requests_per_second),
        predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
            predefined_metric_type="ALBRequestCountPerTarget", resource_label=resource_label(load_balancer, target_group)),
        scale_in_cooldown=SCALE_IN_COOLDOWN_SECONDS, scale_out_cooldown=SCALE_OUT_COOLDOWN_SECONDS)
    return aws.appautoscaling.Policy(
        name, policy_type="TargetTrackingScaling", service_namespace=target.service_namespace,
        scalable_dimension=target.scalable_dimension, resource_id=target.resource_id,
        target_tracking_scaling_policy_configuration=config, opts=opts)

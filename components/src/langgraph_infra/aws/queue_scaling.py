"""Queue scaling on backlog: App Auto Scaling target tracking on the runs in flight (pending plus running) per
running queue task.

The runs are the ones the stack's metrics pipeline publishes (`contract.PENDING_RUNS_METRIC` and
`contract.RUNNING_RUNS_METRIC` in `contract.METRIC_NAMESPACE`, dimension `contract.STACK_DIMENSION` = the stack
name); the running tasks come from Container Insights (on for the cluster). Metric math divides their sum by the
tasks, and the target is one worker's slots (`derive.capacity.backlog_target`): the queue keeps as many tasks as the runs in
flight fill. Runs wait on model calls, not CPU, so a backlog on idle CPUs scales out here where a CPU policy never
would; and a queue whose workers are all busy with nothing waiting stays as it is (pending runs alone would read
zero there and scale it in).

Scale-in: target tracking removes tasks only after the backlog has stayed under the target for its scale-in alarm's
15 minutes, then at most once per `SCALE_IN_COOLDOWN_SECONDS`; App Auto Scaling never goes below `min_capacity`
(the queue's `min_replicas`, at least 1). A task chosen to stop gets SIGTERM, the server's
`BG_JOB_SHUTDOWN_GRACE_PERIOD_SECS` (105 s on Fargate) to finish its runs, and SIGKILL at `stopTimeout` (120 s); a run
still executing is requeued and runs again on another worker (docs/reliability.md measures it: none lost).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from .. import contract

# Scale out within a minute of a backlog; scale in slowly, since every stopped task requeues the runs it still holds.
SCALE_OUT_COOLDOWN_SECONDS = 60
SCALE_IN_COOLDOWN_SECONDS = 300
CONTAINER_INSIGHTS_NAMESPACE = "ECS/ContainerInsights"

_Spec = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationArgs
_Metric = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricArgs
_Stat = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatArgs
_Named = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatMetricArgs
_Dim = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatMetricDimensionArgs


def backlog_metric(stack: str, cluster_name: pulumi.Input[str], service_name: pulumi.Input[str]) -> _Spec:
    """(Pending + running runs) / running queue tasks, as CloudWatch metric math.

    Every publisher reports the same counts (the server's own, from Postgres), so `Maximum` is each count and never
    a sum of duplicates; `RunningTaskCount` is averaged over the minute."""
    def runs(metric_id: str, label: str, metric_name: str) -> _Metric:
        return _Metric(id=metric_id, label=label, return_data=False, metric_stat=_Stat(
            stat="Maximum", metric=_Named(metric_name=metric_name, namespace=contract.METRIC_NAMESPACE,
                                          dimensions=[_Dim(name=contract.STACK_DIMENSION, value=stack)])))

    pending = runs("pending", "Pending runs", contract.PENDING_RUNS_METRIC)
    executing = runs("running", "Running runs", contract.RUNNING_RUNS_METRIC)
    tasks = _Metric(id="tasks", label="Running queue tasks", return_data=False, metric_stat=_Stat(
        stat="Average", metric=_Named(metric_name="RunningTaskCount", namespace=CONTAINER_INSIGHTS_NAMESPACE,
                                      dimensions=[_Dim(name="ClusterName", value=cluster_name),
                                                  _Dim(name="ServiceName", value=service_name)])))
    per_task = _Metric(id="in_flight_per_task", label="Runs in flight per queue task",
                       expression="(pending + running) / tasks", return_data=True)
    return _Spec(metrics=[pending, executing, tasks, per_task])


def backlog_policy(name: str, target: aws.appautoscaling.Target, stack: str, cluster_name: pulumi.Input[str],
                   service_name: pulumi.Input[str], target_per_task: int, opts: pulumi.ResourceOptions
                   ) -> aws.appautoscaling.Policy:
    """Target tracking that keeps the runs in flight per running queue task at `target_per_task`."""
    config: Any = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
        target_value=target_per_task, customized_metric_specification=backlog_metric(stack, cluster_name, service_name),
        scale_in_cooldown=SCALE_IN_COOLDOWN_SECONDS, scale_out_cooldown=SCALE_OUT_COOLDOWN_SECONDS)
    return aws.appautoscaling.Policy(
        name, policy_type="TargetTrackingScaling", service_namespace=target.service_namespace,
        scalable_dimension=target.scalable_dimension, resource_id=target.resource_id,
        target_tracking_scaling_policy_configuration=config, opts=opts)

"""The team dashboards and the platform dashboard: every widget from a metric of metrics.py."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from spark_platform.observability.cost import vcpu_hours_expression
from spark_platform.observability.events import FAILURE_REASONS, FINAL_STATES
from spark_platform.observability.metrics import (
    AWS_METRICS,
    JOB_RUN_FAILURES,
    JOB_RUNS_ENDED,
    NODES,
    POD_CPU_REQUEST,
    POD_IPS_AVAILABLE,
    platform_namespace,
)

HOUR = Duration.hours(1)


def aws_metric(namespace: str, name: str, dimensions: dict[str, str], *, statistic: str, period=HOUR, label=None):
    """An AWS metric of the reference table, with exactly its dimension set."""
    reference = AWS_METRICS[(namespace, name)]
    assert tuple(dimensions) == reference.dimensions, (name, tuple(dimensions), reference.dimensions)
    return cw.Metric(
        namespace=namespace,
        metric_name=name,
        dimensions_map=dimensions,
        statistic=statistic,
        period=period,
        label=label,
    )


def own_metric(prefix: str, name: str, dimensions: dict[str, str], *, statistic="Sum", period=HOUR, label=None):
    return cw.Metric(
        namespace=platform_namespace(prefix),
        metric_name=name,
        dimensions_map=dimensions,
        statistic=statistic,
        period=period,
        label=label,
    )


def job_durations_query(role_arn: str) -> list[str]:
    """Logs Insights over the job events log group: each run's first and last event (its duration)."""
    return [
        "fields @timestamp, detail.id, detail.name, detail.state",
        f'filter detail.executionRoleArn = "{role_arn}"',
        "stats min(@timestamp) as first_event, max(@timestamp) as last_event, "
        "(max(@timestamp) - min(@timestamp)) / 60000 as minutes, latest(detail.state) as state by detail.id, detail.name",
        "sort last_event desc",
        "limit 50",
    ]


class TeamDashboard(Construct):
    """Job runs by final state, failures by reason, run durations, vCPU-hours and running pods."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        team: str,
        namespace: str,
        role_arn: str,
        cluster_name: str,
        job_events_log_group: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=f"{name_prefix}-{team}")
        role = {"ExecutionRoleArn": role_arn}
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Job runs by final state (per hour)",
                left=[
                    own_metric(name_prefix, JOB_RUNS_ENDED, {**role, "State": state}, label=state)
                    for state in FINAL_STATES
                ],
                stacked=True,
                width=12,
            ),
            cw.GraphWidget(
                title="Failures by reason (per hour)",
                left=[
                    own_metric(name_prefix, JOB_RUN_FAILURES, {**role, "FailureReason": reason}, label=reason)
                    for reason in FAILURE_REASONS
                ],
                stacked=True,
                width=12,
            ),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="vCPU-hours requested (per hour)",
                left=[
                    cw.MathExpression(
                        expression=vcpu_hours_expression("cpu"),
                        using_metrics={"cpu": own_metric(name_prefix, POD_CPU_REQUEST, {"Namespace": namespace})},
                        label="vCPU-hours",
                        period=HOUR,
                    )
                ],
                width=12,
            ),
            cw.GraphWidget(
                title="Running pods",
                left=[
                    aws_metric(
                        "ContainerInsights",
                        "namespace_number_of_running_pods",
                        {"Namespace": namespace, "ClusterName": cluster_name},
                        statistic="Maximum",
                        period=Duration.minutes(5),
                    )
                ],
                width=12,
            ),
        )
        self.dashboard.add_widgets(
            cw.LogQueryWidget(
                title="Job runs: duration (minutes) and final state",
                log_group_names=[job_events_log_group],
                query_lines=job_durations_query(role_arn),
                view=cw.LogQueryVisualizationType.TABLE,
                width=24,
            )
        )


def platform_widgets(
    *,
    name_prefix: str,
    cluster_name: str,
    zones: list[str],
    pools: list[str],
    interruption_rules: dict[str, str],
    queues: dict[str, str],
    kubectl_functions: list[str],
) -> list[list[cw.IWidget]]:
    """Rows of the platform dashboard (the MWAA row is added with the orchestration stack)."""
    namespace = platform_namespace(name_prefix)
    cluster = {"ClusterName": cluster_name}
    minute = Duration.minutes(1)
    return [
        [
            cw.GraphWidget(
                title="Nodes (by Karpenter pool) and pending pods",
                left=[
                    aws_metric("ContainerInsights", "cluster_node_count", cluster, statistic="Maximum", period=minute),
                    *(
                        own_metric(name_prefix, NODES, {"NodePool": pool}, statistic="Maximum", period=minute)
                        for pool in pools
                    ),
                ],
                right=[
                    aws_metric("AWS/EKS", "scheduler_pending_pods", cluster, statistic="Maximum", period=minute),
                    aws_metric(
                        "AWS/EKS", "scheduler_pending_pods_UNSCHEDULABLE", cluster, statistic="Maximum", period=minute
                    ),
                ],
                width=12,
            ),
            cw.GraphWidget(
                title="Pod IPs left per zone",
                left=[
                    own_metric(
                        name_prefix,
                        POD_IPS_AVAILABLE,
                        {"AvailabilityZone": zone},
                        statistic="Minimum",
                        period=Duration.minutes(5),
                    )
                    for zone in zones
                ],
                width=12,
            ),
        ],
        [
            cw.GraphWidget(
                title="Spot interruptions and rebalance recommendations",
                left=[
                    aws_metric("AWS/Events", "TriggeredRules", {"RuleName": rule}, statistic="Sum", label=label)
                    for label, rule in interruption_rules.items()
                ],
                width=12,
            ),
            cw.GraphWidget(
                title="Queue depth (interruptions, dead letters)",
                left=[
                    aws_metric(
                        "AWS/SQS",
                        "ApproximateNumberOfMessagesVisible",
                        {"QueueName": queue},
                        statistic="Maximum",
                        period=minute,
                        label=label,
                    )
                    for label, queue in queues.items()
                ],
                width=12,
            ),
        ],
        [
            cw.GraphWidget(
                title="vCPU-hours requested by namespace (team, per hour)",
                left=[
                    cw.MathExpression(
                        expression=vcpu_hours_expression(
                            f"SEARCH('{{{namespace},Namespace}} MetricName=\"{POD_CPU_REQUEST}\"', 'Sum', 3600)"
                        ),
                        label="",
                        period=HOUR,
                    )
                ],
                width=12,
            ),
            cw.GraphWidget(
                title="Failed job runs by team role (per hour)",
                left=[
                    cw.MathExpression(
                        expression=(
                            f'SEARCH(\'{{{namespace},ExecutionRoleArn,State}} MetricName="{JOB_RUNS_ENDED}" '
                            "State=\"FAILED\"', 'Sum', 3600)"
                        ),
                        label="",
                        period=HOUR,
                    )
                ],
                width=12,
            ),
        ],
        [
            cw.GraphWidget(
                title="kubectl provider errors",
                left=[
                    aws_metric(
                        "AWS/Lambda", "Errors", {"FunctionName": name}, statistic="Sum", period=Duration.minutes(5)
                    )
                    for name in kubectl_functions
                ],
                width=12,
            ),
        ],
    ]


def mwaa_widgets(environment: str) -> list[cw.IWidget]:
    def mwaa(name: str, function: str, statistic: str) -> cw.Metric:
        return aws_metric(
            "AmazonMWAA",
            name,
            {"Function": function, "Environment": environment},
            statistic=statistic,
            period=Duration.minutes(5),
        )

    return [
        cw.GraphWidget(
            title="Airflow: queued and running tasks, task failures",
            left=[mwaa("QueuedTasks", "Executor", "Maximum"), mwaa("RunningTasks", "Executor", "Maximum")],
            right=[mwaa("TaskInstanceFailures", "Task Instance", "Sum")],
            width=12,
        ),
        cw.GraphWidget(
            title="Airflow: scheduler heartbeat",
            left=[mwaa("SchedulerHeartbeat", "Scheduler", "Sum")],
            width=12,
        ),
    ]

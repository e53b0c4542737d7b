"""The platform's alarms: each names a metric AWS publishes or one the platform records
(metrics.py), and notifies the platform topic and its existing topics."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from spark_platform.observability.dashboards import aws_metric, own_metric
from spark_platform.observability.metrics import POD_IPS_AVAILABLE

FIVE_MINUTES = Duration.minutes(5)


class Alarms:
    """Creates alarms in ``scope`` (their construct ids, hence logical ids, are the scope's own)."""

    def __init__(self, scope: Construct, *, name_prefix: str, topics: list[sns.ITopic]) -> None:
        self.scope = scope
        self.name_prefix = name_prefix
        self.topics = topics
        self.alarms: list[cw.Alarm] = []

    def add(
        self,
        construct_id: str,
        description: str,
        metric: cw.IMetric,
        *,
        threshold: float,
        periods: int = 1,
        comparison: cw.ComparisonOperator = cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ) -> cw.Alarm:
        alarm = cw.Alarm(
            self.scope,
            f"{construct_id}Alarm",
            alarm_name=f"{self.name_prefix}-{construct_id}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=comparison,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        for topic in self.topics:
            alarm.add_alarm_action(actions.SnsAction(topic))
        self.alarms.append(alarm)
        return alarm

    def add_platform(
        self,
        *,
        zones: list[str],
        pod_ips_per_zone: int,
        interruption_queue: str,
        interruption_dead_letters: str,
        alert_dead_letters: str,
        kubectl_functions: list[str],
        watch_machines: list[str],
    ) -> None:
        """Interruption backlog and dead letters, alert dead letters, kubectl provider errors, the
        long-running watch's failures and pod IPs left per zone."""
        self.add(
            "InterruptionBacklog",
            "Karpenter is not reading its interruption queue: nodes die without a drain",
            aws_metric(
                "AWS/SQS",
                "ApproximateAgeOfOldestMessage",
                {"QueueName": interruption_queue},
                statistic="Maximum",
                period=Duration.minutes(1),
            ),
            threshold=120,
            periods=3,
        )
        for construct_id, queue, what in (
            ("InterruptionDeadLetters", interruption_dead_letters, "EventBridge could not deliver interruption events"),
            ("AlertDeadLetters", alert_dead_letters, "EventBridge could not deliver alerts or job events"),
        ):
            self.add(
                construct_id,
                what,
                aws_metric(
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    {"QueueName": queue},
                    statistic="Maximum",
                    period=FIVE_MINUTES,
                ),
                threshold=1,
            )
        for index, function in enumerate(kubectl_functions):
            self.add(
                f"KubectlProviderErrors{index + 1}",
                "The kubectl provider failed: a manifest or chart was not applied",
                aws_metric("AWS/Lambda", "Errors", {"FunctionName": function}, statistic="Sum", period=FIVE_MINUTES),
                threshold=1,
            )
        # The watch and its starter: a failure of either leaves a long-running job unreported.
        self.add(
            "LongRunningWatchFailures",
            "The long-running job watch failed: long-running jobs may go unreported",
            cw.MathExpression(
                expression=" + ".join(f"FILL(w{index}, 0)" for index in range(len(watch_machines))),
                using_metrics={
                    f"w{index}": aws_metric(
                        "AWS/States",
                        "ExecutionsFailed",
                        {"StateMachineArn": machine},
                        statistic="Sum",
                        period=FIVE_MINUTES,
                    )
                    for index, machine in enumerate(watch_machines)
                },
                period=FIVE_MINUTES,
            ),
            threshold=1,
        )
        # Pod IPs: a zone whose pod subnet is 90% used cannot start a large job (docs/architecture.md, "Networking").
        self.add(
            "PodIPsLow",
            "A zone's pod subnet has less than 10% of its pod IPs left",
            cw.MathExpression(
                expression=f"MIN([{', '.join(f'z{index}' for index in range(len(zones)))}])",
                using_metrics={
                    f"z{index}": own_metric(
                        self.name_prefix,
                        POD_IPS_AVAILABLE,
                        {"AvailabilityZone": zone},
                        statistic="Minimum",
                        period=FIVE_MINUTES,
                    )
                    for index, zone in enumerate(zones)
                },
                period=FIVE_MINUTES,
            ),
            threshold=pod_ips_per_zone // 10,
            comparison=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
            periods=2,
        )

    def add_airflow(self, environment_name: str) -> None:
        self.add(
            "AirflowTaskFailures",
            "An Airflow task failed (a job that never reached EMR, or a failed EMR job after its retries)",
            aws_metric(
                "AmazonMWAA",
                "TaskInstanceFailures",
                {"Function": "Task Instance", "Environment": environment_name},
                statistic="Sum",
                period=FIVE_MINUTES,
            ),
            threshold=1,
        )

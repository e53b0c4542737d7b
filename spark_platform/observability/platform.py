"""The platform team's view: every team's job events recorded, alerts, alarms and the dashboard."""

from __future__ import annotations

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from spark_platform.compliance import suppress
from spark_platform.config import ObservabilityConfig
from spark_platform.log_groups import encrypted_log_group, logs_key
from spark_platform.observability import events as job_events
from spark_platform.observability.alarms import Alarms
from spark_platform.observability.alerts import (
    AlertTopic,
    alert_message,
    alerts_key,
    long_running_message,
    notify,
    rule,
)
from spark_platform.observability.dashboards import mwaa_widgets, platform_widgets
from spark_platform.observability.metrics import (
    JOB_RUN_FAILURES,
    JOB_RUNS_ENDED,
    POD_CPU_REQUEST,
    platform_namespace,
)
from spark_platform.observability.names import (
    container_insights_log_group_name,
    job_events_log_group_name,
    platform_topic_name,
)
from spark_platform.observability.poller import CapacityPoller
from spark_platform.observability.watches import LongRunningWatch
from spark_platform.retention import key_alias

# CloudWatch Logs metric filter patterns (CloudWatch Logs User Guide, "Filter pattern syntax for
# metric filters": JSON selectors $.field, comparisons, && and ||).
ENDED_FILTER = '{ ($.detail.state = "COMPLETED") || ($.detail.state = "FAILED") || ($.detail.state = "CANCELLED") }'
FAILED_FILTER = '{ $.detail.state = "FAILED" }'
# Container Insights pod performance events (Type "Pod") carry Namespace and pod_cpu_request.
POD_CPU_FILTER = '{ ($.Type = "Pod") && ($.pod_cpu_request > 0) }'


class PlatformObservability(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        config: ObservabilityConfig,
        cluster_name: str,
        zones: list[str],
        pod_subnet_ids: list[str],
        pod_ips_per_zone: int,
        pools: list[str],
        interruption_rules: dict[str, str],
        interruption_queue: str,
        interruption_dead_letters: str,
        kubectl_functions: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.name_prefix = name_prefix
        namespace = platform_namespace(name_prefix)
        self.key = alerts_key(self, "AlertsKey", name_prefix=name_prefix)
        self.topic = AlertTopic(
            self, "PlatformAlerts", topic_name=platform_topic_name(name_prefix), key=self.key, alerts=config.alerts
        )
        # What EventBridge cannot deliver to an alert topic (a key or topic policy broken by hand):
        # kept 14 days, alarmed.
        self.dead_letters = sqs.Queue(
            self,
            "AlertDeadLetters",
            queue_name=f"{name_prefix}-alert-dead-letters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.dead_letters.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["sqs:SendMessage"],
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                resources=[self.dead_letters.queue_arn],
                conditions={
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="events", resource="rule", resource_name=f"{name_prefix}-*"
                        )
                    }
                },
            )
        )
        suppress(
            self.dead_letters,
            ("AwsSolutions::AwsSolutions-SQS3", "This queue is the dead-letter queue of the alert rules' targets."),
        )

        # Every state change of every team's job runs, kept as history (retention.py).
        self.job_events_key = logs_key(
            self,
            "JobEventsKey",
            description="Encrypts the job events log group",
            kept_alias=key_alias(name_prefix, "job-events"),
        )
        self.job_events = encrypted_log_group(
            self,
            "JobEvents",
            key=self.job_events_key,
            retention_days=config.job_events_retention_days,
            log_group_name=job_events_log_group_name(name_prefix),
            kept=True,
        )
        # EventBridge writes to a log group only when a CloudWatch Logs resource policy lets it
        # (EventBridge User Guide, "CloudWatch Logs permissions").
        logs.CfnResourcePolicy(
            self,
            "JobEventsDelivery",
            policy_name=f"{name_prefix}-job-events",
            policy_document=stack.to_json_string(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": ["events.amazonaws.com", "delivery.logs.amazonaws.com"]},
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Resource": self.job_events.log_group_arn,
                        }
                    ],
                }
            ),
        )
        roles = job_events.platform_roles_wildcard(
            account=Aws.ACCOUNT_ID, partition=Aws.PARTITION, name_prefix=name_prefix
        )
        record = rule(
            self,
            "RecordJobEvents",
            rule_name=f"{name_prefix}-job-events",
            description="Every EMR on EKS job run state change of the platform's teams -> the job events log group",
            pattern=job_events.platform_job_events(roles),
        )
        cfn_record: events.CfnRule = record.node.default_child  # type: ignore[assignment]
        cfn_record.targets = [
            events.CfnRule.TargetProperty(
                id="JobEvents",
                arn=self.job_events.log_group_arn,
                dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=self.dead_letters.queue_arn),
            )
        ]
        self.metric_filters = [
            self._count_job_events("JobRunsEnded", ENDED_FILTER, namespace, JOB_RUNS_ENDED, "State", "state"),
            self._count_job_events(
                "JobRunFailures", FAILED_FILTER, namespace, JOB_RUN_FAILURES, "FailureReason", "failureReason"
            ),
            # The Container Insights log group exists before the add-on writes to it (cluster stack).
            logs.CfnMetricFilter(
                self,
                "PodCpuRequest",
                log_group_name=container_insights_log_group_name(cluster_name),
                filter_pattern=POD_CPU_FILTER,
                metric_transformations=[
                    logs.CfnMetricFilter.MetricTransformationProperty(
                        metric_namespace=namespace,
                        metric_name=POD_CPU_REQUEST,
                        metric_value="$.pod_cpu_request",
                        unit="None",
                        dimensions=[logs.CfnMetricFilter.DimensionProperty(key="Namespace", value="$.Namespace")],
                    )
                ],
            ),
        ]
        for metric_filter in self.metric_filters[:2]:
            metric_filter.node.add_dependency(self.job_events)

        failures = rule(
            self,
            "JobFailures",
            rule_name=f"{name_prefix}-platform-job-failures",
            description="FAILED or CANCELLED job runs of every team -> the platform topics",
            pattern=job_events.platform_failures(roles),
        )
        notify(failures, self.topic, message=alert_message("(any)"), dead_letter_arn=self.dead_letters.queue_arn)
        long_running = rule(
            self,
            "JobLongRunning",
            rule_name=f"{name_prefix}-platform-job-long-running",
            description="The long-running watch's alerts about every team's job runs -> the platform topics",
            pattern=job_events.platform_long_running(name_prefix, roles),
        )
        notify(long_running, self.topic, message=long_running_message(), dead_letter_arn=self.dead_letters.queue_arn)

        self.watch = LongRunningWatch(self, "LongRunning", name_prefix=name_prefix, logs_key=self.job_events_key)
        # Team rules started the watch itself before they started its starter: the export stays for
        # the deploy that moves them (CloudFormation refuses to delete an export still imported).
        stack.export_value(self.watch.machine.state_machine_arn)
        self.poller = CapacityPoller(
            self,
            "Capacity",
            namespace=namespace,
            pod_subnet_ids=pod_subnet_ids,
            cluster_name=cluster_name,
            pools=pools,
            logs_key=self.job_events_key,
        )

        self._alarms = Alarms(self, name_prefix=name_prefix, topics=self.topic.all_topics)
        self.alarms = self._alarms.alarms
        self._alarms.add_platform(
            zones=zones,
            pod_ips_per_zone=pod_ips_per_zone,
            interruption_queue=interruption_queue,
            interruption_dead_letters=interruption_dead_letters,
            alert_dead_letters=f"{name_prefix}-alert-dead-letters",
            kubectl_functions=kubectl_functions,
            watch_machines=[self.watch.machine.state_machine_arn, self.watch.starter.state_machine_arn],
        )

        self.dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=f"{name_prefix}-platform")
        for row in platform_widgets(
            name_prefix=name_prefix,
            cluster_name=cluster_name,
            zones=zones,
            pools=pools,
            interruption_rules=interruption_rules,
            queues={
                "interruptions": interruption_queue,
                "interruption dead letters": interruption_dead_letters,
                "alert dead letters": f"{name_prefix}-alert-dead-letters",
            },
            kubectl_functions=kubectl_functions,
        ):
            self.dashboard.add_widgets(*row)

    def watch_airflow(self, environment_name: str) -> None:
        """MWAA's task failures alarm and health widgets (with the orchestration stack)."""
        self.dashboard.add_widgets(*mwaa_widgets(environment_name))
        self._alarms.add_airflow(environment_name)

    def _count_job_events(
        self, construct_id: str, pattern: str, namespace: str, metric_name: str, dimension: str, field: str
    ) -> logs.CfnMetricFilter:
        """A count per job role and ``dimension`` (read from the event's ``detail.<field>``) of the
        recorded job events that match ``pattern``."""
        return logs.CfnMetricFilter(
            self,
            construct_id,
            log_group_name=self.job_events.log_group_name,
            filter_pattern=pattern,
            metric_transformations=[
                logs.CfnMetricFilter.MetricTransformationProperty(
                    metric_namespace=namespace,
                    metric_name=metric_name,
                    metric_value="1",
                    unit="Count",
                    dimensions=[
                        logs.CfnMetricFilter.DimensionProperty(
                            key="ExecutionRoleArn", value="$.detail.executionRoleArn"
                        ),
                        logs.CfnMetricFilter.DimensionProperty(key=dimension, value=f"$.detail.{field}"),
                    ],
                )
            ],
        )

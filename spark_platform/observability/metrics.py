"""Every metric a dashboard or alarm of the platform names, and where it comes from.

Two kinds: metrics AWS publishes (``AWS_METRICS``: namespace, name, the dimension set used, and the
reference that lists it) and metrics this platform records itself (``PLATFORM_METRICS``: from metric
filters on the job events and Container Insights logs, or from the pod-IP and node poller). A test
checks every metric of every synthesized widget and alarm against one of the two, and the second
kind against the filters and the poller that really produce it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    dimensions: tuple[str, ...]
    source: str


_CI = (
    "CloudWatch agent (aws/amazon-cloudwatch-agent, translator/translate/otel/exporter/awsemf/kubernetes.go: "
    "the metric declarations the amazon-cloudwatch-observability add-on publishes); CloudWatch User Guide, "
    "'Amazon EKS and Kubernetes Container Insights metrics'"
)
_EKS = "EKS User Guide, 'View control plane metrics in CloudWatch' (AWS/EKS); aws-cdk-lib aws-eks EKSMetrics"
_SQS = "SQS Developer Guide, 'Available CloudWatch metrics for Amazon SQS'; aws-cdk-lib aws-sqs SQSMetrics"
_EVENTS = "EventBridge User Guide, 'Monitoring Amazon EventBridge' (AWS/Events by RuleName); aws-cdk-lib EventsMetrics"
_LAMBDA = "Lambda Developer Guide, 'Types of metrics for Lambda functions'; aws-cdk-lib aws-lambda LambdaMetrics"
_MWAA = (
    "MWAA User Guide, 'Apache Airflow v2 and v3 environment metrics in CloudWatch' (AmazonMWAA; counters "
    "ti_failures -> TaskInstanceFailures, Function 'Task Instance'; gauges executor.queued_tasks/running_tasks, "
    "Function 'Executor'; scheduler_heartbeat, Function 'Scheduler')"
)
_STATES = "Step Functions Developer Guide, 'Monitoring Step Functions metrics using Amazon CloudWatch' (AWS/States)"

AWS_METRICS = {
    (m.namespace, m.name): m
    for m in (
        Metric("ContainerInsights", "cluster_node_count", ("ClusterName",), _CI),
        Metric("ContainerInsights", "cluster_failed_node_count", ("ClusterName",), _CI),
        Metric("ContainerInsights", "namespace_number_of_running_pods", ("Namespace", "ClusterName"), _CI),
        Metric("AWS/EKS", "scheduler_pending_pods", ("ClusterName",), _EKS),
        Metric("AWS/EKS", "scheduler_pending_pods_UNSCHEDULABLE", ("ClusterName",), _EKS),
        Metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", ("QueueName",), _SQS),
        Metric("AWS/SQS", "ApproximateAgeOfOldestMessage", ("QueueName",), _SQS),
        Metric("AWS/Events", "TriggeredRules", ("RuleName",), _EVENTS),
        Metric("AWS/Events", "FailedInvocations", ("RuleName",), _EVENTS),
        Metric("AWS/Lambda", "Errors", ("FunctionName",), _LAMBDA),
        Metric("AmazonMWAA", "TaskInstanceFailures", ("Function", "Environment"), _MWAA),
        Metric("AmazonMWAA", "QueuedTasks", ("Function", "Environment"), _MWAA),
        Metric("AmazonMWAA", "RunningTasks", ("Function", "Environment"), _MWAA),
        Metric("AmazonMWAA", "SchedulerHeartbeat", ("Function", "Environment"), _MWAA),
        Metric("AWS/States", "ExecutionsFailed", ("StateMachineArn",), _STATES),
    )
}


def platform_namespace(name_prefix: str) -> str:
    """Where the platform's own metrics live (one namespace per environment)."""
    return f"SparkPlatform/{name_prefix}"


# Recorded by this platform (metric filters in observability/platform.py, the poller in poller.py).
JOB_RUNS_ENDED = "JobRunsEnded"  # dims ExecutionRoleArn, State; one per final event
JOB_RUN_FAILURES = "JobRunFailures"  # dims ExecutionRoleArn, FailureReason
POD_CPU_REQUEST = "PodCpuRequestMillicores"  # dims Namespace; one value per pod per collection interval
POD_IPS_AVAILABLE = "PodIPsAvailable"  # dims AvailabilityZone
NODES = "Nodes"  # dims NodePool

PLATFORM_METRICS = {
    JOB_RUNS_ENDED: ("ExecutionRoleArn", "State"),
    JOB_RUN_FAILURES: ("ExecutionRoleArn", "FailureReason"),
    POD_CPU_REQUEST: ("Namespace",),
    POD_IPS_AVAILABLE: ("AvailabilityZone",),
    NODES: ("NodePool",),
}

"""Names and small shapes the observability parts share with the teams and the smoke command.

No CDK import: the team construct, the observability stacks and `make smoke` (in .venv-aws) read
the same definitions.
"""

from __future__ import annotations

from typing import Any

from spark_platform.emr_releases import parse_release_label
from spark_platform.jobs.submission import CONTAINER_LOG_ROTATION, CONTAINER_LOG_ROTATION_SINCE


def alerts_topic_name(name_prefix: str, team: str) -> str:
    """The team's SNS topic: a literal name, so its ARN is known to the team document and the
    rules without a cross-stack reference (at most 20 + 1 + 24 + 7 = 52 of SNS's 256 characters)."""
    return f"{name_prefix}-{team}-alerts"


def platform_topic_name(name_prefix: str) -> str:
    return f"{name_prefix}-platform-alerts"


def job_events_log_group_name(name_prefix: str) -> str:
    """Every EMR on EKS job state change of the platform, as EventBridge delivers it."""
    return f"/aws/events/{name_prefix}/emr-job-runs"


def container_insights_log_group_name(cluster_name: str) -> str:
    """Where the CloudWatch agent writes Container Insights performance events (its EMF exporter's
    log_group_name, '/aws/containerinsights/{ClusterName}/performance')."""
    return f"/aws/containerinsights/{cluster_name}/performance"


def supports_log_rotation(release_label: str) -> bool:
    return parse_release_label(release_label, field_path="release_label").at_least(CONTAINER_LOG_ROTATION_SINCE)


def monitoring_configuration(team: Any, *, log_group: str, logs_uri: str) -> dict[str, Any]:
    """The team document's default monitoringConfiguration for ad-hoc submissions: CloudWatch and
    S3 logs, the persistent Spark UI and, when every release of the team supports it, rotation of
    the Spark containers' logs (the DAGs and `make smoke` decide per job, request.py)."""
    configuration: dict[str, Any] = {
        "persistentAppUI": "ENABLED",
        "cloudWatchMonitoringConfiguration": {"logGroupName": log_group, "logStreamNamePrefix": team.name},
        "s3MonitoringConfiguration": {"logUri": logs_uri},
    }
    if all(supports_log_rotation(label) for label in team.release_labels):
        configuration["containerLogRotationConfiguration"] = dict(CONTAINER_LOG_ROTATION)
    return configuration


def spark_ui_hint() -> str:
    """Where a job run's persistent Spark UI is (persistentAppUI ENABLED): EMR on EKS serves it from
    the console; no API returns its address (see docs/observability.md)."""
    return "EMR console > virtual cluster > job run > Spark UI"

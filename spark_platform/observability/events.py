"""The EventBridge patterns of job alerts, as plain data (the rules, the tests and the docs read them).

Amazon EMR on EKS sends "EMR Job Run State Change" events with source ``aws.emr-containers`` to the
default event bus (EventBridge events reference, "Amazon EMR Containers events"; EMR on EKS
Development Guide, "Monitor jobs with Amazon CloudWatch Events"). Their ``detail`` carries the job
run's ``id``, ``name``, ``virtualClusterId``, ``state`` (PENDING, SUBMITTED, RUNNING, FAILED,
COMPLETED, CANCEL_PENDING, CANCELLED: "Job run states"), ``executionRoleArn``, ``releaseLabel``
and, for a failure, ``failureReason`` (INTERNAL_ERROR, USER_ERROR, VALIDATION_ERROR,
CLUSTER_UNAVAILABLE) and ``stateDetails`` (EMR on EKS API reference, JobRun).

A team is identified by its job execution role, not its virtual cluster id: the role has a literal
name (``<prefix>-<team>-emr-job``), so a rule in another stack can name it without a cross-stack
reference that would block the team's retirement, and its trust admits only the service accounts
of the team's namespace, so a job run with it can only run on the team's virtual cluster.
"""

from __future__ import annotations

from typing import Any

SOURCE = "aws.emr-containers"
DETAIL_TYPE = "EMR Job Run State Change"
JOB_RUN_STATES = ("PENDING", "SUBMITTED", "RUNNING", "FAILED", "COMPLETED", "CANCEL_PENDING", "CANCELLED")
FINAL_STATES = ("COMPLETED", "FAILED", "CANCELLED")
ALERT_STATES = ("FAILED", "CANCELLED")
# A run in one of these states is not over: its first such event starts the long-running watch,
# and the watch alerts when the run is still in one of them after the team's threshold.
NOT_OVER_STATES = ("PENDING", "SUBMITTED", "RUNNING")
FAILURE_REASONS = ("INTERNAL_ERROR", "USER_ERROR", "VALIDATION_ERROR", "CLUSTER_UNAVAILABLE")
# The fields of an event's detail the platform reads (rules, input transformers, metric filters,
# the Logs Insights query); tests/test_observability.py keeps every use within this list.
DETAIL_FIELDS = (
    "id",
    "name",
    "arn",
    "virtualClusterId",
    "state",
    "severity",
    "releaseLabel",
    "executionRoleArn",
    "createdBy",
    "failureReason",
    "stateDetails",
    "message",
)


def job_role_arn(*, account: str, partition: str, role_name: str) -> str:
    return f"arn:{partition}:iam::{account}:role/{role_name}"


def platform_roles_wildcard(*, account: str, partition: str, name_prefix: str) -> str:
    """Every team role of the platform (``<prefix>-<team>-emr-job``), as EventBridge wildcard."""
    return f"arn:{partition}:iam::{account}:role/{name_prefix}-*-emr-job"


def _job_runs(states: tuple[str, ...], role: Any) -> dict[str, Any]:
    return {
        "source": [SOURCE],
        "detail-type": [DETAIL_TYPE],
        "detail": {"state": list(states), "executionRoleArn": [role]},
    }


def team_failures(role_arn: str) -> dict[str, Any]:
    """The team's job runs that ended FAILED or CANCELLED."""
    return _job_runs(ALERT_STATES, role_arn)


def team_submitted(role_arn: str) -> dict[str, Any]:
    """The team's job runs that are not over (PENDING, SUBMITTED, RUNNING): each of their events
    starts the long-running watch of its run (watches.py), which measures from the first, the
    submission, and is started once per job run whatever the number of events (a retried driver,
    EventBridge's at-least-once delivery)."""
    return _job_runs(NOT_OVER_STATES, role_arn)


def platform_failures(roles_wildcard: str) -> dict[str, Any]:
    """FAILED or CANCELLED job runs of every team of the platform (the platform team's view)."""
    return _job_runs(ALERT_STATES, {"wildcard": roles_wildcard})


def platform_job_events(roles_wildcard: str) -> dict[str, Any]:
    """Every state change of every team's job runs: recorded in the job events log group, which
    the dashboards' metric filters and queries read."""
    return {
        "source": [SOURCE],
        "detail-type": [DETAIL_TYPE],
        "detail": {"executionRoleArn": [{"wildcard": roles_wildcard}]},
    }


# The watch's own event when a run is still not over after its team's threshold (watches.py puts
# it on the default bus); team and platform rules send it to their topics as they send failures.
LONG_RUNNING_DETAIL_TYPE = "Spark Job Run Long Running"
LONG_RUNNING_DETAIL_FIELDS = ("id", "name", "virtualClusterId", "executionRoleArn", "state", "team", "minutes")


def watch_source(name_prefix: str) -> str:
    """The source of the watch's events: one per environment (a source may not start with aws.)."""
    return f"spark-platform.{name_prefix}"


def _long_running(name_prefix: str, role: Any) -> dict[str, Any]:
    return {
        "source": [watch_source(name_prefix)],
        "detail-type": [LONG_RUNNING_DETAIL_TYPE],
        "detail": {"executionRoleArn": [role]},
    }


def team_long_running(name_prefix: str, role_arn: str) -> dict[str, Any]:
    """The watch's alerts about the team's job runs."""
    return _long_running(name_prefix, role_arn)


def platform_long_running(name_prefix: str, roles_wildcard: str) -> dict[str, Any]:
    """The watch's alerts about every team's job runs (the platform team's view)."""
    return _long_running(name_prefix, {"wildcard": roles_wildcard})


# What an alert says (an EventBridge input transformer: <name> placeholders from the event).
ALERT_PATHS = {
    "name": "$.detail.name",
    "id": "$.detail.id",
    "cluster": "$.detail.virtualClusterId",
    "state": "$.detail.state",
    "reason": "$.detail.failureReason",
    "details": "$.detail.stateDetails",
    "time": "$.time",
}


def alert_text(team: str) -> str:
    return (
        f'"Spark job <name> of team {team} is <state> (<reason> <details>) at <time>. '
        "Job run <id> on virtual cluster <cluster>: aws emr-containers describe-job-run --id <id> "
        '--virtual-cluster-id <cluster>"'
    )


LONG_RUNNING_PATHS = {
    "name": "$.detail.name",
    "id": "$.detail.id",
    "cluster": "$.detail.virtualClusterId",
    "state": "$.detail.state",
    "team": "$.detail.team",
    "minutes": "$.detail.minutes",
    "time": "$.time",
}


def long_running_text() -> str:
    return (
        '"Spark job <name> of team <team> is still <state> <minutes> minutes after it was submitted (at <time>). '
        "Job run <id> on virtual cluster <cluster>: aws emr-containers describe-job-run --id <id> "
        '--virtual-cluster-id <cluster>"'
    )

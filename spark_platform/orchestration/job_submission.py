"""What the Airflow environment may do on EMR on EKS: submit, watch and cancel the teams' jobs.

Scoped without listing teams, so onboarding a team never changes the orchestration stack:
virtual clusters and job runs must carry the platform's ``spark-platform`` tag (every resource
of the app does), execution roles must be the teams' roles (their names are literals ending in
``-emr-job``), and a job run can only be started tagged for the platform.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import IConstruct

PLATFORM_TAG = "spark-platform"


def job_role_arn_pattern(scope: IConstruct, name_prefix: str) -> str:
    stack = Stack.of(scope)
    return f"arn:{stack.partition}:iam::{stack.account}:role/{name_prefix}-*-emr-job"


def job_submission_statements(scope: IConstruct, name_prefix: str) -> list[iam.PolicyStatement]:
    stack = Stack.of(scope)
    clusters = f"arn:{stack.partition}:emr-containers:{stack.region}:{stack.account}:/virtualclusters/*"
    platform_resource = {f"aws:ResourceTag/{PLATFORM_TAG}": name_prefix}
    roles = job_role_arn_pattern(scope, name_prefix)
    return [
        iam.PolicyStatement(
            sid="StartJobsOnPlatformClustersWithTeamRoles",
            actions=["emr-containers:StartJobRun"],
            resources=[clusters],
            conditions={
                "StringEquals": {**platform_resource, f"aws:RequestTag/{PLATFORM_TAG}": name_prefix},
                "ArnLike": {"emr-containers:ExecutionRoleArn": roles},
            },
        ),
        iam.PolicyStatement(
            sid="TagJobRunsAtStart",
            actions=["emr-containers:TagResource"],
            resources=[f"{clusters}/jobruns/*"],
            conditions={"StringEquals": {f"aws:RequestTag/{PLATFORM_TAG}": name_prefix}},
        ),
        iam.PolicyStatement(
            sid="WatchAndCancelPlatformJobRuns",
            actions=["emr-containers:DescribeJobRun", "emr-containers:CancelJobRun"],
            resources=[f"{clusters}/jobruns/*"],
            conditions={"StringEquals": platform_resource},
        ),
        iam.PolicyStatement(
            sid="ListPlatformJobRuns",
            actions=["emr-containers:ListJobRuns", "emr-containers:DescribeVirtualCluster"],
            resources=[clusters],
            conditions={"StringEquals": platform_resource},
        ),
        iam.PolicyStatement(
            sid="PassTeamRolesToEmrOnly",
            actions=["iam:PassRole"],
            resources=[roles],
            conditions={"StringEquals": {"iam:PassedToService": "emr-containers.amazonaws.com"}},
        ),
        iam.PolicyStatement(
            sid="ReadPlatformDocuments",
            actions=["ssm:GetParameter"],
            resources=[
                f"arn:{stack.partition}:ssm:{stack.region}:{stack.account}:parameter/{name_prefix}/teams/*",
                f"arn:{stack.partition}:ssm:{stack.region}:{stack.account}:parameter/{name_prefix}/images/*",
            ],
        ),
    ]


def job_submission_wildcard_reason(resource: str) -> str:
    if resource.endswith("-emr-job"):
        return "The teams' execution roles: literal names <prefix>-<team>-emr-job, so no team is listed here."
    if "jobruns" in resource:
        return "Job runs get random ids; access requires the platform tag on the job run."
    if "virtualclusters" in resource:
        return "Virtual clusters get random ids; access requires the platform tag on the cluster."
    return "The platform's published documents (teams and images) under the platform prefix."

"""What a principal outside the platform may be granted on one team.

Scoped to the team's own virtual cluster and execution role, the way aws-cdk-lib's
``grant_*`` methods scope to one resource. Actions and the ``emr-containers:ExecutionRoleArn``
condition key: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonemroneksemrcontainers.html;
PassRole to EMR on EKS:
https://docs.aws.amazon.com/emr/latest/EMR-on-EKS-DevelopmentGuide/iam-execution-role.html.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_iam as iam

if TYPE_CHECKING:
    from spark_platform.tenancy.team import SparkTeam


def grant_start_job_run(team: SparkTeam, grantee: iam.IGrantable) -> iam.Grant:
    """Start job runs on the team's virtual cluster with the team's execution role (and no
    other), watch, list and cancel them."""
    cluster_arn = team.virtual_cluster.attr_arn
    role_arn = team.role.role_arn
    start = iam.Grant.add_to_principal(
        grantee=grantee,
        actions=["emr-containers:StartJobRun"],
        resource_arns=[cluster_arn],
        conditions={"StringEquals": {"emr-containers:ExecutionRoleArn": role_arn}},
    )
    iam.Grant.add_to_principal(
        grantee=grantee,
        actions=["emr-containers:DescribeJobRun", "emr-containers:CancelJobRun"],
        resource_arns=[f"{cluster_arn}/jobruns/*"],
    )
    iam.Grant.add_to_principal(
        grantee=grantee,
        actions=["emr-containers:ListJobRuns", "emr-containers:DescribeVirtualCluster"],
        resource_arns=[cluster_arn],
    )
    iam.Grant.add_to_principal(
        grantee=grantee,
        actions=["iam:PassRole"],
        resource_arns=[role_arn],
        conditions={"StringEquals": {"iam:PassedToService": "emr-containers.amazonaws.com"}},
    )
    return start


def grant_read_document(team: SparkTeam, grantee: iam.IGrantable) -> iam.Grant:
    """Read the team's published document (virtual cluster id, role, URIs, Spark settings)."""
    return team.catalog.grant_read(grantee)

"""What MWAA itself needs in its execution role (MWAA guide, "Amazon MWAA execution role").

tests/test_mwaa_role.py lists every action of the documented policy and the statement here
that grants it (or why it is not granted).
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct


def _arn(scope: Construct, service: str, resource: str, *, region: bool = True) -> str:
    stack = Stack.of(scope)
    return f"arn:{stack.partition}:{service}:{stack.region if region else ''}:{stack.account}:{resource}"


def mwaa_statements(
    scope: Construct, *, environment_name: str, bucket: s3.IBucket, key: kms.IKey
) -> list[iam.PolicyStatement]:
    name = environment_name
    stack = Stack.of(scope)
    return [
        iam.PolicyStatement(
            sid="PublishEnvironmentMetrics",
            actions=["airflow:PublishMetrics"],
            resources=[_arn(scope, "airflow", f"environment/{name}")],
        ),
        iam.PolicyStatement(
            sid="ReadSourceObjects",
            actions=["s3:GetObject", "s3:GetObjectVersion"],
            resources=[bucket.arn_for_objects("*")],
        ),
        iam.PolicyStatement(
            sid="ReadSourceBucket",
            actions=[
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetBucketVersioning",
                "s3:GetBucketPublicAccessBlock",
            ],
            resources=[bucket.bucket_arn],
        ),
        iam.PolicyStatement(
            # Account-level check MWAA makes that the source bucket cannot become public;
            # the action has no resource type, so "*" is the only resource it takes.
            sid="ReadAccountPublicAccessBlock",
            actions=["s3:GetAccountPublicAccessBlock"],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="WriteEnvironmentLogs",
            actions=[
                "logs:CreateLogStream",
                "logs:CreateLogGroup",
                "logs:PutLogEvents",
                "logs:GetLogEvents",
                "logs:GetLogRecord",
                "logs:GetLogGroupFields",
                "logs:GetQueryResults",
            ],
            resources=[_arn(scope, "logs", f"log-group:airflow-{name}-*")],
        ),
        iam.PolicyStatement(
            sid="ListLogGroups",
            actions=["logs:DescribeLogGroups"],
            resources=[_arn(scope, "logs", "log-group:*")],
        ),
        iam.PolicyStatement(
            sid="PublishMetrics",
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": "AmazonMWAA"}},
        ),
        iam.PolicyStatement(
            sid="UseCeleryQueues",
            actions=[
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:ReceiveMessage",
                "sqs:SendMessage",
            ],
            # MWAA's Celery queues live in an AWS-owned account.
            resources=[f"arn:{stack.partition}:sqs:{stack.region}:*:airflow-celery-*"],
        ),
        iam.PolicyStatement(
            sid="EncryptCeleryMessages",
            actions=["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", "kms:Encrypt"],
            not_resources=[f"arn:{stack.partition}:kms:*:{stack.account}:key/*"],
            conditions={"StringLike": {"kms:ViaService": [f"sqs.{stack.region}.amazonaws.com"]}},
        ),
        iam.PolicyStatement(
            sid="ReadSourceKeyViaS3",
            actions=["kms:Decrypt"],
            resources=[key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
        ),
    ]


def mwaa_wildcard_reason(resource: str) -> str:
    if resource == "*":
        return (
            "cloudwatch:PutMetricData (limited to the AmazonMWAA namespace) and s3:GetAccountPublicAccessBlock "
            "(an account-level read) have no resource type."
        )
    if "airflow-celery-*" in resource:
        return "MWAA creates its Celery queues in an AWS-owned account under this fixed name prefix."
    if "log-group:airflow-" in resource:
        return "MWAA names its five log groups airflow-<environment>-<module>; the wildcard covers only those."
    if resource.endswith("log-group:*"):
        return "logs:DescribeLogGroups has no resource-level scoping beyond the account's log groups."
    return "Objects of the MWAA source bucket (DAGs, requirements), which MWAA reads by key."

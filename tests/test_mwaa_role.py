"""The MWAA execution role grants every action of MWAA's documented execution-role policy.

Source: MWAA guide, "Amazon MWAA execution role" (mwaa-create-role.html), the sample policy for
an environment whose data is encrypted with KMS. Each documented action is listed below with the
statement of ours that grants it; where ours is narrower, the comment says how.
"""

from __future__ import annotations

import pytest

ORCHESTRATION = "spark-orchestration"

# documented action -> (our statement Sid, the actions of ours that grant it)
DOCUMENTED: dict[str, tuple[str, set[str]]] = {
    "airflow:PublishMetrics": ("PublishEnvironmentMetrics", {"airflow:PublishMetrics"}),
    # Documented as s3:GetObject*, s3:GetBucket*, s3:List* on the bucket: ours names the reads MWAA makes.
    "s3:GetObject*": ("ReadSourceObjects", {"s3:GetObject", "s3:GetObjectVersion"}),
    "s3:GetBucket*": (
        "ReadSourceBucket",
        {"s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:GetBucketPublicAccessBlock"},
    ),
    "s3:List*": ("ReadSourceBucket", {"s3:ListBucket"}),
    "s3:GetAccountPublicAccessBlock": ("ReadAccountPublicAccessBlock", {"s3:GetAccountPublicAccessBlock"}),
    **{
        action: ("WriteEnvironmentLogs", {action})  # only log groups airflow-<environment>-*
        for action in (
            "logs:CreateLogStream",
            "logs:CreateLogGroup",
            "logs:PutLogEvents",
            "logs:GetLogEvents",
            "logs:GetLogRecord",
            "logs:GetLogGroupFields",
            "logs:GetQueryResults",
        )
    },
    "logs:DescribeLogGroups": ("ListLogGroups", {"logs:DescribeLogGroups"}),
    "cloudwatch:PutMetricData": ("PublishMetrics", {"cloudwatch:PutMetricData"}),  # AmazonMWAA namespace only
    **{
        action: ("UseCeleryQueues", {action})  # only queues airflow-celery-* in this Region
        for action in (
            "sqs:ChangeMessageVisibility",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:GetQueueUrl",
            "sqs:ReceiveMessage",
            "sqs:SendMessage",
        )
    },
    # KMS via SQS (Celery messages) and via S3 (the KMS-encrypted source bucket), never directly.
    "kms:Decrypt": ("EncryptCeleryMessages", {"kms:Decrypt"}),
    "kms:DescribeKey": ("EncryptCeleryMessages", {"kms:DescribeKey"}),
    "kms:GenerateDataKey*": ("EncryptCeleryMessages", {"kms:GenerateDataKey"}),
    "kms:Encrypt": ("EncryptCeleryMessages", {"kms:Encrypt"}),
}


def _statements(sandbox) -> dict[str, dict]:
    (policy,) = [
        r
        for lid, r in sandbox.templates[ORCHESTRATION]["Resources"].items()
        if r["Type"] == "AWS::IAM::ManagedPolicy" and "ExecutionPolicy" in lid
    ]
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def _actions(statement: dict) -> set[str]:
    action = statement["Action"]
    return set(action) if isinstance(action, list) else {action}


@pytest.mark.parametrize("documented", sorted(DOCUMENTED))
def test_each_documented_execution_role_action_is_granted(sandbox, documented):
    sid, actions = DOCUMENTED[documented]
    statement = _statements(sandbox)[sid]
    assert statement["Effect"] == "Allow"
    assert actions <= _actions(statement), f"{documented}: {sid} grants {sorted(_actions(statement))}"


def test_the_role_grants_nothing_beyond_the_documented_policy(sandbox):
    granted = {a for s in _statements(sandbox).values() for a in _actions(s)}
    assert granted == {a for _, actions in DOCUMENTED.values() for a in actions}
    # The documented policy denies s3:ListAllMyBuckets; ours never grants it.
    assert "s3:ListAllMyBuckets" not in granted


def test_account_public_access_block_is_the_one_unscoped_s3_read(sandbox):
    statement = _statements(sandbox)["ReadAccountPublicAccessBlock"]
    assert statement["Resource"] == "*"  # the action has no resource type
    assert not any(a.startswith("s3:") and a != "s3:GetAccountPublicAccessBlock" for a in _actions(statement))


def test_kms_is_used_only_through_sqs_and_s3(sandbox):
    statements = _statements(sandbox)
    assert statements["EncryptCeleryMessages"]["Condition"]["StringLike"]["kms:ViaService"] == [
        "sqs.eu-west-1.amazonaws.com"
    ]
    assert statements["ReadSourceKeyViaS3"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    }

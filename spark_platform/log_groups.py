"""Encrypted CloudWatch log groups with a fixed retention."""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from spark_platform.retention import keep, kept_key


def logs_key(scope: Construct, construct_id: str, *, description: str, kept_alias: str | None = None) -> kms.Key:
    """A rotating KMS key that CloudWatch Logs may use for this account and Region only.

    ``kept_alias``: the key encrypts log groups that are kept (history); it is kept too, under
    that alias. Without it the key goes with the stack, as its log groups do.
    """
    if kept_alias:
        key = kept_key(scope, construct_id, alias=kept_alias, description=description)
    else:
        key = kms.Key(
            scope, construct_id, description=description, enable_key_rotation=True, removal_policy=RemovalPolicy.DESTROY
        )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
            resources=["*"],  # in a key policy "*" means this key
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"
                }
            },
        )
    )
    return key


def encrypted_log_group(
    scope: Construct,
    construct_id: str,
    *,
    key: kms.IKey,
    retention_days: int,
    log_group_name: str | None = None,
    kept: bool = False,
) -> logs.LogGroup:
    """A log group encrypted with ``key`` that keeps events for ``retention_days``.

    ``kept``: history (control-plane, flow and job logs) outlives the stack; such a group needs a
    name, to be found and imported again, and a key that is kept too.
    """
    if kept and not log_group_name:
        raise ValueError(f"{construct_id}: a kept log group needs a name, to be imported again after cdk destroy")
    group = logs.LogGroup(
        scope,
        construct_id,
        log_group_name=log_group_name,
        encryption_key=key,
        removal_policy=RemovalPolicy.DESTROY,
    )
    if kept:
        keep(group)
    # logs.RetentionDays is a name-valued enum; the day count is set on the L1 directly.
    cfn_group: logs.CfnLogGroup = group.node.default_child  # type: ignore[assignment]
    cfn_group.retention_in_days = retention_days
    return group

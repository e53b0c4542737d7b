"""The platform's S3 bucket baseline, in one place."""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from spark_platform.compliance import suppress

REPLICATION_REASON = (
    "Cross-Region replication is a disaster-recovery choice of the operator (a second Region and its "
    "cost); versioning and KMS already protect objects in this Region."
)


def secure_bucket(
    scope: Construct,
    construct_id: str,
    *,
    bucket_name: str,
    key: kms.IKey,
    access_logs: s3.IBucket,
    access_logs_prefix: str,
    removal_policy: RemovalPolicy,
    lifecycle_rules: list[s3.LifecycleRule] | None = None,
) -> s3.Bucket:
    """KMS-encrypted (bucket key), TLS-only, versioned, private, owner-enforced, access-logged."""
    bucket = s3.Bucket(
        scope,
        construct_id,
        bucket_name=bucket_name,
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        bucket_key_enabled=True,
        enforce_ssl=True,
        versioned=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=removal_policy,
        lifecycle_rules=lifecycle_rules,
    )
    deliver_access_logs(bucket, bucket_name=bucket_name, access_logs=access_logs, prefix=access_logs_prefix)
    suppress(bucket, ("HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled", REPLICATION_REASON))
    return bucket


def deliver_access_logs(bucket: s3.Bucket, *, bucket_name: str, access_logs: s3.IBucket, prefix: str) -> None:
    """Server access logs of ``bucket`` go to ``access_logs`` under ``prefix``, and only its logs.

    Set here rather than through ``server_access_logs_bucket``: CDK adds the confused-deputy
    conditions to the log bucket's policy only when both buckets are in one stack (the MWAA source
    bucket is not), and without the ``@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy`` feature flag
    it falls back to an ACL that an owner-enforced bucket refuses. The statement is the one the S3
    User Guide gives ("Enabling Amazon S3 server access logging": grant logging.s3.amazonaws.com
    s3:PutObject with aws:SourceArn and aws:SourceAccount). The source ARN is built from the
    bucket's literal name, so a bucket in another stack needs no export.
    """
    cfn_bucket: s3.CfnBucket = bucket.node.default_child  # type: ignore[assignment]
    cfn_bucket.logging_configuration = s3.CfnBucket.LoggingConfigurationProperty(
        destination_bucket_name=access_logs.bucket_name, log_file_prefix=prefix
    )
    access_logs.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
            actions=["s3:PutObject"],
            resources=[access_logs.arn_for_objects(f"{prefix}*")],
            conditions={
                "ArnLike": {"aws:SourceArn": f"arn:{Aws.PARTITION}:s3:::{bucket_name}"},
                "StringEquals": {"aws:SourceAccount": Stack.of(bucket).account},
            },
        )
    )

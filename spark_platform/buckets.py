"""The platform's S3 bucket baseline, in one place."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
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
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=access_logs_prefix,
        removal_policy=removal_policy,
        lifecycle_rules=lifecycle_rules,
    )
    suppress(bucket, ("HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled", REPLICATION_REASON))
    return bucket

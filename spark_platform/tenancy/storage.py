"""Storage shared by all teams: encrypted buckets with one prefix per team, and a log key."""

from __future__ import annotations

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from spark_platform.buckets import REPLICATION_REASON, secure_bucket
from spark_platform.compliance import suppress
from spark_platform.log_groups import logs_key
from spark_platform.retention import KEPT, kept_key, key_alias


def platform_bucket_name(name_prefix: str, kind: str, *, account: str, region: str) -> str:
    """Deterministic, globally unique bucket names: teams stacks compute them instead of
    importing them, so a teams stack does not depend on the tenancy stack's exports."""
    return f"{name_prefix}-{kind}-{account}-{region}"


def team_prefix(team_name: str) -> str:
    """Every team owns ``teams/<team>/`` in each shared bucket."""
    return f"teams/{team_name}/"


class TenantStorage(Construct):
    """Buckets for job artifacts, job logs and team data, and the KMS keys behind them.

    All buckets: KMS-encrypted, TLS-only, versioned, public access blocked, server access
    logs to a dedicated bucket, lifecycle rules. A team's area is the ``teams/<team>/`` prefix
    of each bucket; job execution roles are scoped to their own prefix.
    """

    def __init__(self, scope: Construct, construct_id: str, *, name_prefix: str, log_retention_days: int) -> None:
        super().__init__(scope, construct_id)
        self.name_prefix = name_prefix
        # Literals when the environment names them, AWS::AccountId / AWS::Region otherwise.
        self.account, self.region = Stack.of(self).account, Stack.of(self).region
        # Kept with the buckets and the teams' log groups they encrypt (spark_platform/retention.py).
        self.key = kept_key(
            self,
            "DataKey",
            alias=key_alias(name_prefix, "data"),
            description="Encrypts the Spark platform's artifact, log and data buckets",
        )
        self.logs_key = logs_key(
            self,
            "LogsKey",
            description="Encrypts the teams' Spark log groups",
            kept_alias=key_alias(name_prefix, "team-logs"),
        )

        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            bucket_name=platform_bucket_name(name_prefix, "access-logs", account=self.account, region=self.region),
            # Server access log delivery supports only SSE-S3 on the target bucket.
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=KEPT,
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=Duration.days(log_retention_days), noncurrent_version_expiration=Duration.days(7)
                )
            ],
        )
        suppress(
            self.access_logs,
            ("HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled", REPLICATION_REASON),
            (
                "HIPAA.Security::HIPAA.Security-S3DefaultEncryptionKMS",
                "S3 server access log delivery only supports SSE-S3 on the destination bucket.",
            ),
        )

        self.artifacts = self._bucket(
            "Artifacts",
            # Scripts and jars: old versions go after 30 days, the current one stays.
            lifecycle_rules=[
                s3.LifecycleRule(
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
        )
        self.logs = self._bucket(
            "Logs",
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=Duration.days(log_retention_days),
                    noncurrent_version_expiration=Duration.days(7),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS, transition_after=Duration.days(30)
                        )
                    ]
                    if log_retention_days > 60
                    else None,
                )
            ],
        )
        self.data = self._bucket(
            "Data",
            lifecycle_rules=[
                s3.LifecycleRule(
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
        )

    def _bucket(self, construct_id: str, *, lifecycle_rules: list[s3.LifecycleRule]) -> s3.Bucket:
        return secure_bucket(
            self,
            construct_id,
            bucket_name=platform_bucket_name(
                self.name_prefix, construct_id.lower(), account=self.account, region=self.region
            ),
            key=self.key,
            access_logs=self.access_logs,
            access_logs_prefix=f"{construct_id.lower()}/",
            removal_policy=KEPT,
            lifecycle_rules=lifecycle_rules,
        )

    def grant_key_use(self, statements: list[iam.PolicyStatement]) -> None:
        """Add the KMS permissions a job needs to read and write the platform's buckets."""
        statements.append(
            iam.PolicyStatement(
                sid="UseDataKeyThroughS3",
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[self.key.key_arn],
                # Only through S3: the key cannot be used to decrypt anything handed over directly.
                conditions={"StringEquals": {"kms:ViaService": f"s3.{Aws.REGION}.amazonaws.com"}},
            )
        )

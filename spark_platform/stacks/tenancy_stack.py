"""The tenancy stack: storage and keys shared by every team."""

from __future__ import annotations

from aws_cdk import CfnOutput
from constructs import Construct

from spark_platform.config import EnvironmentConfig
from spark_platform.stacks.base import PlatformStack
from spark_platform.tenancy import TenantStorage


class TenancyStack(PlatformStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        environment: EnvironmentConfig,
        log_bucket_retention_days: int,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            environment=environment,
            description=f"{name_prefix}: artifact, log and data buckets shared by the teams (one prefix each)",
        )
        self.storage = TenantStorage(
            self, "Storage", name_prefix=name_prefix, log_retention_days=log_bucket_retention_days
        )
        for name, bucket in (
            ("Artifacts", self.storage.artifacts),
            ("Logs", self.storage.logs),
            ("Data", self.storage.data),
        ):
            CfnOutput(self, f"{name}BucketName", value=bucket.bucket_name)

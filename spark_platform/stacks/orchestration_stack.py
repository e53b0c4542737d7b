"""The orchestration stack: MWAA, its DAGs and what they may do on EMR on EKS."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from spark_platform.config import EnvironmentConfig, OrchestrationConfig
from spark_platform.network import SparkVpc
from spark_platform.orchestration.airflow import AirflowEnvironment
from spark_platform.stacks.base import PlatformStack
from spark_platform.tenancy.storage import platform_bucket_name


class OrchestrationStack(PlatformStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        environment: EnvironmentConfig,
        orchestration: OrchestrationConfig,
        vpc_cidr: str,
        network: SparkVpc,
        access_logs: s3.IBucket,
        pipelines: Path | None,
        artifacts_key: kms.IKey | None = None,
        team_artifacts: dict[str, Path] | None = None,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            environment=environment,
            description=f"{name_prefix}: MWAA (Airflow {orchestration.airflow_version}) and the Spark DAGs",
        )
        self.airflow = AirflowEnvironment(
            self,
            "Airflow",
            name_prefix=name_prefix,
            config=orchestration,
            vpc=network.vpc,
            vpc_cidr=vpc_cidr,
            # MWAA takes exactly two private subnets in different zones.
            subnets=network.node_subnets[:2],
            access_logs=access_logs,
            pipelines=pipelines,
        )
        # The sample pipelines' job scripts, where their entry points say (teams/<team>/jobs/...).
        # Imported by its literal name: the handler's grant then names the bucket, not an export.
        self.job_artifacts = None
        if team_artifacts:
            artifacts = s3.Bucket.from_bucket_attributes(
                self,
                "ArtifactsBucket",
                bucket_name=platform_bucket_name(name_prefix, "artifacts", account=self.account, region=self.region),
                encryption_key=artifacts_key,
            )
            self.job_artifacts = self.airflow.deploy_job_artifacts(artifacts, team_artifacts or {})
        CfnOutput(self, "AirflowEnvironmentName", value=self.airflow.environment_name)
        CfnOutput(self, "AirflowWebserverUrl", value=self.airflow.environment.attr_webserver_url)
        CfnOutput(self, "DagsBucket", value=self.airflow.bucket.bucket_name)

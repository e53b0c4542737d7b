"""The orchestration stack: MWAA, its DAGs and what they may do on EMR on EKS."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput
from aws_cdk import aws_s3 as s3
from constructs import Construct

from spark_platform.config import EnvironmentConfig, OrchestrationConfig
from spark_platform.network import SparkVpc
from spark_platform.orchestration.airflow import AirflowEnvironment
from spark_platform.stacks.base import PlatformStack


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
        CfnOutput(self, "AirflowEnvironmentName", value=self.airflow.environment_name)
        CfnOutput(self, "AirflowWebserverUrl", value=self.airflow.environment.attr_webserver_url)
        CfnOutput(self, "DagsBucket", value=self.airflow.bucket.bucket_name)

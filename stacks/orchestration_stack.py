"""The orchestration stack: MWAA, its DAGs and what they may do on EMR on EKS."""

from __future__ import annotations

from aws_cdk import CfnOutput
from aws_cdk import aws_s3 as s3
from constructs import Construct

from spark_platform.config import PlatformConfig
from spark_platform.network import SparkVpc
from spark_platform.orchestration.airflow import AirflowEnvironment
from spark_platform.orchestration.pipelines import check_pipelines, pipelines_dir
from stacks.base import PlatformStack


class OrchestrationStack(PlatformStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        network: SparkVpc,
        access_logs: s3.IBucket,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            config=config,
            description=f"{config.name_prefix}: MWAA (Airflow {config.orchestration.airflow_version}) and the Spark DAGs",
        )
        # Shipped pipelines must fit the configuration: synth fails before a broken DAG deploys.
        self.pipelines = check_pipelines(config)
        self.airflow = AirflowEnvironment(
            self,
            "Airflow",
            name_prefix=config.name_prefix,
            config=config.orchestration,
            vpc=network.vpc,
            vpc_cidr=config.network.vpc_cidr,
            # MWAA takes exactly two private subnets in different zones.
            subnets=network.node_subnets[:2],
            access_logs=access_logs,
            pipelines=pipelines_dir(config),
        )
        CfnOutput(self, "AirflowEnvironmentName", value=self.airflow.environment_name)
        CfnOutput(self, "AirflowWebserverUrl", value=self.airflow.environment.attr_webserver_url)
        CfnOutput(self, "DagsBucket", value=self.airflow.bucket.bucket_name)

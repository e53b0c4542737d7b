"""The cluster stack: EKS, its add-ons and the system node group."""

from __future__ import annotations

from aws_cdk import CfnOutput
from constructs import Construct

from spark_platform.cluster import SparkCluster
from spark_platform.config import PlatformConfig
from spark_platform.network import SparkVpc
from stacks.base import PlatformStack


class ClusterStack(PlatformStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        network: SparkVpc,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            config=config,
            description=f"{config.name_prefix}: EKS cluster {config.cluster_name}, managed add-ons and system nodes",
        )
        self.spark_cluster = SparkCluster(
            self,
            "Eks",
            cluster_name=config.cluster_name,
            config=config.cluster,
            system_nodes=config.system_nodes,
            vpc=network.vpc,
            node_subnets=network.node_subnets,
            pod_subnets=network.pod_subnets,
            service_cidr=config.network.service_cidr,
            region=config.environment.region,
        )
        cluster = self.spark_cluster.cluster
        CfnOutput(self, "ClusterName", value=cluster.cluster_name)
        CfnOutput(self, "ClusterArn", value=cluster.cluster_arn)
        for index, role in enumerate(self.spark_cluster.admin_roles):
            CfnOutput(self, f"AdminRoleArn{index + 1}", value=role.role_arn)
        CfnOutput(
            self,
            "UpdateKubeconfigCommand",
            value=f"aws eks update-kubeconfig --region {config.environment.region} --name {config.cluster_name}"
            f" --role-arn {self.spark_cluster.admin_roles[0].role_arn}",
        )

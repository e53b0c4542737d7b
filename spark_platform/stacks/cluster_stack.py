"""The cluster stack: EKS, its add-ons and the system node group."""

from __future__ import annotations

from aws_cdk import CfnOutput
from constructs import Construct

from spark_platform.cluster import SparkCluster
from spark_platform.config import ClusterConfig, EnvironmentConfig, SystemNodesConfig
from spark_platform.network import SparkVpc
from spark_platform.stacks.base import PlatformStack


class ClusterStack(PlatformStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        environment: EnvironmentConfig,
        cluster_name: str,
        cluster: ClusterConfig,
        system_nodes: SystemNodesConfig,
        service_cidr: str,
        network: SparkVpc,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            environment=environment,
            description=f"{name_prefix}: EKS cluster {cluster_name}, managed add-ons and system nodes",
        )
        self.spark_cluster = SparkCluster(
            self,
            "Eks",
            cluster_name=cluster_name,
            config=cluster,
            system_nodes=system_nodes,
            vpc=network.vpc,
            node_subnets=network.node_subnets,
            pod_subnets=network.pod_subnets,
            service_cidr=service_cidr,
            region=environment.region,
        )
        cluster = self.spark_cluster.cluster
        CfnOutput(self, "ClusterName", value=cluster.cluster_name)
        CfnOutput(self, "ClusterArn", value=cluster.cluster_arn)
        for index, role in enumerate(self.spark_cluster.admin_roles):
            CfnOutput(self, f"AdminRoleArn{index + 1}", value=role.role_arn)
        CfnOutput(
            self,
            "UpdateKubeconfigCommand",
            value=f"aws eks update-kubeconfig --region {environment.region} --name {cluster_name}"
            f" --role-arn {self.spark_cluster.admin_roles[0].role_arn}",
        )

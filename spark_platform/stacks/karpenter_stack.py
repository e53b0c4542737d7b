"""The Karpenter stack: the controller and the Spark NodePools on the cluster."""

from __future__ import annotations

from aws_cdk import CfnOutput
from aws_cdk import aws_eks_v2 as eks
from constructs import Construct

from spark_platform.config import EnvironmentConfig, KarpenterConfig
from spark_platform.karpenter import Karpenter
from spark_platform.stacks.base import PlatformStack


class KarpenterStack(PlatformStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        environment: EnvironmentConfig,
        cluster_name: str,
        karpenter: KarpenterConfig,
        ami_alias: str,
        system_nodes: int,
        cluster: eks.ICluster,
        node_tags: dict[str, str] | None = None,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            environment=environment,
            description=f"{name_prefix}: Karpenter controller, interruption queue and Spark NodePools",
        )
        self.karpenter = Karpenter(
            self,
            "Karpenter",
            cluster=cluster,
            cluster_name=cluster_name,
            config=karpenter,
            ami_alias=ami_alias,
            region=environment.region,
            system_nodes=system_nodes,
            node_tags=node_tags,
        )
        CfnOutput(self, "NodeRoleArn", value=self.karpenter.node_role.role_arn)
        CfnOutput(self, "InterruptionQueueName", value=self.karpenter.interruption.queue.queue_name)

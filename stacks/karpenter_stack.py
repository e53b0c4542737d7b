"""The Karpenter stack: the controller and the Spark NodePools on the cluster."""

from __future__ import annotations

from aws_cdk import CfnOutput
from aws_cdk import aws_eks_v2 as eks
from constructs import Construct

from spark_platform.config import PlatformConfig
from spark_platform.karpenter import Karpenter
from stacks.base import PlatformStack


class KarpenterStack(PlatformStack):
    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, cluster: eks.ICluster) -> None:
        super().__init__(
            scope,
            construct_id,
            config=config,
            description=f"{config.name_prefix}: Karpenter controller, interruption queue and Spark NodePools",
        )
        self.karpenter = Karpenter(
            self,
            "Karpenter",
            cluster=cluster,
            cluster_name=config.cluster_name,
            config=config.karpenter,
            region=config.environment.region,
            system_nodes=config.system_nodes.min_size,
        )
        CfnOutput(self, "NodeRoleArn", value=self.karpenter.node_role.role_arn)
        CfnOutput(self, "InterruptionQueueName", value=self.karpenter.interruption.queue.queue_name)

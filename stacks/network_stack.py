"""The network stack: the VPC and its pod address space."""

from __future__ import annotations

from aws_cdk import Environment, Stack
from constructs import Construct

from spark_platform.config import PlatformConfig
from spark_platform.network import SparkVpc


class NetworkStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, env: Environment) -> None:
        super().__init__(
            scope,
            construct_id,
            env=env,
            description=f"{config.name_prefix}: VPC, pod address space, endpoints and flow logs for EMR on EKS",
        )
        self.network = SparkVpc(
            self,
            "Network",
            config=config.network,
            availability_zones=config.environment.availability_zones,
            nat_gateways=config.nat_gateway_count,
            cluster_name=config.cluster_name,
        )

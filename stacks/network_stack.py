"""The network stack: the VPC and its pod address space."""

from __future__ import annotations

from constructs import Construct

from spark_platform.config import PlatformConfig
from spark_platform.network import SparkVpc
from stacks.base import PlatformStack


class NetworkStack(PlatformStack):
    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig) -> None:
        super().__init__(
            scope,
            construct_id,
            config=config,
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

"""The network stack: the VPC and its pod address space."""

from __future__ import annotations

from constructs import Construct

from spark_platform.config import EnvironmentConfig, NetworkConfig
from spark_platform.network import SparkVpc
from spark_platform.stacks.base import PlatformStack


class NetworkStack(PlatformStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        environment: EnvironmentConfig,
        network: NetworkConfig,
        nat_gateways: int,
        cluster_name: str,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            environment=environment,
            description=f"{name_prefix}: VPC, pod address space, endpoints and flow logs for EMR on EKS",
        )
        self.network = SparkVpc(
            self,
            "Network",
            config=network,
            availability_zones=environment.availability_zones,
            nat_gateways=nat_gateways,
            cluster_name=cluster_name,
            name_prefix=name_prefix,
        )

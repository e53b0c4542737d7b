"""Networking for the platform: the VPC and the pod address space."""

from spark_platform.network.spark_vpc import PodSubnet, SparkVpc, node_subnet_mask

__all__ = ["PodSubnet", "SparkVpc", "node_subnet_mask"]

"""CloudFormation stacks: each composes constructs from ``spark_platform`` and wires them."""

from stacks.cluster_stack import ClusterStack
from stacks.images_stack import ImagesStack
from stacks.karpenter_stack import KarpenterStack
from stacks.network_stack import NetworkStack
from stacks.platform import SparkPlatform, build_platform

__all__ = ["ClusterStack", "ImagesStack", "KarpenterStack", "NetworkStack", "SparkPlatform", "build_platform"]

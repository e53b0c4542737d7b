"""CloudFormation stacks: each composes constructs from ``spark_platform`` and wires them."""

from stacks.cluster_stack import ClusterStack
from stacks.images_stack import ImagesStack
from stacks.karpenter_stack import KarpenterStack
from stacks.network_stack import NetworkStack
from stacks.orchestration_stack import OrchestrationStack
from stacks.platform import SparkPlatform, build_platform
from stacks.teams_stack import TeamsStack
from stacks.tenancy_stack import TenancyStack

__all__ = [
    "ClusterStack",
    "ImagesStack",
    "KarpenterStack",
    "NetworkStack",
    "OrchestrationStack",
    "SparkPlatform",
    "TeamsStack",
    "TenancyStack",
    "build_platform",
]

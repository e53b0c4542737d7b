"""CloudFormation stacks: each composes constructs from ``spark_platform`` and wires them."""

from spark_platform.stacks.cluster_stack import ClusterStack
from spark_platform.stacks.images_stack import ImagesStack
from spark_platform.stacks.karpenter_stack import KarpenterStack
from spark_platform.stacks.network_stack import NetworkStack
from spark_platform.stacks.orchestration_stack import OrchestrationStack
from spark_platform.stacks.platform import SparkPlatform, build_platform
from spark_platform.stacks.teams_stack import TeamsStack
from spark_platform.stacks.tenancy_stack import TenancyStack

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

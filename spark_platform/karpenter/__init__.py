"""Karpenter: the controller, interruption handling, the Spark node class and NodePools."""

from spark_platform.karpenter.interruption import INTERRUPTION_EVENTS, InterruptionQueue
from spark_platform.karpenter.karpenter import CHART_REPOSITORY, Karpenter, chart_values
from spark_platform.karpenter.node_pools import (
    DRIVER_ROLE,
    EXECUTOR_ROLE,
    ROLE_LABEL,
    node_class_manifest,
    node_pool_manifest,
    node_pool_manifests,
)

__all__ = [
    "CHART_REPOSITORY",
    "DRIVER_ROLE",
    "EXECUTOR_ROLE",
    "INTERRUPTION_EVENTS",
    "ROLE_LABEL",
    "InterruptionQueue",
    "Karpenter",
    "chart_values",
    "node_class_manifest",
    "node_pool_manifest",
    "node_pool_manifests",
]

"""The EKS cluster, its managed add-ons and its system node group."""

from spark_platform.cluster.addons import ENI_CONFIG_LABEL, ManagedAddons, pod_identity_role, vpc_cni_configuration
from spark_platform.cluster.spark_cluster import SYSTEM_NODE_LABEL, SYSTEM_TAINT, SparkCluster

__all__ = [
    "ENI_CONFIG_LABEL",
    "SYSTEM_NODE_LABEL",
    "SYSTEM_TAINT",
    "ManagedAddons",
    "SparkCluster",
    "pod_identity_role",
    "vpc_cni_configuration",
]

"""The EC2NodeClass and NodePools for Spark, from ``karpenter/*.yaml`` and the configuration."""

from __future__ import annotations

from typing import Any

from spark_platform.config import KarpenterConfig, NodePoolConfig
from spark_platform.manifests import load_manifest

NODE_CLASS_FILE = "karpenter/ec2nodeclass-spark.yaml"
POOL_FILES = {
    "spark-driver": "karpenter/nodepool-spark-driver.yaml",
    "spark-executor": "karpenter/nodepool-spark-executor.yaml",
}

# The node label and taint that tie Spark pods to their pools (pod templates use these).
ROLE_LABEL = "spark-platform/role"
DRIVER_ROLE = "spark-driver"
EXECUTOR_ROLE = "spark-executor"

# Index of each configurable requirement in the YAML files' requirements lists.
_CAPACITY, _FAMILY, _SIZE = 2, 3, 4


def node_class_manifest(
    config: KarpenterConfig,
    *,
    ami_alias: str,
    cluster_name: str,
    instance_profile: str,
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``tags``: cost-allocation tags Karpenter puts on every instance, volume and network
    interface it launches (EC2NodeClass ``spec.tags``), next to its own karpenter.sh/nodepool."""
    manifest = load_manifest(
        NODE_CLASS_FILE,
        {
            ("spec", "amiSelectorTerms", 0, "alias"): ami_alias,
            ("spec", "instanceProfile"): instance_profile,
            ("spec", "subnetSelectorTerms", 0, "tags", "karpenter.sh/discovery"): cluster_name,
            ("spec", "securityGroupSelectorTerms", 0, "tags", "aws:eks:cluster-name"): cluster_name,
            ("spec", "metadataOptions", "httpPutResponseHopLimit"): config.imds_hop_limit,
            ("spec", "blockDeviceMappings", 0, "ebs", "volumeSize"): f"{config.root_volume_gib}Gi",
            ("spec", "kubelet", "maxPods"): config.max_pods,
        },
    )
    manifest["spec"]["tags"].update(tags or {})
    return manifest


def node_pool_manifest(name: str, pool: NodePoolConfig) -> dict[str, Any]:
    requirements = ("spec", "template", "spec", "requirements")
    return load_manifest(
        POOL_FILES[name],
        {
            (*requirements, _CAPACITY, "values"): list(pool.capacity_types),
            (*requirements, _FAMILY, "values"): list(pool.instance_families),
            (*requirements, _SIZE, "values"): list(pool.instance_sizes),
            ("spec", "template", "spec", "expireAfter"): pool.expire_after,
            ("spec", "template", "spec", "terminationGracePeriod"): pool.termination_grace_period,
            ("spec", "disruption", "consolidateAfter"): pool.consolidate_after,
            ("spec", "limits", "cpu"): pool.cpu_limit,
            ("spec", "limits", "memory"): f"{pool.memory_limit_gib}Gi",
        },
    )


def node_pool_manifests(config: KarpenterConfig) -> dict[str, dict[str, Any]]:
    """The Spark NodePools by name."""
    return {
        "spark-driver": node_pool_manifest("spark-driver", config.driver),
        "spark-executor": node_pool_manifest("spark-executor", config.executor),
    }

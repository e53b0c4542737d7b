"""Node objects as Karpenter registers them for a NodePool, and the system node group's nodes.

A node of a NodePool carries the pool's template labels and taints (taken from the NodePool
object the platform deploys) plus the well-known labels Karpenter sets from the instance it
launched ("Karpenter > Reference > Well-Known Labels"): arch, OS, capacity type, instance type,
family, size, zone and the pool's name. Its allocatable is what Karpenter computes for that
type (spark_platform.jobs.capacity); every node also runs the platform's DaemonSet pods.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from spark_platform.jobs.capacity import DAEMONSETS, InstanceShape

_names = itertools.count(1)


def pool_node(
    pool: Mapping[str, Any], shape: InstanceShape, *, capacity_type: str, max_pods: int, root_volume_gib: int, zone: str
) -> dict[str, Any]:
    template = pool["spec"]["template"]
    family, size = shape.name.split(".")
    allocatable = shape.allocatable(max_pods=max_pods, root_volume_gib=root_volume_gib)
    labels = {
        **template.get("metadata", {}).get("labels", {}),
        "kubernetes.io/arch": "arm64",
        "kubernetes.io/os": "linux",
        "karpenter.sh/capacity-type": capacity_type,
        "karpenter.sh/nodepool": pool["metadata"]["name"],
        "karpenter.sh/registered": "true",
        "karpenter.sh/initialized": "true",
        "node.kubernetes.io/instance-type": shape.name,
        "karpenter.k8s.aws/instance-family": family,
        "karpenter.k8s.aws/instance-size": size,
        "topology.kubernetes.io/zone": zone,
    }
    return _node(
        f"ip-10-0-{next(_names)}.twin", labels, template["spec"].get("taints", []), allocatable_of(allocatable)
    )


def system_node(
    labels: Mapping[str, str], taints: list[dict[str, str]], *, shape: InstanceShape, disk_gib: int
) -> dict[str, Any]:
    """A node of the managed system node group (its labels and taints from the template)."""
    allocatable = shape.allocatable(max_pods=shape.eni_pods, root_volume_gib=disk_gib)
    return _node(
        f"ip-10-1-{next(_names)}.twin",
        {
            **labels,
            "kubernetes.io/arch": "arm64",
            "kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": shape.name,
        },
        taints,
        allocatable_of(allocatable),
    )


def allocatable_of(resources) -> dict[str, str]:
    return {
        "cpu": f"{resources.cpu_milli}m",
        "memory": str(resources.memory_bytes),
        "ephemeral-storage": str(resources.ephemeral_bytes),
        "pods": str(resources.pods),
    }


def _node(
    name: str, labels: Mapping[str, str], taints: list[Mapping[str, Any]], allocatable: dict[str, str]
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {**labels, "kubernetes.io/hostname": name}},
        "spec": {"taints": [dict(taint) for taint in taints]},
        "status": {
            "capacity": dict(allocatable),
            "allocatable": dict(allocatable),
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
        },
    }


def daemonset_pods(node: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The DaemonSet pods on ``node`` (capacity.DAEMONSETS), bound directly as the DaemonSet
    controller does, so the scheduler counts their requests."""
    name = node["metadata"]["name"]

    def requests(cpu: int, memory: int) -> dict:
        values = {**({"cpu": f"{cpu}m"} if cpu else {}), **({"memory": f"{memory}Mi"} if memory else {})}
        return {"requests": values} if values else {}

    return [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"{app}-{name}", "namespace": "kube-system", "labels": {"app": app}},
            "spec": {
                "nodeName": name,
                "tolerations": [{"operator": "Exists"}],
                "containers": [{"name": app, "image": app, "resources": requests(cpu, memory)}],
            },
        }
        for app, _, cpu, memory in DAEMONSETS
    ]

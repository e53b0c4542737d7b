"""What a node of each instance type a NodePool allows can hold, the way Karpenter computes it.

Karpenter only launches an instance type whose *allocatable* resources (capacity minus what
kubelet, the OS and eviction keep back) hold a pending pod next to the DaemonSets of the
node. These are Karpenter 1.x's defaults for AL2023 (``pkg/providers/instancetype/types.go``
of aws/karpenter-provider-aws; documented under "Karpenter > Concepts > NodePools >
kubelet" and "EC2NodeClass > instanceStorePolicy"):

- memory capacity loses 64 MiB on arm64, then ``vmMemoryOverheadPercent`` (0.075);
- kube-reserved: CPU 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% of
  the rest; memory 11 MiB per pod + 255 MiB, counting the pods the instance's ENIs allow (not
  maxPods); 1 GiB of ephemeral storage;
- eviction-hard: 100 MiB of memory and 10% of the node file system;
- ephemeral storage is the RAID0 of the instance store on NVMe ("d") types and the root EBS
  volume on the others (the EC2NodeClass sets ``instanceStorePolicy: RAID0``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from spark_platform.config import ConfigError, NodePoolConfig

MIB = 1024 * 1024
GIB = 1024 * MIB


def gib(size_bytes: float) -> str:
    """Bytes in GiB, to a tenth, the way the settings are written: 256 GiB, 840.5 GiB."""
    return f"{round(size_bytes / GIB, 1):g} GiB"


ARM64_MEMORY_MIB = 64
VM_MEMORY_OVERHEAD = 0.075
EVICTION_MEMORY_MIB = 100
EVICTION_NODEFS_FRACTION = 0.10
KUBE_RESERVED_EPHEMERAL_GIB = 1

# The pods every Spark node runs besides Spark, and their requests (EKS managed add-on defaults):
# aws-node (VPC CNI, 25m) with its network-policy agent (25m), kube-proxy (100m), the EKS Pod
# Identity agent (no requests), and Container Insights' CloudWatch agent (250m, 128Mi: the
# amazon-cloudwatch-observability chart's agent.resources.requests; it tolerates every taint).
DAEMONSETS: tuple[tuple[str, str, int, int], ...] = (  # (name, namespace, cpu milli, memory MiB)
    ("aws-node", "kube-system", 50, 0),
    ("kube-proxy", "kube-system", 100, 0),
    ("eks-pod-identity-agent", "kube-system", 0, 0),
    ("cloudwatch-agent", "amazon-cloudwatch", 250, 128),
)
DAEMONSET_CPU_MILLI = sum(cpu for _, _, cpu, _ in DAEMONSETS)
DAEMONSET_MEMORY_MIB = sum(memory for _, _, _, memory in DAEMONSETS)
DAEMONSET_PODS = len(DAEMONSETS)


@dataclass(frozen=True)
class Resources:
    """Requests in the units the scheduler compares: millicores, bytes, pod slots."""

    cpu_milli: int
    memory_bytes: int
    ephemeral_bytes: int = 0
    pods: int = 1

    def __add__(self, other: Resources) -> Resources:
        return Resources(
            self.cpu_milli + other.cpu_milli,
            self.memory_bytes + other.memory_bytes,
            self.ephemeral_bytes + other.ephemeral_bytes,
            self.pods + other.pods,
        )

    def fits_in(self, other: Resources) -> bool:
        return (
            self.cpu_milli <= other.cpu_milli
            and self.memory_bytes <= other.memory_bytes
            and self.ephemeral_bytes <= other.ephemeral_bytes
            and self.pods <= other.pods
        )

    def short_of(self, other: Resources) -> list[tuple[str, str]]:
        """(resource, in words) of each resource of ``self`` that exceeds ``other``."""
        gaps = []
        if self.cpu_milli > other.cpu_milli:
            gaps.append(("cpu", f"cpu {self.cpu_milli / 1000:g} cores > {other.cpu_milli / 1000:g} cores"))
        if self.memory_bytes > other.memory_bytes:
            gaps.append(("memory", f"memory {gib(self.memory_bytes)} > {gib(other.memory_bytes)}"))
        if self.ephemeral_bytes > other.ephemeral_bytes:
            gaps.append(
                (
                    "ephemeral-storage",
                    f"ephemeral-storage {self.ephemeral_bytes / GIB:.0f} GiB > {other.ephemeral_bytes / GIB:.0f} GiB",
                )
            )
        return gaps


@dataclass(frozen=True)
class InstanceShape:
    name: str  # m7g.4xlarge
    vcpus: int
    memory_gib: float
    nvme_gb: float
    eni_pods: int  # ENIs x (IPv4 per ENI - 1) + 2

    def allocatable(self, *, max_pods: int, root_volume_gib: int) -> Resources:
        """What pods may request on a node of this type (before DaemonSets)."""
        cpu = self.vcpus * 1000
        memory_mib = self.memory_gib * 1024 - ARM64_MEMORY_MIB
        memory_mib -= math.ceil(memory_mib * VM_MEMORY_OVERHEAD)
        memory_mib -= 11 * self.eni_pods + 255 + EVICTION_MEMORY_MIB
        disk = self.nvme_gb * 1000**3 if self.nvme_gb else root_volume_gib * GIB
        disk_allocatable = disk - KUBE_RESERVED_EPHEMERAL_GIB * GIB - disk * EVICTION_NODEFS_FRACTION
        return Resources(
            cpu_milli=cpu - kube_reserved_cpu_milli(cpu),
            memory_bytes=int(memory_mib * MIB),
            ephemeral_bytes=int(disk_allocatable),
            pods=max_pods,
        )

    def free_for_spark(self, *, max_pods: int, root_volume_gib: int) -> Resources:
        """Allocatable minus the DaemonSets every node runs: what Spark pods can use."""
        allocatable = self.allocatable(max_pods=max_pods, root_volume_gib=root_volume_gib)
        return Resources(
            allocatable.cpu_milli - DAEMONSET_CPU_MILLI,
            allocatable.memory_bytes - DAEMONSET_MEMORY_MIB * MIB,
            allocatable.ephemeral_bytes,
            allocatable.pods - DAEMONSET_PODS,
        )


def kube_reserved_cpu_milli(cpu_milli: int) -> int:
    reserved = 0.0
    for start, end, share in ((0, 1000, 0.06), (1000, 2000, 0.01), (2000, 4000, 0.005), (4000, 1 << 31, 0.0025)):
        if cpu_milli > start:
            reserved += (min(cpu_milli, end) - start) * share
    return int(reserved)


@functools.cache
def _table() -> dict[str, Any]:
    text = resources.files("spark_platform.jobs").joinpath("instance_families.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def instance_shape(family: str, size: str) -> InstanceShape | None:
    """The shape of ``family.size``, or None when that size does not exist in the family."""
    table = _table()
    spec = table["families"].get(family)
    sizes = table["vcpus_by_size"]
    if spec is None or size not in sizes or sizes[size] > sizes[spec["largest"]]:
        return None
    vcpus = sizes[size]
    enis, addresses = table["enis_by_size"][size]
    return InstanceShape(
        name=f"{family}.{size}",
        vcpus=vcpus,
        memory_gib=vcpus * spec["memory_gib_per_vcpu"],
        nvme_gb=vcpus * spec["nvme_gb_per_vcpu"],
        eni_pods=enis * (addresses - 1) + 2,
    )


def pool_shapes(pool: NodePoolConfig, field_path: str) -> list[InstanceShape]:
    """Every instance type the pool's family and size requirements allow."""
    known = _table()["families"]
    for family in pool.instance_families:
        if family not in known:
            raise ConfigError(
                f"{field_path}.instance_families: {family!r} has no shape in spark_platform/jobs/instance_families.yaml "
                f"(known: {', '.join(sorted(known))}); pick one of those or add its memory per vCPU, largest size "
                "and NVMe there"
            )
    shapes = [
        shape
        for family in pool.instance_families
        for size in pool.instance_sizes
        if (shape := instance_shape(family, size)) is not None
    ]
    if not shapes:
        raise ConfigError(
            f"{field_path}.instance_sizes: none of {list(pool.instance_sizes)} exists in families {list(pool.instance_families)}"
        )
    return shapes

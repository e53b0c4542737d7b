"""Karpenter: the controller's version, the node class defaults and the Spark NodePools."""

from __future__ import annotations

import re
from dataclasses import field

from pydantic import StrictInt, StrictStr
from pydantic.dataclasses import dataclass

from spark_platform.config.errors import MODEL_CONFIG, check, check_duration, fail

_AMI_ALIAS = re.compile(r"^(al2023|bottlerocket)@(latest|v[0-9][0-9.]*)$")
_CHART_VERSION = re.compile(r"^1\.14\.[0-9]+$")
_FAMILY = re.compile(r"^[a-z]+[0-9]+[a-z-]*$")
CAPACITY_TYPES = ("spot", "on-demand")


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class NodePoolConfig:
    """One Karpenter NodePool for Spark pods."""

    instance_families: tuple[StrictStr, ...]
    """Graviton instance families the pool may launch (``m7g``, ``c8g``, ``r7gd``; a ``d`` family
    brings NVMe for shuffle). More families give spot deeper pools."""
    capacity_types: tuple[StrictStr, ...]
    """``spot`` and/or ``on-demand``. The driver pool is on-demand only: a reclaimed spot node
    would kill the whole job."""
    instance_sizes: tuple[StrictStr, ...] = ("xlarge", "2xlarge", "4xlarge", "8xlarge")
    """Instance sizes the pool may launch."""
    cpu_limit: StrictInt = 1000
    """Most vCPUs the pool's nodes may add up to (NodePool ``limits.cpu``); at least 1."""
    memory_limit_gib: StrictInt = 4000
    """Most memory in GiB the pool's nodes may add up to (``limits.memory``); at least 1."""
    consolidate_after: StrictStr = "5m"
    """How long a node stays empty or underused before Karpenter consolidates it (a duration
    such as ``30s``, ``5m``, ``1h``)."""
    expire_after: StrictStr = "168h"
    """Node lifetime before Karpenter replaces it (a duration, or ``Never``). Expiry is forceful:
    it ignores the pool's disruption budgets and ``do-not-disrupt`` (Karpenter "Disruption",
    Expiration), so an expired node drains at once: its executors are evicted (Spark
    decommissions them), its drivers and job runners are deleted after
    ``termination_grace_period`` if still running."""
    termination_grace_period: StrictStr = "24h"
    """How long a node being expired or drifted waits for pods that may not be disrupted (a
    running driver) before they are evicted (a duration)."""

    def validate(self, field_path: str, *, arm64: bool) -> None:
        """Check the pool (Graviton families only when ``arm64``); errors name ``field_path``."""
        if not self.instance_families:
            fail(f"{field_path}.instance_families", "list at least one instance family")
        for family in self.instance_families:
            if not _FAMILY.match(family):
                fail(f"{field_path}.instance_families", f"{family!r} is not an instance family such as m7g")
            if arm64 and not re.match(r"^[a-z]+[0-9]+g", family):
                fail(f"{field_path}.instance_families", f"{family!r} is not a Graviton (arm64) family such as m7g")
        if not self.instance_sizes:
            fail(f"{field_path}.instance_sizes", "list at least one instance size, e.g. 2xlarge")
        if not self.capacity_types or not set(self.capacity_types) <= set(CAPACITY_TYPES):
            fail(
                f"{field_path}.capacity_types",
                f"{list(self.capacity_types)} must be a non-empty subset of {list(CAPACITY_TYPES)}",
            )
        for name in ("cpu_limit", "memory_limit_gib"):
            if getattr(self, name) < 1:
                fail(
                    f"{field_path}.{name}",
                    f"{getattr(self, name)} must be positive (the pool's total across its nodes)",
                )
        check_duration(f"{field_path}.consolidate_after", self.consolidate_after)
        check_duration(f"{field_path}.expire_after", self.expire_after, allow_never=True)
        check_duration(f"{field_path}.termination_grace_period", self.termination_grace_period)


def _driver_pool() -> NodePoolConfig:
    # General-purpose Graviton: a driver needs a few cores and steady memory, not bursts.
    return NodePoolConfig(
        instance_families=("m7g", "m8g", "m6g"),
        capacity_types=("on-demand",),
        instance_sizes=("large", "xlarge", "2xlarge", "4xlarge"),
        cpu_limit=256,
        memory_limit_gib=1024,
        consolidate_after="5m",
        expire_after="720h",
        termination_grace_period="24h",
    )


def _executor_pool() -> NodePoolConfig:
    # Many families and sizes so spot can pick from deep pools; "d" types bring NVMe for shuffle.
    return NodePoolConfig(
        instance_families=(
            "c6g",
            "c7g",
            "c8g",
            "m6g",
            "m7g",
            "m8g",
            "r6g",
            "r7g",
            "r8g",
            "c6gd",
            "c7gd",
            "m6gd",
            "m7gd",
            "r6gd",
            "r7gd",
        ),
        capacity_types=("spot", "on-demand"),
        instance_sizes=("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
        cpu_limit=2000,
        memory_limit_gib=8000,
        consolidate_after="10m",
        expire_after="24h",
        termination_grace_period="1h",
    )


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class KarpenterConfig:
    """Karpenter: controller version, node class defaults and the Spark NodePools."""

    chart_version: StrictStr = "1.14.1"
    """The Karpenter Helm chart, a 1.14.x release (the CRD schemas the tests check against)."""
    ami_alias: StrictStr | None = None
    """The EC2NodeClass AMI alias, ``al2023@<version>`` or ``bottlerocket@<version>``. Null: AL2023
    pinned to the AMI release reviewed for the cluster's Kubernetes version
    (spark_platform/kubernetes_versions.py). ``@latest`` drifts every node, running executors
    included, on each AMI release (Karpenter "Managing AMIs": pre-production only); synth warns."""
    root_volume_gib: StrictInt = 150
    """Root EBS volume of Spark nodes in GiB, between 20 and 16000. It holds one executor's local
    dirs (80 GiB by default) next to the images on types without NVMe; ``d`` types keep pods and
    images on their instance store (RAID0) instead."""
    imds_hop_limit: StrictInt = 1
    """IMDSv2 hop limit: 1 keeps containers away from the instance metadata service and the node
    role (jobs get credentials from their execution role); 2 lets pods reach it."""
    max_pods: StrictInt = 110
    """Pods per Spark node (kubelet ``maxPods``), between 10 and 737."""
    driver: NodePoolConfig = field(default_factory=_driver_pool)
    """The NodePool for Spark drivers and job runners: on-demand general purpose Graviton. Fields
    given here change only those; the rest keep the pool's defaults below."""
    executor: NodePoolConfig = field(default_factory=_executor_pool)
    """The NodePool for executors: spot first, many families and sizes. Fields given here change
    only those; the rest keep the pool's defaults below."""

    def __post_init__(self) -> None:
        with check():  # one group: every_problem reports the other sections too
            if not _CHART_VERSION.match(self.chart_version):
                fail(
                    "karpenter.chart_version",
                    f"{self.chart_version!r} is not a 1.14.x release (the CRD schemas tested here)",
                )
            if self.ami_alias is not None and not _AMI_ALIAS.match(self.ami_alias):
                fail(
                    "karpenter.ami_alias",
                    f"{self.ami_alias!r} must be al2023@<version|latest> or bottlerocket@<version|latest>",
                )
            if not 20 <= self.root_volume_gib <= 16000:
                fail("karpenter.root_volume_gib", f"{self.root_volume_gib} must be between 20 and 16000")
            if self.imds_hop_limit not in (1, 2):
                fail(
                    "karpenter.imds_hop_limit",
                    f"{self.imds_hop_limit} must be 1 (pods blocked) or 2 (pods may reach IMDS)",
                )
            if not 10 <= self.max_pods <= 737:
                fail("karpenter.max_pods", f"{self.max_pods} must be between 10 and 737")
            self.driver.validate("karpenter.driver", arm64=True)
            self.executor.validate("karpenter.executor", arm64=True)
            if tuple(self.driver.capacity_types) != ("on-demand",):
                fail(
                    "karpenter.driver.capacity_types",
                    f"{list(self.driver.capacity_types)}: drivers must run on on-demand only; a reclaimed spot node kills the whole job",
                )

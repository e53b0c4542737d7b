"""Which instance type Karpenter launches for pending pods, and how many pods a node holds.

Karpenter ("Concepts > Scheduling" and "NodePools", karpenter.sh docs) packs pending pods into
a new NodeClaim for as long as some instance type the NodePool allows still holds them all
(allocatable after kubelet and system reservations and the node's DaemonSets,
``InstanceShape.free_for_spark``), then launches the cheapest of the types left: lowest price
for on-demand, price-capacity-optimized for spot (modelled as lowest price). For ``count``
identical pods that is: nodes of the type holding the most such pods, then the cheapest type
holding the remainder.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from spark_platform.config import NodePoolConfig
from spark_platform.jobs.capacity import InstanceShape, Resources, pool_shapes
from spark_platform.planner.prices import PriceTable


@dataclass(frozen=True)
class NodeType:
    shape: InstanceShape
    free: Resources  # what Spark pods may request on one node of this type
    capacity_type: str  # the cheapest capacity type the pool allows: spot, else on-demand
    usd_per_hour: float


def fits(free: Resources, pod: Resources) -> int:
    """How many ``pod`` fit in ``free``."""
    counts = [free.pods // pod.pods if pod.pods else 1 << 30]
    for have, need in (
        (free.cpu_milli, pod.cpu_milli),
        (free.memory_bytes, pod.memory_bytes),
        (free.ephemeral_bytes, pod.ephemeral_bytes),
    ):
        if need:
            counts.append(max(have, 0) // need)
    return min(counts)


class PoolModel:
    """One Spark NodePool: its instance types with their room and price, and its limits."""

    def __init__(self, name: str, pool: NodePoolConfig, *, max_pods: int, root_volume_gib: int, prices: PriceTable):
        self.name = name
        self.capacity_type = "spot" if "spot" in pool.capacity_types else "on-demand"
        self.cpu_limit_milli = pool.cpu_limit * 1000
        self.memory_limit_bytes = pool.memory_limit_gib * 1024**3
        self.consolidate_after = duration_minutes(pool.consolidate_after)
        self.types = [
            NodeType(
                shape,
                shape.free_for_spark(max_pods=max_pods, root_volume_gib=root_volume_gib),
                self.capacity_type,
                prices.hourly(shape.name, self.capacity_type),
            )
            for shape in pool_shapes(pool, f"karpenter.{name}")
        ]

    @functools.cache  # noqa: B019 - one model per plan, few distinct pod shapes
    def launch_plan(self, pod: Resources, count: int) -> tuple[tuple[NodeType, int], ...]:
        """The nodes Karpenter launches for ``count`` pending ``pod``: (type, pods on it) each."""
        capacity = [(node_type, fits(node_type.free, pod)) for node_type in self.types]
        most = max(n for _, n in capacity)
        if most == 0:
            return ()
        plan = []
        remaining = count
        while remaining:
            batch = min(remaining, most)
            cheapest = min(
                (item for item in capacity if item[1] >= batch),
                key=lambda item: (item[0].usd_per_hour, item[0].shape.vcpus, item[0].shape.name),
            )
            # Identical full nodes repeat; compute once and multiply.
            repeat = remaining // batch if batch == most else 1
            plan.extend([(cheapest[0], batch)] * repeat)
            remaining -= batch * repeat
        return tuple(plan)

    def efficiency(self, pod: Resources, count: int) -> dict[str, float | str]:
        """Requested / allocatable on the nodes launched for ``count`` ``pod`` on an empty pool."""
        plan = self.launch_plan(pod, count)
        cpu = sum(node_type.free.cpu_milli for node_type, _ in plan) or 1
        memory = sum(node_type.free.memory_bytes for node_type, _ in plan) or 1
        return {
            "instance_types": ", ".join(sorted({node_type.shape.name for node_type, _ in plan})),
            "cpu": round(pod.cpu_milli * count / cpu, 3),
            "memory": round(pod.memory_bytes * count / memory, 3),
        }


def duration_minutes(text: str) -> int:
    """A Karpenter duration (``5m``, ``1h``, ``30s``, ``Never``) in whole minutes."""
    if text == "Never":
        return 1 << 30
    total = 0.0
    number = ""
    for char in text:
        if char.isdigit() or char == ".":
            number += char
        else:
            total += float(number) * {"h": 60, "m": 1, "s": 1 / 60}[char]
            number = ""
    return max(0, round(total))

"""From YARN-era executors to executors that pack the platform's Graviton pools.

On EMR on EC2 an executor was sized to fit YARN's containers on the cluster's instance type.
On the platform it becomes a pod (heap + Spark's memory overhead + EMR's log shipper, plus the
team's local-dir request), and Karpenter picks the cheapest Graviton type that holds the pods.
The refit keeps what the job computed with, its total executor cores and at least its heap per
core, and chooses cores per executor and heap so that the executors' nodes cost the least: the
platform's own fit model builds each candidate's pod (``jobs.pipelines.one_executor_pods``,
``jobs.fit.pod_requests``) and the planner's Karpenter model packs them (``PoolModel.launch_plan``).
Among candidates that cost the same, the one with the most heap wins (it uses memory the nodes
have anyway), then the cores nearest the source's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from spark_platform.config import PlatformConfig, TeamConfig
from spark_platform.jobs.emr_pods import JobSpec
from spark_platform.jobs.fit import pod_requests
from spark_platform.jobs.pipelines import one_executor_pods
from spark_platform.jobs.team_objects import team_objects
from spark_platform.planner.packing import PoolModel
from spark_platform.planner.plan import pool_models
from spark_platform.planner.prices import price_table

MIN_HEAP_STEP_MIB = 256
MAX_REFIT_CORES = 8  # wider executors pack no better on 2-, 4- and 8-GiB-per-vCPU types


@dataclass(frozen=True)
class Executors:
    count: int
    cores: int
    heap_mib: int

    @property
    def total_cores(self) -> int:
        return self.count * self.cores


def size_text(mib: int) -> str:
    """A size the pipelines model accepts: whole gibibytes as ``Ng``, else ``Nm``."""
    return f"{mib // 1024}g" if mib % 1024 == 0 else f"{mib}m"


def _executor_pool(config: PlatformConfig) -> PoolModel:
    return pool_models(config, price_table(config.environment.region))["executor"]


def _limit_range(team: TeamConfig) -> dict:
    return next(obj for obj in team_objects(team)[2] if obj["kind"] == "LimitRange")


def refit(config: PlatformConfig, team: TeamConfig, base: JobSpec, source: Executors) -> tuple[Executors, float]:
    """The executors that cost least per hour on the executor pool, and that hourly cost."""
    pool = _executor_pool(config)
    limit_range = _limit_range(team)
    heap_per_core = source.heap_mib / source.cores
    best: tuple[tuple, Executors, float] | None = None
    for cores in range(1, min(MAX_REFIT_CORES, team.quota.max_container_cpu) + 1):
        count = math.ceil(source.total_cores / cores)
        floor = math.ceil(heap_per_core * cores / MIN_HEAP_STEP_MIB) * MIN_HEAP_STEP_MIB
        step = max(MIN_HEAP_STEP_MIB, floor // 16 // MIN_HEAP_STEP_MIB * MIN_HEAP_STEP_MIB)
        for heap in range(floor, 2 * floor + 1, step):
            spec = replace(base, executors=1, executor_cores=cores, executor_memory=size_text(heap))
            pod = pod_requests(one_executor_pods(team, spec).executors[0], limit_range)
            plan = pool.launch_plan(pod, count)
            if not plan:
                break  # larger heaps fit no node either
            hourly = sum(node_type.usd_per_hour for node_type, _ in plan)
            rank = (round(hourly, 4), -heap * count, abs(cores - source.cores), cores)
            if best is None or rank < best[0]:
                best = (rank, Executors(count, cores, heap), hourly)
    if best is None:
        return source, 0.0
    return best[1], best[2]


def source_hourly(config: PlatformConfig, team: TeamConfig, base: JobSpec, source: Executors) -> float | None:
    """What the source's own executor shape costs per hour on the pool (None: fits no node)."""
    spec = replace(base, executors=1, executor_cores=source.cores, executor_memory=size_text(source.heap_mib))
    pod = pod_requests(one_executor_pods(team, spec).executors[0], _limit_range(team))
    plan = _executor_pool(config).launch_plan(pod, source.count)
    return sum(node_type.usd_per_hour for node_type, _ in plan) if plan else None

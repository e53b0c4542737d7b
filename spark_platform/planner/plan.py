"""The day's plan of a platform configuration: the simulation's figures, and what overflows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spark_platform.config import PlatformConfig
from spark_platform.jobs.fit import quantity
from spark_platform.jobs.team_objects import team_objects
from spark_platform.planner.packing import PoolModel
from spark_platform.planner.prices import PriceTable, price_table
from spark_platform.planner.simulate import Metrics, Simulation
from spark_platform.planner.workload import MINUTES_PER_DAY, PlannedPipeline, plan_pipelines


@dataclass
class DayPlan:
    summary: dict[str, Any]
    metrics: Metrics
    pipelines: list[PlannedPipeline]
    problems: list[str]


def pool_models(config: PlatformConfig, prices: PriceTable) -> dict[str, PoolModel]:
    karpenter = config.karpenter
    return {
        name: PoolModel(
            name, pool, max_pods=karpenter.max_pods, root_volume_gib=karpenter.root_volume_gib, prices=prices
        )
        for name, pool in (("driver", karpenter.driver), ("executor", karpenter.executor))
    }


def team_quotas(config: PlatformConfig) -> dict[str, tuple[int, int, int, int]]:
    quotas = {}
    for team in config.teams:
        hard = next(obj for obj in team_objects(team)[2] if obj["kind"] == "ResourceQuota")["spec"]["hard"]
        quotas[team.name] = (
            round(quantity(hard["requests.cpu"]) * 1000),
            int(quantity(hard["requests.memory"])),
            int(quantity(hard["limits.memory"])),
            int(quantity(hard["pods"])),
        )
    return quotas


def simulate_day(
    config: PlatformConfig, *, stagger: bool = True, pipelines: list | None = None, prices: PriceTable | None = None
) -> DayPlan:
    prices = prices or price_table(config.environment.region)
    pools = pool_models(config, prices)
    planned = plan_pipelines(config, stagger=stagger, pipelines=pipelines)
    zones = len(config.environment.availability_zones)
    simulation = Simulation(
        pools,
        zones=zones,
        warm_prefixes=config.cluster.warm_prefix_target,
        quotas=team_quotas(config),
        system_nodes=config.system_nodes.desired_size,
    )
    metrics = simulation.run(planned)
    summary = _summary(config, metrics, planned, pools, prices, zones)
    return DayPlan(summary, metrics, planned, _problems(summary, metrics))


def _summary(config, m: Metrics, planned, pools, prices: PriceTable, zones: int) -> dict[str, Any]:
    capacity = config.network.pod_ip_capacity(zones)
    by_zone = [max(minute[z] for minute in m.pod_ips_by_zone) for z in range(zones)]
    quotas = {team.name: team.quota for team in config.teams}
    efficiency = {}
    for pipeline in planned:
        for job in pipeline.jobs:
            executors = next(g for g in job.shape.groups if g.pool == "executor")
            efficiency[job.name] = pools["executor"].efficiency(executors.requests, executors.count)
    runs = {dag_id: round(sum(costs) / len(costs), 4) for dag_id, costs in sorted(m.cost_by_pipeline_run.items())}
    attributed = sum(sum(costs) for costs in m.cost_by_pipeline_run.values())
    return {
        "region": config.environment.region,
        "minutes_simulated": len(m.nodes),
        "pipelines": len(planned),
        "job_runs": sum(len(p.starts) * len(p.jobs) for p in planned),
        "peak_pod_ips": max(sum(minute) for minute in m.pod_ips_by_zone),
        "pod_ip_capacity": capacity,
        "peak_pod_ips_by_zone": dict(zip(config.environment.availability_zones, by_zone, strict=True)),
        "pod_ip_capacity_by_zone": capacity // zones,
        "peak_nodes": max(m.nodes),
        "peak_nodes_by_type": dict(sorted((k, v) for k, v in m.peak_nodes_by_type.items() if v)),
        "node_hours_by_type": {k: round(v / 60, 1) for k, v in sorted(m.node_minutes_by_type.items())},
        "peak_vcpu_by_pool": {name: max(series) for name, series in m.vcpu_by_pool.items()},
        "vcpu_limit_by_pool": {name: pool.cpu_limit_milli // 1000 for name, pool in pools.items()},
        "peak_memory_gib_by_pool": {name: round(max(series), 1) for name, series in m.memory_gib_by_pool.items()},
        "memory_limit_gib_by_pool": {name: pool.memory_limit_bytes // 1024**3 for name, pool in pools.items()},
        "peak_cpu_by_team": {team: round(max(series), 2) for team, series in sorted(m.team_cpu.items())},
        "cpu_quota_by_team": {team: quota.cpu for team, quota in sorted(quotas.items())},
        "queued_job_minutes": sum(m.queued_minutes.values()),
        "queued_minutes_by_reason": dict(sorted(m.queued_minutes.items())),
        "queued_minutes_by_job": dict(sorted(m.queued_by_job.items())),
        "never_started": m.never_started,
        "cost_per_day_usd": round(m.cost_usd, 2),
        "cost_attributed_to_runs_usd": round(attributed, 2),
        "cost_per_pipeline_run_usd": runs,
        # Requested vCPU x time per team, the team dashboards' vCPU-hours (observability/cost.py).
        "vcpu_hours_by_team": {team: round(hours, 2) for team, hours in sorted(m.vcpu_hours_by_team.items())},
        "cost_by_team_usd": {team: round(cost, 2) for team, cost in sorted(m.cost_by_team.items())},
        "packing_efficiency_by_job": efficiency,
        "capacity_types": {name: pool.capacity_type for name, pool in pools.items()},
        "prices": prices.describe(),
    }


def _problems(summary: dict[str, Any], m: Metrics) -> list[str]:
    """What makes ``--check`` fail: one line per limit the day's peak exceeds."""
    problems = []
    for zone, peak in summary["peak_pod_ips_by_zone"].items():
        if peak > summary["pod_ip_capacity_by_zone"]:
            problems.append(
                f"pod IPs: {zone} needs {peak} but its pod subnet holds {summary['pod_ip_capacity_by_zone']}; "
                "stagger the pipelines, shrink executors or widen network.pod_cidr"
            )
    for reason, minutes in sorted(m.queued_minutes.items()):
        kind, name = reason.split(":", 1)
        fix = {
            "quota": f"raise teams[{name}].quota or spread its pipelines",
            "nodepool": f"raise karpenter.{name}.cpu_limit/memory_limit_gib or spread the pipelines",
            "fits-no-node": f"allow larger karpenter.{name}.instance_sizes",
        }[kind]
        problems.append(f"{kind} {name}: jobs waited {minutes} job-minutes; {fix}")
    if summary["never_started"]:
        problems.append(
            f"jobs never started within {3 * MINUTES_PER_DAY} minutes: {', '.join(summary['never_started'][:5])}"
        )
    return problems

"""The after: the planner's day of the translated pipelines, plus the EMR on EKS price.

The planner (``python -m spark_platform.planner``) simulates the team's migrated pipelines on
the platform's pools exactly as ``make plan`` does: Karpenter's cheapest node types, spot for
executors, node minutes at the dated price table. EMR on EKS adds its own price per vCPU-hour
and GB-hour the job's pods request, from the dated table next to the EMR-on-EC2 prices.
Shared platform costs (the EKS control plane, system nodes, NAT gateways, MWAA) are not
attributed to the migrated pipelines, as the source cluster's share of Airflow is not either.
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from spark_platform.config import PlatformConfig
from spark_platform.jobs.capacity import GIB
from spark_platform.jobs.pipelines import check_pipelines
from spark_platform.migrate.source_cost import emr_on_ec2_table
from spark_platform.planner.plan import simulate_day


@dataclass
class After:
    cost_per_day_usd: float  # nodes + EMR on EKS
    node_cost_per_day_usd: float
    emr_on_eks_per_day_usd: float
    cost_per_run_usd: dict[str, float]  # dag_id: nodes attributed to the run + EMR on EKS
    runs_per_day: dict[str, int]
    peak_nodes: int
    node_types: dict[str, int]
    prices: dict
    problems: list[str]


def _with_pipelines(config: PlatformConfig, directory: Path) -> PlatformConfig:
    orchestration = dataclasses.replace(config.orchestration, pipelines_dir=str(directory))
    return dataclasses.replace(config, orchestration=orchestration)


def checked_pipelines(config: PlatformConfig, document: dict, team: str):
    """The translated pipelines exactly as ``cdk synth`` checks them (raises ConfigError)."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / f"{team}.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return check_pipelines(_with_pipelines(config, Path(folder)))


def after_cost(config: PlatformConfig, document: dict, team: str) -> After:
    pipelines = checked_pipelines(config, document, team)
    plan = simulate_day(config, pipelines=pipelines)
    table = emr_on_ec2_table()
    vcpu_rate = table["emr_on_eks_usd_per_vcpu_hour_assumed"]
    gb_rate = table["emr_on_eks_usd_per_gb_hour_assumed"]
    fee_per_run: dict[str, float] = {}
    runs: dict[str, int] = {}
    for pipeline in plan.pipelines:
        fee = 0.0
        for job in pipeline.jobs:
            for group in job.shape.groups:
                hourly = group.requests.cpu_milli / 1000 * vcpu_rate + group.requests.memory_bytes / GIB * gb_rate
                fee += group.count * hourly * job.minutes / 60
        fee_per_run[pipeline.dag_id] = fee
        runs[pipeline.dag_id] = len(pipeline.starts)
    summary = plan.summary
    fee_per_day = sum(fee_per_run[dag_id] * runs[dag_id] for dag_id in runs)
    per_run = {
        dag_id: summary["cost_per_pipeline_run_usd"].get(dag_id, 0.0) + fee_per_run[dag_id] for dag_id in fee_per_run
    }
    return After(
        cost_per_day_usd=summary["cost_per_day_usd"] + fee_per_day,
        node_cost_per_day_usd=summary["cost_per_day_usd"],
        emr_on_eks_per_day_usd=fee_per_day,
        cost_per_run_usd=per_run,
        runs_per_day=runs,
        peak_nodes=summary["peak_nodes"],
        node_types=summary["peak_nodes_by_type"],
        prices=summary["prices"],
        problems=plan.problems,
    )

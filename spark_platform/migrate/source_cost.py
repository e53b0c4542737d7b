"""The before: what the EMR-on-EC2 cluster costs per run and per day, and how long a run waits.

A cluster that ends with its steps (RunJobFlow KeepJobFlowAliveWhenNoSteps false, an idle
timeout, describe-cluster AutoTerminate, or a DAG that terminates it) is transient: every run
pays for provisioning plus its steps (plus the idle timeout when that is what ends it). Any
other cluster is always on: 24 hours a day. Each node costs its EC2 price (spot: the planner's
assumed fraction of on-demand) plus the EMR price, per second (EMR and EC2 both bill per second
with a one-minute minimum, "Amazon EMR pricing").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from spark_platform.jobs.dag_package import pipeline_model
from spark_platform.migrate.model import SourceError, Workflow
from spark_platform.planner.prices import price_table

TABLE = "emr-on-ec2-us-east-1.yaml"
# The seed team's measured average: "the previous 15-minute average for cluster spin-up alone".
ASSUMED_PROVISIONING_MINUTES = 15.0


@functools.cache
def emr_on_ec2_table() -> dict[str, Any]:
    text = resources.files("spark_platform.jobs").joinpath("prices", TABLE).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def instance_shapes() -> dict[str, dict[str, Any]]:
    return emr_on_ec2_table()["instance_types"]


@dataclass
class Before:
    transient: bool
    runs_per_day: float
    provisioning_minutes: float
    provisioning_measured: bool
    run_minutes: float  # billed cluster minutes per run (transient)
    hourly_usd: float  # every node, EC2 + EMR
    cost_per_run_usd: float
    cost_per_day_usd: float
    nodes: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)


def hourly_price(instance_type: str, market: str, where: str) -> tuple[float, float, bool]:
    """(EC2, EMR) USD per hour of one node, and whether the EMR figure is the assumed fraction."""
    table = emr_on_ec2_table()
    row = table["instance_types"].get(instance_type)
    if row is None:
        raise SourceError(
            f"{where}: {instance_type} has no price in spark_platform/jobs/prices/{TABLE}; add its vCPUs, memory and "
            "EC2 price there (with the source), or pass a cluster of supported types"
        )
    ec2 = row["ec2"] * (price_table(table["region"]).spot_fraction if market == "SPOT" else 1)
    listed = "emr" in row
    emr = row["emr"] if listed else row["ec2"] * table["emr_fraction_of_on_demand_assumed"]
    return ec2, emr, not listed


def before_cost(workflow: Workflow, runs_per_day: float) -> Before:
    cluster = workflow.cluster
    if cluster is None:
        raise SourceError(
            f"{', '.join(workflow.sources)}: no cluster (RunJobFlow request, describe-cluster output or a DAG's "
            "job_flow_overrides); the before-cost needs its nodes: pass the cluster too"
        )
    assumptions = []
    hourly = 0.0
    nodes = []
    for group in cluster.groups:
        ec2, emr, assumed = hourly_price(group.instance_type, group.market, f"{cluster.where}: {group.role}")
        hourly += group.count * (ec2 + emr)
        nodes.append(
            f"{group.count} x {group.instance_type} {group.role.lower()} {group.market.lower().replace('_', '-')}: "
            f"EC2 {ec2:.4f} + EMR {emr:.4f} USD/h{' (EMR assumed 25% of EC2)' if assumed else ''}"
        )
        if group.market == "SPOT":
            assumptions.append(f"{group.instance_type} spot priced at the planner's assumed fraction of on-demand")
    transient = bool(
        workflow.terminated_per_run or cluster.terminates_after_steps or cluster.idle_timeout_minutes is not None
    )
    measured = cluster.provisioning_minutes is not None
    provisioning = cluster.provisioning_minutes if measured else ASSUMED_PROVISIONING_MINUTES
    if not measured:
        assumptions.append(
            f"provisioning {ASSUMED_PROVISIONING_MINUTES:g} minutes per cluster start (the seed team's average; "
            "describe-cluster's Status.Timeline gives the measured figure)"
        )
    default = pipeline_model().DEFAULT_EXPECTED_MINUTES
    step_minutes = sum(step.minutes if step.minutes is not None else default for step in workflow.steps)
    if any(step.minutes is None for step in workflow.steps):
        assumptions.append(f"a step without a measured run time takes {default} minutes (the planner's default)")
    idle = (
        cluster.idle_timeout_minutes or 0.0
        if not (workflow.terminated_per_run or cluster.terminates_after_steps)
        else 0.0
    )
    run_minutes = max(1.0, provisioning + step_minutes + idle)
    if transient:
        per_run = hourly * run_minutes / 60
        per_day = per_run * runs_per_day
    else:
        per_day = hourly * 24
        per_run = per_day / runs_per_day if runs_per_day else per_day
        assumptions.append("always-on cluster: every node billed 24 hours a day, shared by the day's runs")
    return Before(
        transient=transient,
        runs_per_day=runs_per_day,
        provisioning_minutes=provisioning,
        provisioning_measured=measured,
        run_minutes=run_minutes,
        hourly_usd=hourly,
        cost_per_run_usd=per_run,
        cost_per_day_usd=per_day,
        nodes=nodes,
        assumptions=assumptions,
    )

"""The capacity planner's simulation: schedules, pods, packing, pod IPs, limits, quotas, cost."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from spark_platform.config import ConfigError, from_mapping, sandbox_config
from spark_platform.jobs.capacity import GIB, MIB, Resources
from spark_platform.jobs.dag_package import pipeline_model
from spark_platform.jobs.fit import pod_requests
from spark_platform.jobs.pipelines import check_pipelines, job_spec, one_executor_pods
from spark_platform.jobs.team_objects import QUOTA_ONLY, namespace_manifests
from spark_platform.planner.packing import fits
from spark_platform.planner.plan import pool_models, simulate_day
from spark_platform.planner.prices import price_table
from spark_platform.planner.simulate import Simulation
from spark_platform.planner.synthetic import synthetic_platform
from spark_platform.planner.workload import (
    JobShape,
    PlannedJob,
    PlannedPipeline,
    PodGroup,
    ScheduleError,
    cron_minutes,
    plan_pipelines,
    start_minutes,
)

REQUIRED = (
    "peak_pod_ips",
    "pod_ip_capacity",
    "peak_nodes",
    "peak_vcpu_by_pool",
    "vcpu_limit_by_pool",
    "queued_job_minutes",
    "cost_per_day_usd",
    "packing_efficiency_by_job",
)


@pytest.fixture(scope="module")
def sandbox_plan():
    return simulate_day(sandbox_config())


def generated(tmp_path: Path, **settings):
    return from_mapping(synthetic_platform(tmp_path / "pipelines", **settings))


def test_the_sandbox_day_reports_every_required_figure_within_its_limits(sandbox_plan):
    summary = sandbox_plan.summary
    assert set(REQUIRED) <= set(summary)
    assert summary["pod_ip_capacity"] == sandbox_config().network.pod_ip_capacity(3) == 49056
    assert 0 < summary["peak_pod_ips"] <= summary["pod_ip_capacity"]
    for pool, peak in summary["peak_vcpu_by_pool"].items():
        assert 0 < peak <= summary["vcpu_limit_by_pool"][pool]
    assert summary["queued_job_minutes"] == 0 and sandbox_plan.problems == []
    # ingestion's hourly pipeline runs 24 times, analytics' daily one once: 2 x 24 + 3 job runs,
    # plus the shadow run of sessions on the Spark 4 runtime, which the day holds capacity for.
    assert summary["job_runs"] == 2 * 24 + 3 + 1
    assert set(summary["cost_per_pipeline_run_usd"]) == {"analytics__daily_marts", "ingestion__hourly_upserts"}
    assert summary["cost_per_day_usd"] >= summary["cost_attributed_to_runs_usd"] > 0


def test_a_running_job_holds_exactly_the_pods_emr_creates_with_their_admitted_requests():
    config = sandbox_config()
    (pipeline,) = [p for p in check_pipelines(config) if p.id == "daily_marts"]
    team = config.teams[0]
    spec = job_spec(pipeline, pipeline.jobs[0])  # sessions: 20 PySpark executors of 4 cores, 16g
    shape = plan_pipelines(config, pipelines=[pipeline])[0].jobs[0].shape
    limit_range = next(o for o in namespace_manifests(team, kubernetes_version=QUOTA_ONLY) if o["kind"] == "LimitRange")
    pods = one_executor_pods(team, spec)
    assert [(g.pool, g.count) for g in shape.groups] == [("driver", 1), ("driver", 1), ("executor", 20)]
    assert [g.requests for g in shape.groups] == [
        pod_requests(pod, limit_range) for pod in (pods.job_runner, pods.driver, pods.executors[0])
    ]
    executor = shape.groups[2].requests
    # 16g + 40% PySpark overhead, plus EMR's 512Mi log shipper; 80Gi local dir + 1Gi logs.
    assert executor.memory_bytes == (16384 + 6553 + 512) * MIB
    assert executor.cpu_milli == 4000 + 100  # the shipper's CPU comes from the LimitRange default
    assert executor.ephemeral_bytes == 81 * GIB


def test_schedules_follow_the_dag_factory_staggered_or_all_at_minute_zero():
    config = sandbox_config()
    pipelines = {p.id: p for p in check_pipelines(config)}
    hourly = start_minutes(pipelines["hourly_upserts"])
    assert len(hourly) == 24 and len({m % 60 for m in hourly}) == 1
    assert start_minutes(pipelines["hourly_upserts"], stagger=False) == list(range(0, 1440, 60))
    (daily,) = start_minutes(pipelines["daily_marts"])
    assert daily // 60 == 2
    assert start_minutes(pipelines["daily_marts"], stagger=False) == [120]


def test_cron_expressions_expand_to_minutes_of_the_day_and_bad_ones_name_the_pipeline():
    assert cron_minutes("*/15 2-3 * * *", "p") == [120, 135, 150, 165, 180, 195, 210, 225]
    assert cron_minutes("5,35 0 * * 1", "p") == [5, 35]
    with pytest.raises(ScheduleError, match=r"^pipelines: x.schedule: '61 \* \* \* \*'"):
        cron_minutes("61 * * * *", "pipelines: x.schedule")


def test_karpenter_launches_the_cheapest_type_that_holds_the_pending_pods():
    pools = pool_models(sandbox_config(), price_table("eu-west-1"))
    executors = pools["executor"]
    pod = Resources(4100, (16384 + 6553 + 512) * MIB, 81 * GIB, 1)
    for count in (1, 3, 20, 57):
        plan = executors.launch_plan(pod, count)
        assert sum(n for _, n in plan) == count
        for node_type, n in plan:
            assert fits(node_type.free, pod) >= n
            cheaper = [t for t in executors.types if t.usd_per_hour < node_type.usd_per_hour]
            assert all(fits(t.free, pod) < n for t in cheaper)
    # Executors ask for 81Gi of local disk: only NVMe ("d") types or one per 150 GiB root volume.
    assert all(t.shape.nvme_gb for t, _ in executors.launch_plan(pod, 20))


def test_pod_ips_are_whole_prefixes_per_node_plus_the_warm_prefix():
    pools = pool_models(sandbox_config(), price_table("eu-west-1"))
    small = Resources(100, 256 * MIB, 0, 1)
    job = PlannedJob("t__p.j", "t", JobShape((PodGroup("driver", small, 17),), (0, 0, 0, 0)), 5, ())
    pipeline = PlannedPipeline("t__p", "t", (0,), (job,))
    metrics = Simulation(pools, zones=3, warm_prefixes=1, quotas={"t": (10**9,) * 4}).run([pipeline])
    # One node with 17 pods: 2 prefixes in use + 1 warm = 48 addresses; the empty node keeps its
    # warm prefix until the pool consolidates it (5 minutes), then nothing is held.
    assert sum(metrics.pod_ips_by_zone[0]) == 48
    assert sum(metrics.pod_ips_by_zone[5]) == 16
    assert sum(metrics.pod_ips_by_zone[11]) == 0


def test_without_staggering_the_pods_run_out_of_ip_addresses_and_with_it_they_fit(tmp_path):
    # A /20 pod space: three /22 pod subnets, 62 usable /28 prefixes (992 pod IPs) per zone.
    config = generated(
        tmp_path,
        pipelines=60,
        jobs=1,
        hourly_every=1,
        executors=20,
        executor_cores=1,
        minutes=10,
        pod_cidr="100.64.0.0/20",
    )
    pipelines = check_pipelines(config)
    staggered = simulate_day(config, pipelines=pipelines)
    unstaggered = simulate_day(config, stagger=False, pipelines=pipelines)
    assert staggered.summary["pod_ip_capacity_by_zone"] == 992
    assert max(staggered.summary["peak_pod_ips_by_zone"].values()) <= 992
    assert staggered.problems == []
    assert max(unstaggered.summary["peak_pod_ips_by_zone"].values()) > 992
    assert any(p.startswith("pod IPs: eu-west-1") and "stagger" in p for p in unstaggered.problems)


def test_a_full_nodepool_makes_jobs_wait_and_the_minutes_are_counted(tmp_path):
    config = generated(tmp_path, pipelines=6, jobs=1, hourly_every=1, executors=8, executor_cores=4, minutes=30)
    config = replace(
        config, karpenter=replace(config.karpenter, executor=replace(config.karpenter.executor, cpu_limit=128))
    )
    plan = simulate_day(config, stagger=False)
    summary = plan.summary
    assert summary["peak_vcpu_by_pool"]["executor"] <= 128
    assert summary["queued_minutes_by_reason"].get("nodepool:executor", 0) > 0
    assert summary["queued_job_minutes"] == sum(summary["queued_minutes_by_job"].values())
    assert summary["never_started"] == []  # they waited, then ran
    assert any(p.startswith("nodepool executor: jobs waited") for p in plan.problems)


def test_a_team_quota_full_of_running_jobs_makes_the_next_one_wait(tmp_path):
    settings = synthetic_platform(
        tmp_path / "p", pipelines=4, teams=1, jobs=1, hourly_every=1, executors=10, minutes=20
    )
    settings["teams"][0]["quota"] = {"cpu": 50, "memory_gib": 1000, "pods": 1000}
    plan = simulate_day(from_mapping(settings), stagger=False)
    assert plan.summary["queued_minutes_by_reason"].get("quota:team-000", 0) > 0
    assert plan.summary["peak_cpu_by_team"]["team-000"] <= 50
    assert any("raise teams[team-000].quota" in p for p in plan.problems)


def test_dependent_jobs_start_when_their_upstream_jobs_finish(tmp_path):
    config = generated(tmp_path, pipelines=1, jobs=3, hourly_every=99, minutes=10)
    plan = simulate_day(config)
    jobs = plan.pipelines[0].jobs
    assert [j.upstream for j in jobs] == [(), (0,), (0,)]
    running = plan.metrics.running_jobs
    first = next(m for m, n in enumerate(running) if n)
    # step_0 alone for its minutes, then step_1 and step_2 side by side.
    assert running[first : first + jobs[0].minutes] == [1] * jobs[0].minutes
    assert running[first + jobs[0].minutes] == 2


def test_executors_cost_spot_prices_where_the_pool_allows_spot_and_drivers_on_demand():
    config = sandbox_config()
    prices = price_table("eu-west-1")
    pools = pool_models(config, prices)
    assert pools["executor"].capacity_type == "spot" and pools["driver"].capacity_type == "on-demand"
    on_demand_only = replace(
        config,
        karpenter=replace(config.karpenter, executor=replace(config.karpenter.executor, capacity_types=("on-demand",))),
    )
    spot = simulate_day(config).summary["cost_per_day_usd"]
    assert simulate_day(on_demand_only).summary["cost_per_day_usd"] > spot
    # The day's cost is the node-hours of each type at its price.
    summary = simulate_day(config).summary
    by_type = {t.shape.name: t.usd_per_hour for pool in pools.values() for t in pool.types}
    expected = sum(hours * by_type[name] for name, hours in summary["node_hours_by_type"].items())
    assert summary["cost_per_day_usd"] == pytest.approx(expected, rel=0.02)


def test_a_missing_region_table_falls_back_to_us_east_1_and_the_plan_says_so(sandbox_plan):
    prices = sandbox_plan.summary["prices"]
    assert prices["region"] == "us-east-1" and prices["checked"] == "2026-11-22"
    assert any("no price table for eu-west-1" in note for note in prices["notes"])
    assert any("spot prices assumed at 0.35" in note for note in prices["notes"])
    assert price_table("us-east-1").hourly("m7g.xlarge", "on-demand") == 0.1632


def test_expected_minutes_defaults_to_twenty_and_bad_values_name_the_field():
    model = pipeline_model()
    assert (
        model.SparkJob(id="a", entry_point="a.py", job_type="t", release_label="emr-7.12.0-latest").expected_minutes
        == 20
    )
    data = {
        "team": "analytics",
        "pipelines": [
            {
                "id": "p",
                "jobs": [
                    {
                        "id": "a",
                        "entry_point": "a.py",
                        "job_type": "pyspark-analytics",
                        "release_label": "emr-7.12.0-latest",
                        "expected_minutes": 0,
                    }
                ],
            }
        ],
    }
    with pytest.raises(model.PipelineError, match=r"^f.yaml: pipelines\[0\].jobs\[0\].expected_minutes: 0 must be"):
        model.parse_pipelines(data, "f.yaml")


def test_a_price_table_without_a_date_is_refused_with_the_field_named():
    from spark_platform.planner.prices import parse_price_table

    with pytest.raises(ConfigError, match=r"^prices: x.yaml has no 'checked'"):
        parse_price_table({"region": "eu-west-1", "on_demand_usd_per_hour": {}}, "x.yaml")

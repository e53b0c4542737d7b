"""The job-run twin: the pods EMR on EKS creates for each job, through a real kube-apiserver
(LimitRanger and ResourceQuota admission) and the real kube-scheduler, onto Node objects
labelled and tainted as Karpenter registers them for the platform's NodePools.

It proves, for every job of the sample pipelines and for generated edge cases, that the job
runner, the driver and every executor are admitted and bound, where each lands, and that the
synth-time check (spark_platform.jobs.fit) accepts exactly what the real components accept.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from spark_platform.jobs.emr_pods import JobPods, job_pods
from spark_platform.jobs.fit import limit_range_violations, pod_requests, quantity, with_limit_range_defaults
from spark_platform.jobs.submission import job_submitter_properties
from spark_platform.jobs.team_objects import driver_template, executor_template

from .twin.jobs import TwinJob, edge_jobs, sample_jobs, verdict
from .twin.run import (
    Outcome,
    best_shape,
    install_namespace,
    install_team_namespaces,
    provision,
    remove,
    reset_quota,
    submit,
)
from .twin.servers import KubeTwin

pytestmark = pytest.mark.twin
_job_ids = iter(range(1, 10**6))


@pytest.fixture(scope="module")
def kube():
    with KubeTwin() as twin:
        yield twin


@pytest.fixture(scope="module")
def platform(kube, sandbox):
    """The sandbox's team namespaces installed on the API server, and its NodePools by name."""
    namespaces = install_team_namespaces(kube.api, sandbox)
    pools = {pool["metadata"]["name"]: pool for pool in sandbox.manifests("NodePool")}
    return {"namespaces": namespaces, "pools": pools, "config": sandbox.config}


def pods_for(job: TwinJob, *, driver=None, executor=None, properties=None) -> JobPods:
    return job_pods(
        job.spec,
        namespace=job.team.namespace,
        driver_template=driver or driver_template(job.team),
        executor_template=executor or executor_template(job.team),
        submitter_properties=properties if properties is not None else job_submitter_properties(),
        job_id=f"job{next(_job_ids):06d}",
    )


def limit_range_of(platform, team) -> dict:
    return next(obj for obj in platform["namespaces"][team.name] if obj["kind"] == "LimitRange")


def run(kube, platform, job: TwinJob, pods: JobPods, *, capacity=("on-demand", "on-demand")) -> Outcome:
    """Provision what Karpenter would for the job's pods, submit them, clean up afterwards."""
    limit_range = limit_range_of(platform, job.team)
    karpenter = platform["config"].karpenter
    driver, runner = pod_requests(pods.driver, limit_range), pod_requests(pods.job_runner, limit_range)
    # Karpenter puts the job runner next to the driver when one node holds both, else launches a
    # second node for it (the largest driver the synth check accepts leaves no room for the runner).
    _, both_per_node = best_shape(karpenter.driver, "spark-driver", driver + runner, karpenter)
    wanted = (
        [("spark-driver", capacity[0], driver + runner, 1)]
        if both_per_node
        else [("spark-driver", capacity[0], driver, 1), ("spark-driver", capacity[0], runner, 1)]
    )
    if pods.executors:
        wanted.append(
            ("spark-executor", capacity[1], pod_requests(pods.executors[0], limit_range), len(pods.executors))
        )
    nodes = provision(kube.api, karpenter, platform["pools"], wanted)
    try:
        return submit(kube.api, pods)
    finally:
        remove(kube.api, nodes, pods.all())
        reset_quota(kube.api, platform["namespaces"][job.team.name])


def assert_admitted_as_modelled(outcome: Outcome, pods: JobPods, limit_range: dict) -> None:
    """What LimitRanger stored equals what the synth-time model computes, container by container."""
    for pod in pods.all():
        stored = outcome.admitted[pod["metadata"]["name"]]
        for modelled, admitted in zip(pod["spec"]["containers"], stored["spec"]["containers"], strict=True):
            expected = with_limit_range_defaults(modelled, limit_range)
            for kind in ("requests", "limits"):
                got = {name: quantity(value) for name, value in admitted["resources"].get(kind, {}).items()}
                want = {name: quantity(value) for name, value in expected[kind].items()}
                assert got == want, f"{pod['metadata']['name']}/{admitted['name']} {kind}"


def assert_runs_where_it_should(outcome: Outcome, pods: JobPods, name: str) -> None:
    assert not outcome.rejected, f"{name}: rejected at admission: {outcome.rejected}"
    assert not outcome.pending, f"{name}: pods left Pending: {outcome.pending}"
    for pod in (pods.job_runner, pods.driver):
        labels = outcome.placed[pod["metadata"]["name"]]
        assert labels["karpenter.sh/nodepool"] == "spark-driver", name
        assert labels["karpenter.sh/capacity-type"] == "on-demand", name
    for pod in pods.executors:
        assert outcome.placed[pod["metadata"]["name"]]["karpenter.sh/nodepool"] == "spark-executor", name


def test_every_sample_job_is_admitted_and_every_pod_lands_on_its_pool(kube, platform, sandbox):
    jobs = sample_jobs(sandbox.config)
    # Five jobs and one shadow run, on Spark 3.5 (emr-7.x) and Spark 4 (emr-spark-8.0.0) releases.
    assert len(jobs) == 6
    assert {job.spec.release_label for job in jobs} >= {"emr-7.12.0-latest", "emr-spark-8.0.0-latest"}
    for job in jobs:
        pods = pods_for(job)
        outcome = run(kube, platform, job, pods)
        assert_runs_where_it_should(outcome, pods, job.spec.name)
        assert_admitted_as_modelled(outcome, pods, limit_range_of(platform, job.team))


@pytest.fixture(scope="module")
def edges(sandbox) -> list[TwinJob]:
    return edge_jobs(sandbox.config)


def test_the_largest_accepted_jobs_run_and_one_step_more_is_refused_by_the_real_components(
    kube, platform, edges, sandbox
):
    """The synth check and the real API server + scheduler draw the line at the same place."""
    releases = sum(len(team.release_labels) for team in sandbox.config.teams)
    # (boundary, one more) x (cores, memory) x (executor, driver) x (PySpark, JVM) per release
    assert len(edges) == 2 * 2 * 2 * 2 * releases
    assert [job.accepted for job in edges] == [True, False] * (len(edges) // 2)
    for job in edges:
        pods = pods_for(job)
        outcome = run(kube, platform, job, pods)
        if job.accepted:
            assert_runs_where_it_should(outcome, pods, job.spec.name)
            assert_admitted_as_modelled(outcome, pods, limit_range_of(platform, job.team))
        else:
            refused = outcome.rejected or outcome.pending
            assert refused, f"{job.spec.name}: the check refuses it ({job.reason}) but the cluster would run it"
            if "LimitRange" in job.reason:
                assert outcome.rejected, f"{job.spec.name}: {job.reason}"
            elif "largest spark-" in job.reason:
                assert outcome.pending and not outcome.rejected, f"{job.spec.name}: {job.reason}"


def test_drivers_and_job_runners_never_take_spot_capacity_but_executors_do(kube, platform, sandbox):
    job = sample_jobs(sandbox.config)[0]
    pods = pods_for(job)
    outcome = run(kube, platform, job, pods, capacity=("spot", "spot"))
    assert set(outcome.pending) == {pods.job_runner["metadata"]["name"], pods.driver["metadata"]["name"]}
    assert all(
        outcome.placed[pod["metadata"]["name"]]["karpenter.sh/capacity-type"] == "spot" for pod in pods.executors
    )


def test_without_the_job_submitter_classification_the_job_runner_fits_no_node(kube, platform, sandbox):
    """The day-one failure: EMR's job runner without tolerations on a cluster of tainted nodes."""
    job = sample_jobs(sandbox.config)[0]
    pods = pods_for(job, properties={})
    outcome = run(kube, platform, job, pods)
    assert list(outcome.pending) == [pods.job_runner["metadata"]["name"]]
    assert "taint" in outcome.pending[pods.job_runner["metadata"]["name"]]


def test_a_toleration_typo_in_the_executor_template_leaves_executors_pending(kube, platform, sandbox):
    job = sample_jobs(sandbox.config)[0]
    broken = copy.deepcopy(executor_template(job.team))
    broken["spec"]["tolerations"][0]["value"] = "executor"  # the pool's taint says spark-executor
    pods = pods_for(job, executor=broken)
    outcome = run(kube, platform, job, pods)
    assert set(outcome.pending) == {pod["metadata"]["name"] for pod in pods.executors}


def test_a_limit_range_with_a_small_cpu_default_rejects_spark_containers_as_the_model_says(kube, platform, sandbox):
    """A LimitRange whose default CPU limit is below what Spark requests (Spark sets no CPU
    limit, so the default becomes one) makes every larger Spark container invalid."""
    job = sample_jobs(sandbox.config)[0]
    team = replace(job.team, namespace="spark-broken-limits")
    objects = copy.deepcopy(platform["namespaces"][job.team.name])
    for obj in objects:
        if obj["kind"] == "Namespace":
            obj["metadata"]["name"] = team.namespace
        else:
            obj["metadata"]["namespace"] = team.namespace
        if obj["kind"] == "LimitRange":
            obj["spec"]["limits"][0]["default"]["cpu"] = "1"
    install_namespace(kube.api, objects)
    pods = pods_for(replace(job, team=team))
    outcome = submit(kube.api, pods, timeout=3, settle=0)
    remove(kube.api, [], pods.all())
    executor = pods.executors[0]
    assert "must be less than or equal to cpu limit" in outcome.rejected[executor["metadata"]["name"]]
    broken = next(obj for obj in objects if obj["kind"] == "LimitRange")
    assert limit_range_violations(executor, broken), "the synth-time model must see it too"


def test_a_job_beyond_the_team_quota_is_refused_by_quota_admission_as_the_check_says(kube, platform, sandbox):
    (team,) = [team for team in sandbox.config.teams if team.name == "ingestion"]  # 200 CPUs
    base = next(job for job in sample_jobs(sandbox.config) if job.team.name == "ingestion")
    job = verdict(sandbox.config, team, replace(base.spec, name="ingestion.too_wide", executors=60, executor_cores=4))
    assert not job.accepted and "quota allows 200" in job.reason
    pods = pods_for(job)
    outcome = submit(kube.api, pods, timeout=3, settle=0)
    remove(kube.api, [], pods.all())
    reset_quota(kube.api, platform["namespaces"][team.name])
    assert outcome.rejected and all("exceeded quota" in message for message in outcome.rejected.values())
    assert len(outcome.admitted) < len(pods.all())

"""The driver and executor pods of the job model against the ones real Spark builds, on both lines.

spark_platform.jobs.emr_pods models how Spark merges the team's pod templates with a job's
settings. Here the Spark of each runtime itself builds them from the same templates and settings
(PySpark 3.5.6 for emr-7.12.0, PySpark 4.0.2 for emr-spark-8.0.0), on the twin's kube-apiserver
with the team's LimitRange, and the model must agree on everything that decides admission and
placement: the Spark container's admitted resources (including Spark 4's configurable overhead
floor, which Spark 3.5 ignores), node selectors, tolerations, affinity, local-dir volume, labels,
the executors' decommissioning hook and grace period, the security context, and the
authentication secret Spark hands the executors when the platform turns spark.authenticate on.
`pytest -s -k pod_sizes` prints the pod sizes both lines produced for the same jobs.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml

from spark_platform.jobs.emr_pods import JobPods, job_pods
from spark_platform.jobs.fit import quantity, with_limit_range_defaults
from spark_platform.jobs.runtimes import runtime_spark_conf
from spark_platform.jobs.submission import job_submitter_properties, platform_spark_conf
from spark_platform.jobs.team_objects import driver_template, executor_template

from .pss import baseline_violations, violations_by_container
from .twin import spark
from .twin.jobs import sample_jobs
from .twin.run import install_team_namespaces, reset_quota
from .twin.servers import KubeTwin

pytestmark = pytest.mark.twin


@pytest.fixture(scope="module")
def kube():
    with KubeTwin(scheduler=False) as twin:
        yield twin


@pytest.fixture(scope="module")
def namespaces(kube, sandbox):
    return install_team_namespaces(kube.api, sandbox)


# The Spark 3.5 runtime the sandbox's jobs run on, and the Spark 4 runtime they move to.
RELEASES = ("emr-7.12.0-latest", "emr-spark-8.0.0-latest")
# A floor above 10% of the executor's 4 GiB: Spark 4 honours it, Spark 3.5 does not know it.
MIN_OVERHEAD = {"spark.executor.minMemoryOverhead": "1g", "spark.driver.minMemoryOverhead": "1g"}
OFF_HEAP = {"spark.memory.offHeap.enabled": "true", "spark.memory.offHeap.size": "2g"}


def cases(config, release: str):
    jobs = sample_jobs(config)
    sessions = next(job for job in jobs if job.spec.name.endswith("daily_marts.sessions"))
    orders = next(job for job in jobs if job.spec.name.endswith("hourly_upserts.orders"))
    campaign = next(job for job in jobs if job.spec.name.endswith("daily_marts.campaign_mart"))

    def on(job, name=None, python=None, **conf):
        """``job`` as it runs on ``release``: that release's interpreter, the job's own settings."""
        spark_conf = {**job.spec.spark_conf, **runtime_spark_conf(release), **conf}
        spec = replace(job.spec, release_label=release, spark_conf=spark_conf, name=name or job.spec.name)
        return replace(job, spec=replace(spec, python=job.spec.python if python is None else python))

    return {
        "pyspark-with-job-settings": on(sessions),
        "hudi-job-type-settings": on(orders),
        "jvm": on(sessions, name="jvm", python=False),
        "overhead-floor": on(campaign, name="floor", python=False, **MIN_OVERHEAD),
        # Off-heap memory: both lines add it to the executor's container (the model once did not).
        "off-heap": on(campaign, name="offheap", python=False, **OFF_HEAP),
    }


CASES = ["pyspark-with-job-settings", "hudi-job-type-settings", "jvm", "overhead-floor", "off-heap"]
MEASURED: dict[tuple[str, str], dict[str, str]] = {}  # (case, release) -> role -> memory request


def team_spark_conf(team, directory) -> dict[str, str]:
    """What the platform puts into every job of ``team``, its pod templates written to ``directory``."""
    templates = {}
    for role, template in (("driver", driver_template(team)), ("executor", executor_template(team))):
        templates[role] = directory / f"{role}.yaml"
        templates[role].write_text(yaml.safe_dump(template))
    return platform_spark_conf(
        driver_template=str(templates["driver"]),
        executor_template=str(templates["executor"]),
        fallback_uri=f"s3://spark-data/teams/{team.name}/spark-fallback/",
    )


def spark_container(pod: dict) -> dict:
    return pod["spec"]["containers"][0]


def assert_same_spark_container(modelled: dict, real: dict, limit_range: dict, role: str) -> None:
    expected = with_limit_range_defaults(spark_container(modelled), limit_range)
    got = spark_container(real)["resources"]
    for kind in ("requests", "limits"):
        assert {k: quantity(v) for k, v in got.get(kind, {}).items()} == {
            k: quantity(v) for k, v in expected[kind].items()
        }, f"{role} {kind}"
    assert spark_container(real)["name"] == spark_container(modelled)["name"]


def assert_same_placement(modelled: dict, real: dict, role: str) -> None:
    assert real["spec"].get("nodeSelector") == modelled["spec"].get("nodeSelector"), role
    assert real["spec"].get("affinity") == modelled["spec"].get("affinity"), role
    for toleration in modelled["spec"].get("tolerations", []):
        assert toleration in real["spec"]["tolerations"], role
    local = {v["name"]: v for v in real["spec"]["volumes"]}["spark-local-dir-1"]
    assert local == next(v for v in modelled["spec"]["volumes"] if v["name"] == "spark-local-dir-1"), role
    for label in ("spark-role", "spark-platform/team", "spark-platform/component"):
        assert real["metadata"]["labels"][label] == modelled["metadata"]["labels"][label], (role, label)


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("case", CASES)
def test_real_spark_builds_the_pods_the_model_predicts(kube, namespaces, sandbox, tmp_path, case, release):
    job = cases(sandbox.config, release)[case]
    spec = replace(job.spec, executors=2)
    team = job.team
    conf = team_spark_conf(team, tmp_path)
    model: JobPods = job_pods(
        spec,
        namespace=team.namespace,
        driver_template=driver_template(team),
        executor_template=executor_template(team),
        submitter_properties=job_submitter_properties(),
    )
    limit_range = next(obj for obj in namespaces[team.name] if obj["kind"] == "LimitRange")
    objects = namespaces[team.name]
    try:
        (driver,) = spark.submit(
            kube.api, spec, namespace=team.namespace, conf=conf, workdir=tmp_path, mode="cluster", wait_for=1
        ).values()
        reset_quota(kube.api, objects)
        executors = spark.submit(
            kube.api, spec, namespace=team.namespace, conf=conf, workdir=tmp_path, mode="client", wait_for=2
        ).values()
    finally:
        reset_quota(kube.api, objects)
    assert driver["metadata"]["labels"]["spark-version"] == spark.upstream_spark(release)
    MEASURED[(case, release)] = {
        "driver": spark_container(driver)["resources"]["requests"]["memory"],
        "executor": spark_container(next(iter(executors)))["resources"]["requests"]["memory"],
    }
    assert_same_spark_container(model.driver, driver, limit_range, "driver")
    assert_same_placement(model.driver, driver, "driver")
    assert driver["metadata"]["annotations"]["karpenter.sh/do-not-disrupt"] == "true"
    assert len(executors) == 2
    for executor in executors:
        assert_same_spark_container(model.executors[0], executor, limit_range, "executor")
        assert_same_placement(model.executors[0], executor, "executor")
        # Decommissioning as the platform configures it: Spark's pre-stop hook runs EMR's script.
        assert spark_container(executor)["lifecycle"]["preStop"]["exec"]["command"] == ["/usr/bin/decom.sh"]
        assert executor["spec"]["terminationGracePeriodSeconds"] == 115
        # spark.authenticate on Kubernetes: Spark makes one secret per application and gives it to
        # each executor in an environment variable (Spark 3.5 and 4.0 "Security", Kubernetes
        # section); Spark 3.5.6 and 4.0.2 both name it _SPARK_AUTH_SECRET.
        env = {e["name"]: e for e in spark_container(executor).get("env", [])}
        assert len(env.get("_SPARK_AUTH_SECRET", {}).get("value", "")) >= 32, ",".join(sorted(env))
    # The pod templates' security context survives Spark's merge, and the pods meet baseline.
    for pod, template in ((driver, driver_template(team)), *((e, executor_template(team)) for e in executors)):
        assert pod["spec"]["securityContext"] == template["spec"]["securityContext"]
        assert spark_container(pod)["securityContext"] == template["spec"]["containers"][0]["securityContext"]
        assert baseline_violations(pod) == []
        assert violations_by_container(pod)[spark_container(pod)["name"]] == []


def test_pod_sizes(kube):
    """The Spark container's memory request each line built for the same job (run after the cases
    above; `pytest -s -k "model_predicts or pod_sizes" tests/test_spark_pods_twin.py` prints it)."""
    if len(MEASURED) < len(CASES) * len(RELEASES):
        pytest.skip("run with the cases above")
    print("\n| job | role | Spark 3.5.6 (emr-7.12.0) | Spark 4.0.2 (emr-spark-8.0.0) |")
    print("|---|---|---:|---:|")
    for case in CASES:
        for role in ("driver", "executor"):
            old, new = (MEASURED[(case, release)][role] for release in RELEASES)
            print(f"| {case} | {role} | {old} | {new} |")
    # The one difference between the lines: Spark 4 honours the configurable floor.
    differ = {(c, r) for c in CASES for r in ("driver", "executor") if len({MEASURED[(c, x)][r] for x in RELEASES}) > 1}
    assert differ == {("overhead-floor", "driver"), ("overhead-floor", "executor")}


def test_a_team_runs_a_spark_3_5_and_a_spark_4_job_side_by_side(kube, namespaces, sandbox, tmp_path):
    """The sandbox's analytics jobs as their pipeline names them: sessions on emr-7.12.0 (Spark
    3.5), its shadow run and campaign_mart on emr-spark-8.0.0 (Spark 4), submitted at once in the
    team's namespace, each by the Spark of its own release. All are admitted together, each built
    by its own Spark, each sized as the model says for its release."""
    team = next(t for t in sandbox.config.teams if t.name == "analytics")
    jobs = {
        job.spec.name.split(".", 1)[1].replace(".", "-").replace("_", "-"): job.spec
        for job in sample_jobs(sandbox.config)
        if job.team.name == "analytics"
        and job.spec.name.split(".", 1)[1] in ("sessions", "sessions.shadow", "campaign_mart")
    }
    assert {spark.upstream_spark(spec.release_label) for spec in jobs.values()} == {"3.5.6", "4.0.2"}
    conf = team_spark_conf(team, tmp_path)
    limit_range = next(obj for obj in namespaces[team.name] if obj["kind"] == "LimitRange")
    try:
        drivers = spark.submit_together(kube.api, jobs, namespace=team.namespace, conf=conf, workdir=tmp_path)
    finally:
        reset_quota(kube.api, namespaces[team.name])
    assert set(drivers) == set(jobs)
    for name, spec in jobs.items():
        driver = drivers[name]
        assert driver["metadata"]["labels"]["spark-version"] == spark.upstream_spark(spec.release_label), name
        model = job_pods(
            replace(spec, executors=1),
            namespace=team.namespace,
            driver_template=driver_template(team),
            executor_template=executor_template(team),
            submitter_properties=job_submitter_properties(),
        )
        assert_same_spark_container(model.driver, driver, limit_range, f"{name} driver")
        assert_same_placement(model.driver, driver, f"{name} driver")

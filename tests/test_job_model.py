"""The job model's arithmetic: Spark's container sizes, Karpenter's allocatable, EMR's submitter."""

from __future__ import annotations

import pytest

from spark_platform.jobs.capacity import instance_shape, kube_reserved_cpu_milli
from spark_platform.jobs.emr_pods import SubmitterPropertyError, submitter_placement
from spark_platform.jobs.spark_resources import SparkSettingError, spark_container
from spark_platform.jobs.submission import job_submitter_properties


def container(role="executor", python=False, cores=4, memory="16g", **conf):
    return spark_container(
        role, release_label="emr-7.12.0-latest", python=python, cores=cores, memory=memory, spark_conf=conf
    )


def test_jvm_jobs_get_ten_percent_overhead_and_pyspark_forty_with_a_384_mib_floor():
    assert container(memory="16g").memory_mib == 16384 + 1638
    assert container(memory="16g", python=True).memory_mib == 16384 + 6553
    assert container(memory="1g").memory_mib == 1024 + 384
    assert container(memory="1g", python=True).memory_mib == 1024 + 409


def test_explicit_overhead_settings_win_and_pyspark_memory_is_added():
    assert container(**{"spark.executor.memoryOverhead": "2g"}).memory_mib == 16384 + 2048
    assert container(**{"spark.executor.memoryOverheadFactor": "0.2"}).memory_mib == 16384 + 3276
    assert container(python=True, **{"spark.kubernetes.memoryOverheadFactor": "0.1"}).memory_mib == 16384 + 1638
    assert container(python=True, **{"spark.executor.pyspark.memory": "2g"}).memory_mib == 16384 + 6553 + 2048


def test_enabled_off_heap_memory_is_added_to_executors_only():
    off_heap = {"spark.memory.offHeap.enabled": "true", "spark.memory.offHeap.size": "2g"}
    assert container(**off_heap).memory_mib == 16384 + 1638 + 2048
    assert container(**{**off_heap, "spark.memory.offHeap.enabled": "false"}).memory_mib == 16384 + 1638
    assert container("driver", **off_heap).memory_mib == 16384 + 1638
    assert container(**{**off_heap, "spark.memory.offHeap.size": "1073741824"}).memory_mib == 16384 + 1638 + 1024


def test_cpu_request_follows_request_cores_and_a_cpu_limit_only_when_asked():
    assert container(cores=4).as_kubernetes()["requests"]["cpu"] == "4000m"
    assert "cpu" not in container(cores=4).as_kubernetes()["limits"]
    tuned = container(
        cores=4, **{"spark.kubernetes.executor.request.cores": "3500m", "spark.kubernetes.executor.limit.cores": "4"}
    )
    assert tuned.as_kubernetes()["requests"]["cpu"] == "3500m"
    assert tuned.as_kubernetes()["limits"]["cpu"] == "4000m"


def test_a_release_outside_the_catalog_is_refused_rather_than_guessed():
    with pytest.raises(SparkSettingError, match=r"emr-8\.0\.0 is not in the release catalog"):
        spark_container("driver", release_label="emr-8.0.0-latest", python=False, cores=1, memory="1g", spark_conf={})


def spark4(role="executor", python=False, memory="16g", **conf):
    return spark_container(
        role, release_label="emr-spark-8.0.0-latest", python=python, cores=4, memory=memory, spark_conf=conf
    ).memory_mib


def test_spark_4_keeps_the_overhead_factors_of_spark_3_5():
    # Spark 4.0 BasicDriverFeatureStep/BasicExecutorFeatureStep: 0.10 JVM, 0.40 non-JVM, 384 MiB floor.
    for memory in ("1g", "4g", "16g"):
        for python in (False, True):
            assert spark4(memory=memory, python=python) == container(memory=memory, python=python).memory_mib


def test_spark_4_honours_its_configurable_overhead_floor_and_spark_3_5_ignores_it():
    # spark.{driver,executor}.minMemoryOverhead is new in Spark 4.0 (SPARK-47208); MiB without a unit.
    floor = {"spark.executor.minMemoryOverhead": "1g"}
    assert spark4(memory="4g", **floor) == 4096 + 1024
    assert spark4(memory="4g", **{"spark.executor.minMemoryOverhead": "512"}) == 4096 + 512
    assert container(memory="4g", **floor).memory_mib == 4096 + 409  # Spark 3.5 has no such setting
    # It is a floor: a larger factor overhead wins, and an explicit overhead ignores it.
    assert spark4(memory="16g", **floor) == 16384 + 1638
    assert spark4(memory="4g", **floor, **{"spark.executor.memoryOverhead": "600m"}) == 4096 + 600
    assert spark4("driver", memory="4g", **{"spark.driver.minMemoryOverhead": "2g"}) == 4096 + 2048


def test_allocatable_follows_karpenter_reservations():
    shape = instance_shape("m7g", "4xlarge")
    assert (shape.vcpus, shape.memory_gib, shape.eni_pods) == (16, 64, 8 * 29 + 2)
    # 60 + 10 + 10 + 30 millicores for 16 cores
    assert kube_reserved_cpu_milli(16000) == 110
    room = shape.allocatable(max_pods=110, root_volume_gib=150)
    memory_mib = 64 * 1024 - 64
    memory_mib -= -(-memory_mib * 75 // 1000)  # 7.5% to the hypervisor, rounded up
    memory_mib -= 11 * 234 + 255 + 100
    assert room.memory_bytes == memory_mib * 1024 * 1024
    assert room.cpu_milli == 15890 and room.pods == 110
    assert room.ephemeral_bytes == int(150 * 1024**3 * 0.9 - 1024**3)
    nvme = instance_shape("r7gd", "16xlarge")
    assert nvme.nvme_gb == 64 * 59.25  # 2 x 1900 GB, rounded down per vCPU
    assert instance_shape("c7g", "24xlarge") is None  # c7g stops at 16xlarge


def test_the_submitter_classification_places_the_job_runner_on_on_demand_driver_nodes():
    selector, tolerations = submitter_placement(job_submitter_properties())
    assert selector == {
        "kubernetes.io/arch": "arm64",
        "karpenter.sh/capacity-type": "on-demand",
        "spark-platform/role": "spark-driver",
    }
    assert tolerations == [
        {"key": "spark-platform/role", "effect": "NoSchedule", "operator": "Equal", "value": "spark-driver"}
    ]


def test_a_submitter_toleration_without_its_effect_is_refused_as_emr_documents():
    with pytest.raises(SubmitterPropertyError, match=r"\.effect: None; EMR requires"):
        submitter_placement({"jobsubmitter.node.toleration.dedicated": "spark"})
    _, (toleration,) = submitter_placement(
        {
            "jobsubmitter.node.toleration.dedicated": "",
            "jobsubmitter.node.toleration.dedicated.effect": "NoExecute",
            "jobsubmitter.node.toleration.dedicated.tolerationSeconds": "60",
        }
    )
    assert toleration == {"key": "dedicated", "effect": "NoExecute", "operator": "Exists", "tolerationSeconds": 60}


def test_karpenter_may_not_drain_the_node_of_a_job_runner_or_a_driver_while_the_job_runs():
    """Losing either fails the whole job: the driver's pod template and the job runner's
    `jobsubmitter.annotation.*` property ("Using job submitter classification") both carry
    karpenter.sh/do-not-disrupt, which keeps consolidation and drift off their nodes."""
    from spark_platform.config import sandbox_config
    from spark_platform.jobs.emr_pods import JobSpec, job_pods
    from spark_platform.jobs.team_objects import driver_template, executor_template

    team = sandbox_config().teams[0]
    spec = JobSpec("t.j", "emr-7.12.0-latest", True, 1, 2, "4g", 1, "2g")
    pods = job_pods(
        spec,
        namespace=team.namespace,
        driver_template=driver_template(team),
        executor_template=executor_template(team),
        submitter_properties=job_submitter_properties(),
    )
    for pod in (pods.job_runner, pods.driver):
        assert pod["metadata"]["annotations"]["karpenter.sh/do-not-disrupt"] == "true", pod["metadata"]["name"]

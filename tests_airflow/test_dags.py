"""The DAGs MWAA would load: they import cleanly and have the shape the platform promises."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from airflow.models.dagbag import DagBag
from airflow.providers.amazon.aws.operators.emr import EmrContainerOperator
from spark_platform_dags.model import PipelineError, load_pipelines, parse_pipelines
from spark_platform_dags.schedule import stagger_minute, staggered_schedule


@pytest.fixture(scope="module")
def dagbag(dags_folder) -> DagBag:
    return DagBag(dag_folder=str(dags_folder), include_examples=False)


def test_every_dag_imports_without_errors(dagbag, dags_folder):
    assert dagbag.import_errors == {}
    expected = {pipeline.dag_id for pipeline in load_pipelines(dags_folder / "pipelines")}
    assert set(dagbag.dag_ids) == expected
    assert {"analytics__daily_marts", "ingestion__hourly_upserts"} <= expected


def test_one_emr_container_operator_task_per_job_with_declared_dependencies(dagbag):
    dag = dagbag.dags["analytics__daily_marts"]
    # sessions' shadow run on the candidate release is a task of its own.
    assert sorted(dag.task_ids) == ["campaign_mart", "legacy_report", "sessions", "sessions__shadow"]
    assert all(isinstance(task, EmrContainerOperator) for task in dag.tasks)
    assert dag.get_task("campaign_mart").upstream_task_ids == {"sessions"}
    # Independent jobs have no upstream: Airflow submits them in parallel.
    assert dag.get_task("sessions").upstream_task_ids == set()
    assert dag.get_task("legacy_report").upstream_task_ids == set()
    # The shadow starts with its job (same upstream jobs) and no job waits for it.
    assert dag.get_task("sessions__shadow").upstream_task_ids == set()
    assert dag.get_task("sessions__shadow").downstream_task_ids == set()
    assert dag.max_active_runs == 1 and dag.catchup is False


def test_a_shadow_runs_the_same_job_on_its_candidate_release_with_its_own_output_prefix(dagbag):
    dag = dagbag.dags["analytics__daily_marts"]
    job, shadow = dag.get_task("sessions"), dag.get_task("sessions__shadow")
    assert (job.release_label, shadow.release_label) == ("emr-7.12.0-latest", "emr-spark-8.0.0-latest")
    job_args = job.job_driver["sparkSubmitJobDriver"]["entryPointArguments"]
    shadow_args = shadow.job_driver["sparkSubmitJobDriver"]["entryPointArguments"]
    # Same inputs; only the output argument differs, and it stays under the team's data prefix.
    assert job_args[:3] == shadow_args[:3] == ["--date", "{{ ds }}", "--output"]
    assert shadow_args[3] == (
        "{{ spark_platform.team('analytics').data_uri }}shadow/emr-spark-8.0.0-latest/daily_marts/sessions/"
    )
    assert (
        job.job_driver["sparkSubmitJobDriver"]["entryPoint"] == shadow.job_driver["sparkSubmitJobDriver"]["entryPoint"]
    )
    assert (
        job.job_driver["sparkSubmitJobDriver"]["sparkSubmitParameters"]
        == (shadow.job_driver["sparkSubmitJobDriver"]["sparkSubmitParameters"])
    )
    properties = shadow.configuration_overrides["applicationConfiguration"][0]["properties"]
    assert properties["spark.kubernetes.container.image"] == (
        "{{ spark_platform.image('pyspark-analytics', 'emr-spark-8.0.0-latest') }}"
    )
    # Each runs on the interpreter its release's image holds the job type's libraries in.
    assert properties["spark.pyspark.python"] == "/usr/bin/python3.11"
    assert job.configuration_overrides["applicationConfiguration"][0]["properties"]["spark.pyspark.python"] == (
        "/usr/bin/python3.9"
    )
    assert shadow.tags["shadow-of"] == "sessions"


def test_tasks_retry_with_exponential_backoff_and_emr_retries_jobs_itself(dagbag):
    for dag_id in dagbag.dag_ids:
        for task in dagbag.dags[dag_id].tasks:
            assert task.retries >= 1
            assert task.retry_exponential_backoff is True
            assert task.retry_delay == timedelta(minutes=2)
            assert task.max_retry_delay == timedelta(minutes=30)
            assert task.job_retry_max_attempts >= 1
            assert task.wait_for_completion is True
    assert dagbag.dags["ingestion__hourly_upserts"].get_task("orders").retries == 4
    assert dagbag.dags["ingestion__hourly_upserts"].get_task("orders").job_retry_max_attempts == 3


def test_tasks_are_not_deferred_by_default_so_a_kill_cancels_the_job(dagbag):
    # EmrContainerOperator.on_kill cancels the job run, but Airflow never calls on_kill for a
    # deferred task; pipelines opt into deferral explicitly.
    assert all(not task.deferrable for dag_id in dagbag.dag_ids for task in dagbag.dags[dag_id].tasks)


def test_per_job_spark_resources_reach_spark_submit(dagbag):
    task = dagbag.dags["analytics__daily_marts"].get_task("sessions")
    parameters = task.job_driver["sparkSubmitJobDriver"]["sparkSubmitParameters"]
    for setting in (
        "spark.executor.instances=20",
        "spark.executor.memory=16g",
        "spark.executor.cores=4",
        "spark.driver.memory=4g",
        "spark.driver.cores=2",
    ):
        assert f"--conf {setting}" in parameters
    properties = task.configuration_overrides["applicationConfiguration"][0]["properties"]
    assert properties["spark.sql.shuffle.partitions"] == "400"


def test_job_type_settings_come_with_the_image(dagbag):
    task = dagbag.dags["ingestion__hourly_upserts"].get_task("orders")
    properties = task.configuration_overrides["applicationConfiguration"][0]["properties"]
    assert properties["spark.jars"] == "local:///usr/lib/hudi/hudi-spark-bundle.jar"
    assert (
        properties["spark.kubernetes.container.image"]
        == "{{ spark_platform.image('hudi-ingestion', 'emr-7.12.0-latest') }}"
    )


def test_extra_jars_live_under_the_teams_artifacts_prefix_next_to_the_job_types_jars(dags_folder):
    from spark_platform_dags.documents import PlatformDocuments
    from spark_platform_dags.factory import build_dag, platform_settings

    (pipeline,) = parse_pipelines(
        {
            "team": "ingestion",
            "pipelines": [
                {"id": "p", "jobs": [_job("a", job_type="hudi-ingestion", extra_jars=["jars/udfs-1.4.2.jar"])]}
            ],
        },
        "ingestion.yaml",
    )
    dag = build_dag(
        pipeline, PlatformDocuments(name_prefix="spark", region="eu-west-1"), platform_settings(dags_folder)
    )
    jars = dag.get_task("a").configuration_overrides["applicationConfiguration"][0]["properties"]["spark.jars"]
    assert jars == (
        "local:///usr/lib/hudi/hudi-spark-bundle.jar,{{ spark_platform.team('ingestion').artifacts_uri }}jars/udfs-1.4.2.jar"
    )


def test_a_jvm_job_names_its_main_class_and_an_image_local_entry_point_stays_as_it_is(dags_folder):
    from spark_platform_dags.documents import PlatformDocuments
    from spark_platform_dags.factory import build_dag, platform_settings

    (pipeline,) = parse_pipelines(
        {
            "team": "analytics",
            "pipelines": [
                {
                    "id": "pi",
                    "jobs": [
                        _job(
                            "pi",
                            entry_point="local:///usr/lib/spark/examples/jars/spark-examples.jar",
                            main_class="org.apache.spark.examples.SparkPi",
                            arguments=["10"],
                        )
                    ],
                }
            ],
        },
        "analytics.yaml",
    )
    settings = platform_settings(dags_folder)
    dag = build_dag(pipeline, PlatformDocuments(name_prefix="spark", region="eu-west-1"), settings)
    driver = dag.get_task("pi").job_driver["sparkSubmitJobDriver"]
    assert driver["entryPoint"] == "local:///usr/lib/spark/examples/jars/spark-examples.jar"
    assert driver["sparkSubmitParameters"].startswith("--class org.apache.spark.examples.SparkPi --conf ")


def test_schedules_are_staggered_deterministically_across_the_hour(dagbag):
    marts = dagbag.dags["analytics__daily_marts"]
    upserts = dagbag.dags["ingestion__hourly_upserts"]
    assert str(marts.timetable.summary) == f"{stagger_minute('analytics__daily_marts')} 2 * * *"
    assert str(upserts.timetable.summary) == f"{stagger_minute('ingestion__hourly_upserts')} * * * *"
    minutes = {stagger_minute(f"team__pipeline_{i}") for i in range(200)}
    assert len(minutes) >= 55  # 200 pipelines cover (almost) every minute of the hour
    assert staggered_schedule("a__b", "hourly") == staggered_schedule("a__b", "hourly")


def test_an_explicit_cron_overrides_the_stagger():
    (pipeline,) = parse_pipelines(
        {"team": "t", "pipelines": [{"id": "p", "schedule": "0 6 * * 1", "jobs": [_job("a")]}]}, "t.yaml"
    )
    from spark_platform_dags.factory import schedule_of

    assert schedule_of(pipeline) == "0 6 * * 1"


def _job(job_id: str, **extra) -> dict:
    return {
        "id": job_id,
        "entry_point": "jobs/a.py",
        "job_type": "pyspark-analytics",
        "release_label": "emr-7.12.0-latest",
        **extra,
    }


@pytest.mark.parametrize(
    ("pipeline", "message"),
    [
        (
            {"id": "p", "jobs": [_job("a", release_label="7.12")]},
            r"jobs\[0\]\.release_label: '7\.12' is not an EMR on EKS release",
        ),
        ({"id": "p", "jobs": [_job("a", executors=0)]}, r"jobs\[0\]\.executors: 0 must be an integer from 1"),
        ({"id": "p", "jobs": [_job("a", executor_memory="8GB")]}, r"executor_memory: '8GB' must be a size"),
        ({"id": "p", "jobs": [_job("a", depends_on=["b"]), _job("b", depends_on=["a"])]}, r"depends_on forms a cycle"),
        ({"id": "p", "jobs": [_job("a", depends_on=["z"])]}, r"'z' is not another job of this pipeline"),
        (
            {"id": "p", "jobs": [_job("a", spark_conf={"spark.kubernetes.container.image": "x"})]},
            r"jobs\[0\]\.spark_conf: job 'a' sets 'spark\.kubernetes\.container\.image', which is the job type's image",
        ),
        ({"id": "p", "jobs": [_job("a", executorz=3)]}, r"unknown field 'executorz'"),
        ({"id": "p", "schedule": "every day", "jobs": [_job("a")]}, r"schedule: 'every day' is not hourly"),
        ({"id": "p", "jobs": [_job("a", main_class="org example")]}, r"main_class: 'org example' is not a Java class"),
        # A bad hour once reached the cron expression and broke the DAG at parse time in Airflow.
        (
            {"id": "p", "hour": 25, "jobs": [_job("a")]},
            r"^t\.yaml: pipelines\[0\]\.hour: 25 must be an integer from 0 to 23",
        ),
        ({"id": "p", "hour": "3", "jobs": [_job("a")]}, r"pipelines\[0\]\.hour: '3' must be an integer"),
        (
            {"id": "p", "retries": -1, "jobs": [_job("a")]},
            r"pipelines\[0\]\.retries: -1 must be an integer of 0 or more",
        ),
        (
            {"id": "p", "deferrable": "yes", "jobs": [_job("a")]},
            r"pipelines\[0\]\.deferrable: 'yes' must be true or false",
        ),
        (
            {"id": "p", "jobs": [_job("a", depends_on=["z"]), _job("b")]},
            r"'z' is not another job .*\(its other jobs: b\)",
        ),
    ],
)
def test_bad_pipeline_definitions_fail_with_the_file_and_field_named(pipeline, message):
    with pytest.raises(PipelineError, match=message) as error:
        parse_pipelines({"team": "t", "pipelines": [pipeline]}, "t.yaml")
    assert str(error.value).startswith("t.yaml: pipelines[0]")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("spark.kubernetes.executor.volumes.hostPath.tokens.mount.path", "/var/lib/kubelet/pods"),
        ("spark.kubernetes.driver.volumes.persistentVolumeClaim.data.options.claimName", "other-team"),
        ("spark.kubernetes.authenticate.executor.serviceAccountName", "default"),
        ("spark.kubernetes.authenticate.submission.oauthToken", "stolen"),
        ("spark.kubernetes.driver.node.selector.eks.amazonaws.com/nodegroup", "system"),
        ("spark.kubernetes.driver.podTemplateContainerName", "other"),
        ("spark.kubernetes.executor.pod.featureSteps", "com.example.Privileged"),
        ("spark.authenticate", "false"),
        ("spark.network.crypto.saslFallback", "true"),
        ("spark.io.encryption.enabled", "false"),
        ("spark.kubernetes.namespace", "spark-ingestion"),
    ],
)
def test_the_dag_factory_refuses_spark_settings_that_escape_the_pod_templates_naming_job_and_setting(key, value):
    pipeline = {
        "id": "p",
        "jobs": [_job("a"), _job("b", spark_conf={"spark.sql.shuffle.partitions": "64", key: value})],
    }
    with pytest.raises(
        PipelineError,
        match=rf"^t\.yaml: pipelines\[0\]\.jobs\[1\]\.spark_conf: job 'b' sets '{re.escape(key)}', which ",
    ):
        parse_pipelines({"team": "t", "pipelines": [pipeline]}, "t.yaml")

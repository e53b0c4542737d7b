"""Turns pipelines (model.Pipeline) into Airflow DAGs of EmrContainerOperator tasks."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from airflow.providers.amazon.aws.operators.emr import EmrContainerOperator

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.x
    from airflow import DAG

from spark_platform_dags.documents import PlatformDocuments
from spark_platform_dags.model import Pipeline, PipelineError, SparkJob, load_pipelines
from spark_platform_dags.provider import emr_container_kwargs
from spark_platform_dags.schedule import staggered_schedule

START_DATE = datetime(2026, 1, 1)


def platform_settings(dags_folder: Path) -> dict[str, str]:
    """Synth-time settings the CDK app writes next to the DAGs: prefix, Region, job types."""
    return json.loads((dags_folder / "spark_platform_dags" / "platform.json").read_text())


def schedule_of(pipeline: Pipeline) -> str | None:
    if pipeline.schedule == "@once":
        return "@once"
    if pipeline.schedule in ("hourly", "daily"):
        return staggered_schedule(pipeline.dag_id, pipeline.schedule, hour=pipeline.hour)
    return pipeline.schedule  # an explicit cron expression overrides the stagger


def jinja(expression: str) -> str:
    """A template Airflow renders when the task runs (not when the scheduler parses the file)."""
    return "{{ " + expression + " }}"


def _team(pipeline: Pipeline, field: str) -> str:
    return jinja(f"spark_platform.team('{pipeline.team}').{field}")


def spark_submit_parameters(job: SparkJob) -> str:
    main_class = [f"--class {job.main_class}"] if job.main_class else []
    conf = {
        "spark.executor.instances": str(job.executors),
        "spark.executor.memory": job.executor_memory,
        "spark.executor.cores": str(job.executor_cores),
        "spark.driver.memory": job.driver_memory,
        "spark.driver.cores": str(job.driver_cores),
    }
    return " ".join(main_class + [f"--conf {key}={value}" for key, value in conf.items()])


def _artifact(pipeline: Pipeline, path: str) -> str:
    """URIs (s3://, local:// inside the image) stay as they are; relative paths live under the
    team's artifacts prefix."""
    return path if "://" in path else _team(pipeline, "artifacts_uri") + path.lstrip("/")


def configuration_overrides(pipeline: Pipeline, job: SparkJob, job_type_conf: dict[str, str], settings: dict) -> dict:
    """spark-defaults: the job type's settings, then the job's own, then what the platform owns
    (pod templates, decommissioning: read from the team document when the task renders). The
    emr-job-submitter classification puts EMR's job-runner pod on an on-demand driver node."""
    # The release's own settings (the interpreter its job images hold the libraries for) first,
    # then the job type's and the job's.
    family = job.release_label.rsplit("-", 1)[0]  # emr-7.12.0-latest -> emr-7.12.0
    release_conf = settings.get("release_spark_conf", {}).get(family, {})
    properties = {**release_conf, **job_type_conf, **job.spark_conf}
    jars = [jar for jar in properties.get("spark.jars", "").split(",") if jar]
    jars += [_artifact(pipeline, jar) for jar in job.extra_jars]
    if jars:
        properties["spark.jars"] = ",".join(jars)
    properties.update(
        {
            "spark.kubernetes.container.image": jinja(f"spark_platform.image('{job.job_type}', '{job.release_label}')"),
            **{key: _team(pipeline, f"spark_conf['{key}']") for key in settings["platform_spark_conf_keys"]},
        }
    )
    return {
        "applicationConfiguration": [
            {"classification": "spark-defaults", "properties": properties},
            {"classification": "emr-job-submitter", "properties": dict(settings["job_submitter"])},
        ],
        "monitoringConfiguration": {
            "persistentAppUI": "ENABLED",
            "cloudWatchMonitoringConfiguration": {
                "logGroupName": _team(pipeline, "log_group"),
                "logStreamNamePrefix": f"{pipeline.team}/{pipeline.id}/{job.id}",
            },
            "s3MonitoringConfiguration": {"logUri": _team(pipeline, "logs_uri")},
        },
    }


def build_dag(pipeline: Pipeline, documents: PlatformDocuments, settings: dict) -> DAG:
    """``settings``: the platform.json the CDK app writes next to the DAGs."""
    dag = DAG(
        dag_id=pipeline.dag_id,
        description=pipeline.description or None,
        schedule=schedule_of(pipeline),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        tags=["spark", f"team:{pipeline.team}"],
        user_defined_macros={"spark_platform": documents},
        default_args={
            "owner": pipeline.team,
            "retries": pipeline.retries,
            "retry_delay": timedelta(minutes=2),
            "retry_exponential_backoff": True,
            "max_retry_delay": timedelta(minutes=30),
        },
    )
    tasks = {}
    with dag:
        for job in pipeline.jobs:
            tasks[job.id] = _operator(pipeline, job, documents, settings)
            if job.shadow is not None:
                # Same inputs on the candidate release, its own output prefix; nothing waits for it.
                shadow = shadow_job(pipeline, job)
                shadow_task = _operator(pipeline, shadow, documents, settings, shadow_of=job)
                for upstream in job.depends_on:
                    tasks[upstream] >> shadow_task
        for job in pipeline.jobs:
            for upstream in job.depends_on:
                tasks[upstream] >> tasks[job.id]
    return dag


SHADOW_SUFFIX = "__shadow"


def shadow_job(pipeline: Pipeline, job: SparkJob) -> SparkJob:
    """The shadow copy of ``job``: its candidate release, and its output under the team's data
    prefix, ``shadow/<release>/<pipeline>/<job>/`` (rendered when the task runs)."""
    release = job.shadow.release_label
    output = _team(pipeline, "data_uri") + f"shadow/{release}/{pipeline.id}/{job.id}/"
    return replace(
        job, id=job.id + SHADOW_SUFFIX, release_label=release, arguments=job.shadow_arguments(output), shadow=None
    )


def _operator(
    pipeline: Pipeline, job: SparkJob, documents: PlatformDocuments, settings: dict, shadow_of: SparkJob | None = None
) -> EmrContainerOperator:
    tags = {"spark-platform": documents.name_prefix, "team": pipeline.team, "pipeline": pipeline.id}
    if shadow_of is not None:
        tags["shadow-of"] = shadow_of.id
    return EmrContainerOperator(
        task_id=job.id,
        name=f"{pipeline.dag_id}.{job.id}",
        virtual_cluster_id=_team(pipeline, "virtual_cluster_id"),
        execution_role_arn=_team(pipeline, "execution_role_arn"),
        release_label=job.release_label,
        job_driver={
            "sparkSubmitJobDriver": {
                "entryPoint": _artifact(pipeline, job.entry_point),
                "entryPointArguments": list(job.arguments),
                "sparkSubmitParameters": spark_submit_parameters(job),
            }
        },
        configuration_overrides=configuration_overrides(
            pipeline, job, _job_type_conf(settings["job_types"], pipeline, job), settings
        ),
        tags=tags,
        deferrable=pipeline.deferrable,
        # Wait for the job's end; killing the (non-deferred) task cancels the job run.
        wait_for_completion=True,
        poll_interval=30,
        **emr_container_kwargs(job_retry_max_attempts=job.job_retry_max_attempts, region=documents.region),
    )


def _job_type_conf(job_types: dict[str, dict[str, str]], pipeline: Pipeline, job: SparkJob) -> dict[str, str]:
    if job.job_type not in job_types:
        raise PipelineError(
            f"{pipeline.dag_id}.{job.id}.job_type: {job.job_type!r} is not a job type of the platform; "
            f"use one of {', '.join(sorted(job_types))}"
        )
    return job_types[job.job_type]


def build_dags(dags_folder: Path) -> dict[str, DAG]:
    settings = platform_settings(dags_folder)
    documents = PlatformDocuments(name_prefix=settings["name_prefix"], region=settings["region"])
    return {
        pipeline.dag_id: build_dag(pipeline, documents, settings)
        for pipeline in load_pipelines(dags_folder / "pipelines")
    }

"""Turns pipelines (model.Pipeline) into Airflow DAGs of EmrContainerOperator tasks."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from airflow.providers.amazon.aws.operators.emr import EmrContainerOperator

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.x
    from airflow import DAG

from spark_platform_dags.documents import PlatformDocuments
from spark_platform_dags.model import Pipeline, SparkJob, load_pipelines
from spark_platform_dags.provider import emr_container_kwargs
from spark_platform_dags.request import shadow_job, start_job_run_request
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


class JinjaResolver:
    """Deploy-time values as Jinja over the platform documents (``spark_platform.team/image``)."""

    def team(self, team: str, field: str) -> str:
        return jinja(f"spark_platform.team('{team}').{field}")

    def team_conf(self, team: str, key: str) -> str:
        return jinja(f"spark_platform.team('{team}').spark_conf['{key}']")

    def image(self, job_type: str, release_label: str) -> str:
        return jinja(f"spark_platform.image('{job_type}', '{release_label}')")


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
                shadow_task = _operator(
                    pipeline, shadow_job(pipeline, job, JinjaResolver()), documents, settings, shadow_of=job
                )
                for upstream in job.depends_on:
                    tasks[upstream] >> shadow_task
        for job in pipeline.jobs:
            for upstream in job.depends_on:
                tasks[upstream] >> tasks[job.id]
    return dag


def _operator(
    pipeline: Pipeline, job: SparkJob, documents: PlatformDocuments, settings: dict, shadow_of: SparkJob | None = None
) -> EmrContainerOperator:
    # The same request `make smoke` sends (request.py), with Jinja for deploy-time values.
    request = start_job_run_request(
        pipeline, job, settings, JinjaResolver(), name_prefix=documents.name_prefix, shadow_of=shadow_of
    )
    return EmrContainerOperator(
        task_id=job.id,
        name=request["name"],
        virtual_cluster_id=request["virtualClusterId"],
        execution_role_arn=request["executionRoleArn"],
        release_label=request["releaseLabel"],
        job_driver=request["jobDriver"],
        configuration_overrides=request["configurationOverrides"],
        tags=request["tags"],
        deferrable=pipeline.deferrable,
        # Wait for the job's end; killing the (non-deferred) task cancels the job run.
        wait_for_completion=True,
        poll_interval=30,
        **emr_container_kwargs(job_retry_max_attempts=job.job_retry_max_attempts, region=documents.region),
    )


def build_dags(dags_folder: Path) -> dict[str, DAG]:
    settings = platform_settings(dags_folder)
    documents = PlatformDocuments(name_prefix=settings["name_prefix"], region=settings["region"])
    return {
        pipeline.dag_id: build_dag(pipeline, documents, settings)
        for pipeline in load_pipelines(dags_folder / "pipelines")
    }

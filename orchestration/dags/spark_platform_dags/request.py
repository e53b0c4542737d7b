"""The StartJobRun request of a pipeline job: one definition for the DAGs and for `make smoke`.

Plain Python (no Airflow): MWAA runs it inside the DAG factory, where every deploy-time value
(virtual cluster, role, pod templates, image, log locations) is a Jinja expression over the
platform documents in SSM, resolved when the task runs; `make smoke` runs the same function
with those values read from the same documents (spark_platform/lifecycle/smoke.py). A
``Resolver`` decides which of the two a value becomes, so the two can never build different
requests.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from spark_platform_dags.model import Pipeline, PipelineError, SparkJob


class Resolver(Protocol):
    """Where a request's deploy-time values come from (Jinja in Airflow, documents in smoke)."""

    def team(self, team: str, field: str) -> str:
        """A field of the team document (virtual_cluster_id, artifacts_uri, log_group, ...)."""
        ...

    def team_conf(self, team: str, key: str) -> str:
        """A spark-defaults setting the team document publishes (its ``spark_conf``)."""
        ...

    def image(self, job_type: str, release_label: str) -> str:
        """The job type's image for a release, from the image catalog."""
        ...


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


def artifact(pipeline: Pipeline, path: str, resolve: Resolver) -> str:
    """URIs (s3://, local:// inside the image) stay as they are; relative paths live under the
    team's artifacts prefix."""
    return path if "://" in path else resolve.team(pipeline.team, "artifacts_uri") + path.lstrip("/")


def log_stream_prefix(pipeline: Pipeline, job: SparkJob) -> str:
    """EMR appends ``/<virtual cluster id>/jobs/<job run id>/...`` to it."""
    return f"{pipeline.team}/{pipeline.id}/{job.id}"


def release_at_least(release_label: str, version: list[int] | tuple[int, ...]) -> bool:
    """emr-7.12.0-latest is at least (6, 11, 0); the model validated the label's shape. The AWS
    runtime for Apache Spark (emr-spark-8.0.0-latest) succeeds the EMR 7 line on EMR on EKS, so it
    has every EMR-line feature (spark_platform.emr_releases.EmrRelease.at_least says the same)."""
    if release_label.startswith("emr-spark-"):
        return True
    numbers = release_label.split("-")[1].split(".")
    return tuple(int(number) for number in numbers) >= tuple(version)


def configuration_overrides(
    pipeline: Pipeline, job: SparkJob, job_type_conf: dict[str, str], settings: dict, resolve: Resolver
) -> dict:
    """spark-defaults: the job type's settings, then the job's own, then what the platform owns
    (pod templates, decommissioning, the job's team context: from the team document). The
    emr-job-submitter classification puts EMR's job-runner pod on an on-demand driver node."""
    # The release's own settings (the interpreter its job images hold the libraries for) first,
    # then the job type's and the job's.
    family = job.release_label.rsplit("-", 1)[0]  # emr-7.12.0-latest -> emr-7.12.0
    release_conf = settings.get("release_spark_conf", {}).get(family, {})
    properties = {**release_conf, **job_type_conf, **job.spark_conf}
    jars = [jar for jar in properties.get("spark.jars", "").split(",") if jar]
    jars += [artifact(pipeline, jar, resolve) for jar in job.extra_jars]
    if jars:
        properties["spark.jars"] = ",".join(jars)
    properties.update(
        {
            "spark.kubernetes.container.image": resolve.image(job.job_type, job.release_label),
            **{key: resolve.team_conf(pipeline.team, key) for key in settings["platform_spark_conf_keys"]},
            **{key: resolve.team(pipeline.team, field) for key, field in settings.get("team_context", {}).items()},
        }
    )
    monitoring: dict[str, Any] = {
        "persistentAppUI": "ENABLED",
        "cloudWatchMonitoringConfiguration": {
            "logGroupName": resolve.team(pipeline.team, "log_group"),
            "logStreamNamePrefix": log_stream_prefix(pipeline, job),
        },
        "s3MonitoringConfiguration": {"logUri": resolve.team(pipeline.team, "logs_uri")},
    }
    if settings.get("container_log_rotation") and release_at_least(
        job.release_label, settings["container_log_rotation_since"]
    ):
        monitoring["containerLogRotationConfiguration"] = dict(settings["container_log_rotation"])
    return {
        "applicationConfiguration": [
            {"classification": "spark-defaults", "properties": properties},
            {"classification": "emr-job-submitter", "properties": dict(settings["job_submitter"])},
        ],
        "monitoringConfiguration": monitoring,
    }


def job_type_conf(job_types: dict[str, dict[str, str]], pipeline: Pipeline, job: SparkJob) -> dict[str, str]:
    if job.job_type not in job_types:
        raise PipelineError(
            f"{pipeline.dag_id}.{job.id}.job_type: {job.job_type!r} is not a job type of the platform; "
            f"use one of {', '.join(sorted(job_types))}"
        )
    return job_types[job.job_type]


def job_run_tags(pipeline: Pipeline, name_prefix: str) -> dict[str, str]:
    """The job run's tags: the platform's scoping (MWAA may only start tagged runs) and the
    cost-allocation tags that split EMR on EKS charges per team (docs/observability.md)."""
    return {"spark-platform": name_prefix, "spark-platform/team": pipeline.team, "pipeline": pipeline.id}


SHADOW_SUFFIX = "__shadow"


def shadow_job(pipeline: Pipeline, job: SparkJob, resolve: Resolver) -> SparkJob:
    """The shadow copy of ``job``: its candidate release, and its output under the team's data
    prefix, ``shadow/<release>/<pipeline>/<job>/`` (docs/runtimes.md, shadow runs)."""
    assert job.shadow is not None
    release = job.shadow.release_label
    output = resolve.team(pipeline.team, "data_uri") + f"shadow/{release}/{pipeline.id}/{job.id}/"
    return replace(
        job, id=job.id + SHADOW_SUFFIX, release_label=release, arguments=job.shadow_arguments(output), shadow=None
    )


def start_job_run_request(
    pipeline: Pipeline,
    job: SparkJob,
    settings: dict,
    resolve: Resolver,
    *,
    name_prefix: str,
    shadow_of: SparkJob | None = None,
) -> dict:
    """The StartJobRun parameters of ``job`` (EMR on EKS API reference, StartJobRun), as the DAG's
    EmrContainerOperator sends them (its ``job_retry_max_attempts`` becomes ``retryPolicyConfiguration``,
    only when positive, as the operator's hook does). A shadow run (``shadow_of``: the job it copies)
    is tagged ``shadow-of``."""
    request = {
        "name": f"{pipeline.dag_id}.{job.id}",
        "virtualClusterId": resolve.team(pipeline.team, "virtual_cluster_id"),
        "executionRoleArn": resolve.team(pipeline.team, "execution_role_arn"),
        "releaseLabel": job.release_label,
        "jobDriver": {
            "sparkSubmitJobDriver": {
                "entryPoint": artifact(pipeline, job.entry_point, resolve),
                "entryPointArguments": list(job.arguments),
                "sparkSubmitParameters": spark_submit_parameters(job),
            }
        },
        "configurationOverrides": configuration_overrides(
            pipeline, job, job_type_conf(settings["job_types"], pipeline, job), settings, resolve
        ),
        "tags": job_run_tags(pipeline, name_prefix),
    }
    if shadow_of is not None:
        request["tags"]["shadow-of"] = shadow_of.id
    if job.job_retry_max_attempts:
        request["retryPolicyConfiguration"] = {"maxAttempts": job.job_retry_max_attempts}
    return request

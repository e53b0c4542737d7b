"""A generated task, run through the real EmrContainerOperator against moto's EMR on EKS API.

The platform documents the task reads (SSM) are the ones the CDK app publishes: they are taken
from the template snapshots and resolved as CloudFormation would resolve them.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import boto3
import pytest
from airflow.exceptions import AirflowException, TaskDeferred
from airflow.providers.amazon.aws.triggers.emr import EmrContainerTrigger
from moto import mock_aws
from moto.emrcontainers.models import EMRContainersBackend, emrcontainers_backends
from spark_platform_dags.documents import PlatformDocuments
from spark_platform_dags.factory import build_dag, platform_settings
from spark_platform_dags.model import load_pipelines

from tests.deployed import ACCOUNT, REGION, publish_documents

from .conftest import ROOT

SNAPSHOTS = ROOT / "tests" / "__snapshots__" / "test_snapshots"


def snapshot(stack: str) -> dict:
    return json.loads((SNAPSHOTS / f"test_sandbox_template_matches_snapshot[{stack}].json").read_text())


def _accepting_the_spark_runtime(start_job_run):
    """moto's StartJobRun knows only emr-x.y.0 labels; EMR on EKS also takes the AWS runtime for
    Apache Spark's emr-spark-8.0.0-latest ("emr-spark-8.0.0-latest" page: "Use
    emr-spark-8.0.0-latest as the --release-label value in the StartJobRun API"). The job keeps
    the label it was submitted with."""

    def accepting(self, **kwargs):
        label = kwargs["release_label"]
        spark_runtime = label.startswith("emr-spark-")
        job = start_job_run(self, **{**kwargs, "release_label": "emr-7.12.0-latest" if spark_runtime else label})
        job.release_label = label
        return job

    return accepting


@pytest.fixture
def platform(monkeypatch):
    """moto with the sandbox's two virtual clusters, execution roles and published documents."""
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", "aws://")
    monkeypatch.setattr(
        EMRContainersBackend, "start_job_run", _accepting_the_spark_runtime(EMRContainersBackend.start_job_run)
    )
    with mock_aws():
        emr = boto3.client("emr-containers", region_name=REGION)
        iam = boto3.client("iam", region_name=REGION)
        ssm = boto3.client("ssm", region_name=REGION)
        clusters = publish_documents(snapshot("spark-teams-1"), snapshot("spark-images"), emr=emr, iam=iam, ssm=ssm)
        yield {"clusters": clusters, "emr": emr}


def dag_for(dags_folder: Path, dag_id: str, **overrides):
    settings = platform_settings(dags_folder)
    documents = PlatformDocuments(name_prefix=settings["name_prefix"], region=settings["region"])
    (pipeline,) = [p for p in load_pipelines(dags_folder / "pipelines") if p.dag_id == dag_id]
    if overrides:
        from dataclasses import replace

        pipeline = replace(pipeline, **overrides)
    return build_dag(pipeline, documents, settings)


def prepared_task(dag, task_id: str):
    task = dag.get_task(task_id)
    task.poll_interval = 1  # seconds, not the production 30
    task.max_polling_attempts = 30  # a test that never finishes its job fails instead of hanging
    context = {"ds": "2026-11-20", "data_interval_start": "2026-11-20T00:00:00+00:00", "dag": dag, "task": task}
    # Rendered first, as Airflow does: the hook is built from the rendered cluster id.
    task.render_template_fields(context)
    requests: list[dict] = []
    task.hook.conn.meta.events.register(
        "provide-client-params.emr-containers.StartJobRun", lambda params, **_: requests.append(params)
    )
    return task, context, requests


def _job(job_id: str):
    backend = emrcontainers_backends[ACCOUNT][REGION]
    runs = backend.job_runs if hasattr(backend, "job_runs") else backend.jobs  # moto >= 5.1 / 5.0
    return runs[job_id]


def job_state(job_id: str) -> str:
    return _job(job_id).state


def set_job_state(job_id: str, state: str) -> None:
    _job(job_id).state = state


def run_on_main_thread(task, context, once_submitted):
    """``task.execute(context)`` on the main thread, where an Airflow worker runs it (off it,
    execute fails on Airflow 2.10/2.11); ``once_submitted(job_id)`` runs beside it, on a helper
    thread, as soon as the job run exists: it plays EMR (a state change) or Airflow (``on_kill``)."""
    outcome: dict = {}

    def watch():
        deadline = time.monotonic() + 30
        while task.job_id is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if task.job_id is not None:
            try:
                outcome["state_at_submission"] = job_state(task.job_id)
                once_submitted(task.job_id)
            except Exception as error:  # reported below, not lost in the thread
                outcome["watcher_error"] = error

    assert threading.current_thread() is threading.main_thread()
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        outcome["result"] = task.execute(context)
    except Exception as error:
        outcome["error"] = error
    watcher.join(timeout=30)
    assert task.job_id, f"the job was never submitted: {outcome.get('error')!r}"
    assert "watcher_error" not in outcome, outcome["watcher_error"]
    return outcome


def test_start_job_run_carries_the_team_cluster_role_release_templates_image_and_resources(dags_folder, platform):
    task, context, requests = prepared_task(dag_for(dags_folder, "analytics__daily_marts"), "sessions")
    outcome = run_on_main_thread(task, context, lambda job_id: set_job_state(job_id, "COMPLETED"))
    assert outcome.get("result") == task.job_id, outcome

    (request,) = requests
    teams = snapshot("spark-teams-1")
    analytics_cluster = platform["clusters"]["analytics"]
    assert request["virtualClusterId"] == analytics_cluster
    assert request["executionRoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/spark-analytics-emr-job"
    assert request["releaseLabel"] == "emr-7.12.0-latest"
    assert request["retryPolicyConfiguration"] == {"maxAttempts": 2}
    driver = request["jobDriver"]["sparkSubmitJobDriver"]
    assert driver["entryPoint"] == f"s3://spark-artifacts-{ACCOUNT}-{REGION}/teams/analytics/jobs/sessions.py"
    assert driver["entryPointArguments"] == [
        "--date",
        "2026-11-20",
        "--output",
        f"s3://spark-data-{ACCOUNT}-{REGION}/teams/analytics/marts/sessions/",
    ]
    assert "--conf spark.executor.instances=20" in driver["sparkSubmitParameters"]
    assert "--conf spark.executor.memory=16g" in driver["sparkSubmitParameters"]
    defaults, submitter = request["configurationOverrides"]["applicationConfiguration"]
    assert defaults["classification"] == "spark-defaults"
    properties = defaults["properties"]
    # EMR's job-runner pod goes to an on-demand driver node, whose taint it tolerates.
    assert submitter["classification"] == "emr-job-submitter"
    assert submitter["properties"]["jobsubmitter.node.selector.karpenter.sh/capacity-type"] == "on-demand"
    assert submitter["properties"]["jobsubmitter.node.toleration.spark-platform/role"] == "spark-driver"
    assert submitter["properties"]["jobsubmitter.node.toleration.spark-platform/role.effect"] == "NoSchedule"
    # Decommissioning from the team document, its fallback under the team's data prefix.
    assert properties["spark.decommission.enabled"] == "true"
    assert properties["spark.storage.decommission.fallbackStorage.path"] == (
        f"s3://spark-data-{ACCOUNT}-{REGION}/teams/analytics/spark-fallback/"
    )
    assert properties["spark.kubernetes.container.image"].startswith(
        f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/spark/pyspark-analytics:7.12.0-latest-"
    )
    driver_template = properties["spark.kubernetes.driver.podTemplateFile"]
    assert driver_template.startswith(f"s3://cdk-hnb659fds-assets-{ACCOUNT}-{REGION}/") and driver_template.endswith(
        ".yaml"
    )
    monitoring = request["configurationOverrides"]["monitoringConfiguration"]
    assert monitoring["cloudWatchMonitoringConfiguration"]["logGroupName"] == "/emr-on-eks/spark/analytics"
    assert monitoring["s3MonitoringConfiguration"]["logUri"] == f"s3://spark-logs-{ACCOUNT}-{REGION}/teams/analytics/"
    assert monitoring["persistentAppUI"] == "ENABLED"
    assert request["tags"] == {"spark-platform": "spark", "spark-platform/team": "analytics", "pipeline": "daily_marts"}
    assert teams  # the documents came from the synthesized templates


def test_a_shadow_run_starts_on_the_spark_4_runtime_and_writes_under_the_teams_shadow_prefix(dags_folder, platform):
    task, context, requests = prepared_task(dag_for(dags_folder, "analytics__daily_marts"), "sessions__shadow")
    run_on_main_thread(task, context, lambda job_id: set_job_state(job_id, "COMPLETED"))
    (request,) = requests
    assert request["releaseLabel"] == "emr-spark-8.0.0-latest"
    assert request["jobDriver"]["sparkSubmitJobDriver"]["entryPointArguments"] == [
        "--date",
        "2026-11-20",
        "--output",
        f"s3://spark-data-{ACCOUNT}-{REGION}/teams/analytics/shadow/emr-spark-8.0.0-latest/daily_marts/sessions/",
    ]
    properties = request["configurationOverrides"]["applicationConfiguration"][0]["properties"]
    assert "/spark/pyspark-analytics:spark-8.0.0-latest-" in properties["spark.kubernetes.container.image"]
    assert properties["spark.pyspark.python"] == "/usr/bin/python3.11"
    assert request["tags"] == {
        "spark-platform": "spark",
        "spark-platform/team": "analytics",
        "pipeline": "daily_marts",
        "shadow-of": "sessions",
    }


def test_hudi_jobs_run_on_their_image_with_the_bundle_from_the_image(dags_folder, platform):
    task, context, requests = prepared_task(dag_for(dags_folder, "ingestion__hourly_upserts"), "orders")
    run_on_main_thread(task, context, lambda job_id: set_job_state(job_id, "COMPLETED"))
    (request,) = requests
    properties = request["configurationOverrides"]["applicationConfiguration"][0]["properties"]
    assert "/spark/hudi-ingestion:7.12.0-latest-" in properties["spark.kubernetes.container.image"]
    assert properties["spark.jars"] == "local:///usr/lib/hudi/hudi-spark-bundle.jar"
    assert request["executionRoleArn"].endswith(":role/spark-ingestion-emr-job")


def test_a_failed_job_fails_the_task(dags_folder, platform):
    task, context, _ = prepared_task(dag_for(dags_folder, "analytics__daily_marts"), "legacy_report")
    outcome = run_on_main_thread(task, context, lambda job_id: set_job_state(job_id, "FAILED"))
    assert isinstance(outcome.get("error"), AirflowException)
    assert "FAILED" in str(outcome["error"])


def test_killing_the_task_cancels_the_job_run(dags_folder, platform):
    task, context, _ = prepared_task(dag_for(dags_folder, "analytics__daily_marts"), "campaign_mart")
    # on_kill is what Airflow calls when the task is killed or times out.
    outcome = run_on_main_thread(task, context, lambda _: task.on_kill())
    assert outcome["state_at_submission"] == "RUNNING"
    assert job_state(task.job_id) == "CANCELLED"
    assert isinstance(outcome.get("error"), AirflowException)


def test_a_deferrable_pipeline_defers_to_the_emr_trigger(dags_folder, platform):
    task, context, _ = prepared_task(dag_for(dags_folder, "analytics__daily_marts", deferrable=True), "sessions")
    with pytest.raises(TaskDeferred) as deferred:
        task.execute(context)
    trigger = deferred.value.trigger
    assert isinstance(trigger, EmrContainerTrigger)
    assert trigger.serialize()[1]["job_id"] == task.job_id
    assert task.execute_complete(context, {"status": "success", "job_id": task.job_id}) == task.job_id
    with pytest.raises(AirflowException):
        task.execute_complete(context, {"status": "error", "message": "Job failed", "job_id": task.job_id})


def test_a_missing_image_for_the_release_is_a_clear_error(dags_folder, platform):
    documents = PlatformDocuments(name_prefix="spark", region=REGION)
    from spark_platform_dags.documents import DocumentError

    with pytest.raises(
        DocumentError, match=r"'hudi-ingestion' has no image for emr-7.9.0-latest; built for: emr-7.12.0-latest"
    ):
        documents.image("hudi-ingestion", "emr-7.9.0-latest")

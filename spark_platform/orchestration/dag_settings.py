"""The settings file the CDK app writes next to the DAGs (no CDK import: DAG tests use it too)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from spark_platform.emr_release_catalog import RELEASES
from spark_platform.images import JOB_TYPES
from spark_platform.jobs.dag_package import DAGS_DIR
from spark_platform.jobs.runtimes import runtime_spark_conf
from spark_platform.jobs.submission import (
    CONTAINER_LOG_ROTATION,
    CONTAINER_LOG_ROTATION_SINCE,
    PLATFORM_SPARK_CONF_KEYS,
    TEAM_CONTEXT,
    job_submitter_properties,
)


def platform_settings(*, name_prefix: str, region: str) -> dict:
    """What the DAG factory needs at parse time; everything deploy-time comes from SSM."""
    return {
        "name_prefix": name_prefix,
        "region": region,
        "job_types": {name: dict(kind.spark_conf) for name, kind in sorted(JOB_TYPES.items())},
        # Per release family (emr-7.12.0, emr-spark-8.0.0): what every job on it carries.
        "release_spark_conf": {family: runtime_spark_conf(f"{family}-latest") for family in sorted(RELEASES)},
        # Placement of EMR's job-runner pod, and the spark-defaults each team document holds.
        "job_submitter": job_submitter_properties(),
        "platform_spark_conf_keys": list(PLATFORM_SPARK_CONF_KEYS),
        # Spark setting -> team document field: where each job finds its team's data and databases.
        "team_context": dict(TEAM_CONTEXT),
        # Rotation of the Spark containers' stdout/stderr, on the releases that support it.
        "container_log_rotation": dict(CONTAINER_LOG_ROTATION),
        "container_log_rotation_since": list(CONTAINER_LOG_ROTATION_SINCE),
    }


def stage_dags(target: Path, *, pipelines: Path | None, settings: dict) -> Path:
    """Assemble exactly what MWAA's dags/ folder receives: the DAG code, the pipelines and the
    settings file. Rebuilt on every synth; its content hash is the asset's identity."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(
        DAGS_DIR, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "pipelines", "platform.json")
    )
    if pipelines is None:  # no pipelines yet: the DAG package finds an empty folder
        (target / "pipelines").mkdir()
        (target / "pipelines" / ".keep").write_text("")
    else:
        shutil.copytree(pipelines, target / "pipelines", ignore=shutil.ignore_patterns("__pycache__"))
    (target / "spark_platform_dags" / "platform.json").write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n")
    return target

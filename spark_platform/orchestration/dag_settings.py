"""The settings file the CDK app writes next to the DAGs (no CDK import: DAG tests use it too)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from spark_platform.images import JOB_TYPES

DAGS_DIR = Path(__file__).resolve().parent.parent.parent / "orchestration" / "dags"


def platform_settings(*, name_prefix: str, region: str) -> dict:
    """What the DAG factory needs at parse time; everything deploy-time comes from SSM."""
    return {
        "name_prefix": name_prefix,
        "region": region,
        "job_types": {name: dict(kind.spark_conf) for name, kind in sorted(JOB_TYPES.items())},
    }


def stage_dags(target: Path, *, pipelines: Path, settings: dict) -> Path:
    """Assemble exactly what MWAA's dags/ folder receives: the DAG code, the pipelines and the
    settings file. Rebuilt on every synth; its content hash is the asset's identity."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(
        DAGS_DIR, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "pipelines", "platform.json")
    )
    shutil.copytree(pipelines, target / "pipelines", ignore=shutil.ignore_patterns("__pycache__"))
    (target / "spark_platform_dags" / "platform.json").write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n")
    return target

"""Airflow tests run in .venv-airflow-<version> (an Airflow version MWAA runs), never in the CDK venv."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DAGS = ROOT / "orchestration" / "dags"

AIRFLOW_HOME = Path(os.environ.setdefault("AIRFLOW_HOME", str(ROOT / ".airflow-home")))
AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
# moto, not AWS: fake credentials and the sandbox Region.
os.environ.update(
    {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "eu-west-1"}
)
os.environ.pop("AWS_PROFILE", None)

sys.path[:0] = [str(ROOT), str(DAGS)]

from spark_platform.orchestration.dag_settings import platform_settings, stage_dags  # noqa: E402


@pytest.fixture(scope="session")
def dags_folder(tmp_path_factory) -> Path:
    """The dags folder exactly as the CDK app stages it for MWAA (code, pipelines, settings)."""
    return stage_dags(
        tmp_path_factory.mktemp("dags") / "dags",
        pipelines=DAGS / "pipelines",
        settings=platform_settings(name_prefix="spark", region="eu-west-1"),
    )

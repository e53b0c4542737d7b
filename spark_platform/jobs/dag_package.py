"""Where the DAG package MWAA runs lives, and its plain-Python modules loaded without Airflow.

The pipelines' parser (``spark_platform_dags.model``) and the schedule stagger
(``spark_platform_dags.schedule``) ship to MWAA as they are, where ``spark_platform`` is not
installed; the platform reads the same files from here, so Airflow and the synth checks can
never parse a pipeline differently. Imports nothing heavy: the Airflow tests use it too.
"""

from __future__ import annotations

import importlib.util
import sys
from importlib import resources
from pathlib import Path
from types import ModuleType

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent.parent


def _dags_dir() -> Path:
    """The DAG package MWAA runs: ``orchestration/dags/`` in a checkout; in an installed wheel
    the same files are package data at ``spark_platform/dags/`` (pyproject.toml maps them)."""
    checkout = REPOSITORY_ROOT / "orchestration" / "dags"
    if checkout.is_dir():
        return checkout
    return Path(str(resources.files("spark_platform") / "dags"))


DAGS_DIR = _dags_dir()


def dag_module(module: str) -> ModuleType:
    """A module of the DAG package (model, schedule), loaded without Airflow and without putting
    the dags folder on sys.path."""
    name = f"spark_platform_dags_{module}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, DAGS_DIR / "spark_platform_dags" / f"{module}.py")
        assert spec and spec.loader
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[name] = loaded
        spec.loader.exec_module(loaded)
    return sys.modules[name]


def pipeline_model() -> ModuleType:
    """The DAG package's ``model``: SparkJob, Pipeline, parse_pipelines, load_pipelines,
    PipelineError, refused_spark_setting."""
    return dag_module("model")


def schedule_module() -> ModuleType:
    """The DAG package's ``schedule``: the staggered minute of each pipeline."""
    return dag_module("schedule")

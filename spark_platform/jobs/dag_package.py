"""Where the DAG package MWAA runs lives, and its plain-Python modules loaded without Airflow.

The pipelines' parser (``spark_platform_dags.model``) and the schedule stagger
(``spark_platform_dags.schedule``) ship to MWAA as they are, where ``spark_platform`` is not
installed; the platform reads the same files from here, so Airflow and the synth checks can
never parse a pipeline differently. Imports nothing heavy: the Airflow tests use it too.
"""

from __future__ import annotations

import importlib
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


def _artifacts_dir() -> Path:
    """The sample pipelines' job scripts: ``orchestration/artifacts/`` in a checkout, package data
    ``spark_platform/artifacts/`` in the wheel."""
    checkout = REPOSITORY_ROOT / "orchestration" / "artifacts"
    if checkout.is_dir():
        return checkout
    return Path(str(resources.files("spark_platform") / "artifacts"))


ARTIFACTS_DIR = _artifacts_dir()


PACKAGE = "spark_platform_dags"


def dag_module(module: str) -> ModuleType:
    """A plain-Python module of the DAG package (model, schedule, request), imported without
    Airflow and without putting the dags folder on sys.path: the package is registered from its
    own directory, so its modules import each other as they do in MWAA."""
    if PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            PACKAGE,
            DAGS_DIR / PACKAGE / "__init__.py",
            submodule_search_locations=[str(DAGS_DIR / PACKAGE)],
        )
        assert spec and spec.loader
        package = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"{PACKAGE}.{module}")


def pipeline_model() -> ModuleType:
    """The DAG package's ``model``: SparkJob, Pipeline, parse_pipelines, load_pipelines,
    PipelineError, refused_spark_setting."""
    return dag_module("model")


def schedule_module() -> ModuleType:
    """The DAG package's ``schedule``: the staggered minute of each pipeline."""
    return dag_module("schedule")


def request_module() -> ModuleType:
    """The DAG package's ``request``: the StartJobRun request of a pipeline job (DAGs and smoke)."""
    return dag_module("request")

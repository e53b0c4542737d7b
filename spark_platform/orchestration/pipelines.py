"""Check the pipelines shipped with the DAGs against the platform configuration at synth time.

A pipeline that names an unknown team, a release its team may not use, or an image that is
not built fails ``cdk synth`` with the file and field named, instead of a DAG that fails in
Airflow at 3 a.m.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from spark_platform.config import ConfigError, PlatformConfig

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent.parent
DAGS_DIR = REPOSITORY_ROOT / "orchestration" / "dags"


def pipelines_dir(config: PlatformConfig) -> Path:
    path = Path(config.orchestration.pipelines_dir)
    return path if path.is_absolute() else REPOSITORY_ROOT / path


def _model() -> ModuleType:
    """The DAG package's model module, loaded without putting the dags folder on sys.path."""
    name = "spark_platform_dags_model"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, DAGS_DIR / "spark_platform_dags" / "model.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def check_pipelines(config: PlatformConfig) -> list:
    """The pipelines of ``orchestration.pipelines_dir``, checked; raises ConfigError on the first problem."""
    model = _model()
    directory = pipelines_dir(config)
    if not directory.is_dir():
        raise ConfigError(f"orchestration.pipelines_dir: {directory} is not a directory")
    try:
        pipelines = model.load_pipelines(directory)
    except model.PipelineError as error:
        raise ConfigError(f"pipelines: {error}") from None
    teams = {team.name: team for team in config.teams}
    images = {image.job_type: image for image in config.images}
    for pipeline in pipelines:
        where = f"pipelines: {pipeline.dag_id}"
        team = teams.get(pipeline.team)
        if team is None:
            raise ConfigError(
                f"{where}: team {pipeline.team!r} is not in teams; add the team or remove its pipelines file"
            )
        for job in pipeline.jobs:
            if job.release_label not in team.release_labels:
                raise ConfigError(
                    f"{where}.{job.id}.release_label: {job.release_label} is not among team {team.name}'s "
                    f"release_labels ({', '.join(team.release_labels)})"
                )
            image = images.get(job.job_type)
            if image is None or job.release_label not in image.release_labels:
                raise ConfigError(
                    f"{where}.{job.id}: no {job.job_type} image is built for {job.release_label}; "
                    "add the release to that job type under images"
                )
    return pipelines

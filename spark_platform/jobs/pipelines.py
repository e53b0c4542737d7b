"""Pipelines as the platform reads them, and the synth-time checks of every job they hold.

The one place the synth checks, the capacity planner, the job-run twin, the migration assistant
and the MWAA construct reach the job model from: the pipelines YAML (parsed by the DAG
package's own ``model``, the same file MWAA runs, loaded here without Airflow), each job as
EMR receives it (``job_spec``), the pods EMR creates for it (``one_executor_pods``) and whether
they are admitted and fit a node (``check_job_runs``).

A pipeline that names an unknown team, a release its team may not use, an image that is not
built, or something the release cannot run (jobs/runtimes.py) fails ``cdk synth`` with the file
and field named, instead of a DAG that fails in Airflow at 3 a.m. A job's shadow run on a
candidate release is checked the same way, on that release.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

from spark_platform.config import ConfigError, PlatformConfig, TeamConfig
from spark_platform.images import JOB_TYPES
from spark_platform.jobs.dag_package import ARTIFACTS_DIR, DAGS_DIR, REPOSITORY_ROOT, pipeline_model
from spark_platform.jobs.emr_pods import JobPods, JobSpec, job_pods
from spark_platform.jobs.fit import job_problems
from spark_platform.jobs.runtimes import job_problems as runtime_problems
from spark_platform.jobs.runtimes import runtime_spark_conf
from spark_platform.jobs.spark_resources import SparkSettingError, is_python
from spark_platform.jobs.submission import job_submitter_properties
from spark_platform.jobs.team_objects import team_objects

SHIPPED_PIPELINES = "orchestration/dags/pipelines"
SHIPPED_ARTIFACTS = "orchestration/artifacts"


def pipelines_dir(config: PlatformConfig) -> Path | None:
    """Absolute paths as given; the pipelines shipped with the DAGs (in a checkout or the installed
    wheel) by their documented path; other relative paths are from the repository root in a
    checkout, else from the current directory. None when no pipelines are configured."""
    if config.orchestration.pipelines_dir is None:
        return None
    path = Path(config.orchestration.pipelines_dir)
    if path.is_absolute():
        return path
    if path == Path(SHIPPED_PIPELINES):
        return DAGS_DIR / "pipelines"
    base = REPOSITORY_ROOT if (REPOSITORY_ROOT / "orchestration").is_dir() else Path.cwd()
    return base / path


def artifacts_dir(config: PlatformConfig) -> Path:
    """Resolved like pipelines_dir; the default is the sample jobs shipped with the DAGs."""
    path = Path(config.orchestration.artifacts_dir)
    if path.is_absolute():
        return path
    if path == Path(SHIPPED_ARTIFACTS):
        return ARTIFACTS_DIR
    base = REPOSITORY_ROOT if (REPOSITORY_ROOT / "orchestration").is_dir() else Path.cwd()
    return base / path


def team_artifacts(config: PlatformConfig) -> dict[str, Path]:
    """The folder of each configured team in artifacts_dir (uploaded to teams/<team>/ on deploy).
    The shipped scripts belong to the shipped pipelines: with other pipelines they are used only
    when artifacts_dir is configured too."""
    orchestration = config.orchestration
    if orchestration.artifacts_dir == SHIPPED_ARTIFACTS and orchestration.pipelines_dir != SHIPPED_PIPELINES:
        return {}
    directory = artifacts_dir(config)
    teams = {team.name for team in config.teams}
    return (
        {path.name: path for path in sorted(directory.iterdir()) if path.is_dir() and path.name in teams}
        if directory.is_dir()
        else {}
    )


def artifact_problems(folder: Path | None, job, where: str) -> list[str]:
    """A team whose scripts come from artifacts_dir must find every relative path of its jobs there
    (the day-one sample pipelines named scripts nobody had written)."""
    if folder is None:
        return []
    return [
        f"{where}.{field}: {path} is not in {folder} (uploaded to the team's artifacts prefix on deploy); "
        "add the file or give an s3:// location"
        for field, path in (("entry_point", job.entry_point), *(("extra_jars", jar) for jar in job.extra_jars))
        if "://" not in path and not (folder / path.lstrip("/")).is_file()
    ]


def check_pipelines(config: PlatformConfig) -> list:
    """The pipelines of ``orchestration.pipelines_dir``, checked against the teams, the images and
    what their pods need. Raises one ConfigError listing every problem of every file, a line each
    with the file, the field path, the limit and the fix."""
    model = pipeline_model()
    directory = pipelines_dir(config)
    if directory is None:
        return []
    if not directory.is_dir():
        raise ConfigError(f"orchestration.pipelines_dir: {directory} is not a directory")
    # The files' own problems and the platform's checks of every job that could be read, in one run.
    shown_as = directory.relative_to(Path.cwd()) if directory.is_relative_to(Path.cwd()) else directory
    pipelines, problems = model.read_pipelines(directory, shown_as=shown_as)
    problems += [line for pipeline in pipelines for line in pipeline_problems(config, pipeline)]
    if problems:
        raise ConfigError("\n".join(problems))
    return pipelines


def pipeline_problems(config: PlatformConfig, pipeline) -> list[str]:
    """What in ``pipeline`` the platform cannot run, one line each (empty: it runs)."""
    teams = {team.name: (index, team) for index, team in enumerate(config.teams)}
    where = pipeline.source or f"pipelines: {pipeline.dag_id}"
    if pipeline.team not in teams:
        known = ", ".join(sorted(teams)) or "none"
        return [
            f"{where.split(':')[0]}: team {pipeline.team!r} is not in teams (teams: {known}); "
            "add the team or remove its pipelines file"
        ]
    index, team = teams[pipeline.team]
    folder = team_artifacts(config).get(team.name)
    problems = []
    for j, job in enumerate(pipeline.jobs):
        at = f"{where}.jobs[{j}]"
        problems += release_problems(config, (index, team), pipeline, job, job.release_label, at)
        if job.shadow is not None:
            problems += release_problems(config, (index, team), pipeline, job, job.shadow.release_label, f"{at}.shadow")
        problems += artifact_problems(folder, job, at)
    return problems


def release_problems(config: PlatformConfig, indexed_team, pipeline, job, release_label: str, at: str) -> list[str]:
    """Why ``job`` cannot run on ``release_label`` (its own, or its shadow's), one line each."""
    index, team = indexed_team
    problems = []
    if release_label not in team.release_labels:
        problems.append(
            f"{at}.release_label: {release_label} is not among team {team.name}'s release_labels "
            f"({', '.join(team.release_labels)}); use one of them or add it to teams[{index}].release_labels"
        )
    image = next((image for image in config.images if image.job_type == job.job_type), None)
    if image is None or release_label not in image.release_labels:
        built = ", ".join(image.release_labels) if image else "none"
        problems.append(
            f"{at}.job_type: no {job.job_type} image is built for {release_label} (built: {built}); "
            f"add the release to job type {job.job_type} under images"
        )
        return problems
    spec = job_spec(pipeline, job, release_label=release_label)
    problems += [f"{at}: {problem}" for problem in runtime_problems(release_label, spec.spark_conf, job.extra_jars)]
    return problems + [f"{at}{problem}" for problem in job_run_problems(config, team, spec)]


def job_spec(pipeline, job, *, release_label: str | None = None) -> JobSpec:
    """A pipeline job as EMR receives it on its release (or on ``release_label``, for its shadow
    run): the release's settings, the job type's, then the job's own."""
    release_label = release_label or job.release_label
    return JobSpec(
        name=f"{pipeline.dag_id}.{job.id}" + ("" if release_label == job.release_label else ".shadow"),
        release_label=release_label,
        python=is_python(job.entry_point),
        executors=job.executors,
        executor_cores=job.executor_cores,
        executor_memory=job.executor_memory,
        driver_cores=job.driver_cores,
        driver_memory=job.driver_memory,
        spark_conf={**runtime_spark_conf(release_label), **JOB_TYPES[job.job_type].spark_conf, **job.spark_conf},
    )


def job_run_problems(config: PlatformConfig, team: TeamConfig, spec: JobSpec) -> list[str]:
    """Why a pod of the job would be rejected or fit no node, each starting with the field path
    below the job (".spark_conf: ..." or ": the executor pod ...")."""
    conf = tuple(sorted(spec.spark_conf.items()))
    try:
        problems = _job_problems(config.karpenter, team, replace(spec, name="", spark_conf=()), conf)
    except SparkSettingError as error:
        return [f".spark_conf: {error}"]
    return list(problems)


def check_job_runs(config: PlatformConfig, team: TeamConfig, spec: JobSpec, *, where: str) -> None:
    """Raise, naming the job and every limit it breaks, when a pod of the job would be rejected or
    fit no node."""
    problems = job_run_problems(config, team, spec)
    if problems:
        raise ConfigError("\n".join(f"{where}{problem}" for problem in problems))


def one_executor_pods(team: TeamConfig, spec: JobSpec) -> JobPods:
    """The job runner, the driver and one executor of ``spec``: identical executors are
    counted, not built."""
    driver, executor, _ = team_objects(team)
    return job_pods(
        replace(spec, executors=1),
        namespace=team.namespace,
        driver_template=driver,
        executor_template=executor,
        submitter_properties=job_submitter_properties(),
    )


@functools.lru_cache(maxsize=4096)
def _job_problems(karpenter, team: TeamConfig, spec: JobSpec, conf: tuple) -> tuple[str, ...]:
    """job_problems of one job shape; jobs of the same team with the same settings share it."""
    _, _, namespace_objects = team_objects(team)
    pods = one_executor_pods(team, replace(spec, spark_conf=dict(conf)))
    return tuple(
        job_problems(
            pods, team=team, namespace_objects=namespace_objects, karpenter=karpenter, executors=spec.executors
        )
    )

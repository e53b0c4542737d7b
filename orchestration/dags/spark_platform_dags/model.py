"""Pipelines as data: the YAML a team writes, parsed and validated without Airflow.

A pipelines file belongs to one team and declares DAGs; each DAG lists Spark jobs with their
entry point, arguments, EMR release, job type (image), resources and Spark settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from spark_platform_dags.refused import refused_spark_setting

_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# emr-7.12.0-latest (EMR line) or emr-spark-8.0.0-latest (AWS runtime for Apache Spark), or a dated build.
_RELEASE = re.compile(r"^emr-(spark-)?\d+\.\d+\.\d+-(latest|\d{8})$")
_MEMORY = re.compile(r"^[1-9][0-9]*[mg]$")
_CRON = re.compile(r"^(\S+\s+){4}\S+$")
_MAIN_CLASS = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$")


# The run time the capacity planner assumes for a job that states no expected_minutes.
DEFAULT_EXPECTED_MINUTES = 20


class PipelineError(ValueError):
    """A mistake in a pipelines file; the message names the file, the field and the fix."""


@dataclass(frozen=True)
class Shadow:
    """A copy of a job run on a candidate release with the same inputs, writing its output under
    the team's data prefix (``shadow/<release>/<pipeline>/<job>/``) instead of the job's own, so a
    team can compare the two before switching the job's release_label. The copy runs beside the
    job (same upstream jobs); no job waits for it."""

    release_label: str
    # The argument that names the job's output location (``--output s3://...`` or
    # ``--output=s3://...``): the shadow run gets its own prefix there, every other argument as is.
    output_argument: str


@dataclass(frozen=True)
class SparkJob:
    id: str
    entry_point: str  # s3://..., local:// (inside the image) or a path under the team's artifacts prefix
    job_type: str
    release_label: str
    arguments: tuple[str, ...] = ()
    # The JVM application's main class (spark-submit --class); empty for PySpark entry points
    # and for JARs whose manifest names it.
    main_class: str = ""
    executors: int = 2
    executor_memory: str = "4g"
    executor_cores: int = 2
    driver_memory: str = "2g"
    driver_cores: int = 1
    extra_jars: tuple[str, ...] = ()
    spark_conf: dict[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    # Attempts EMR makes itself (driver restarts) before the Airflow task sees a failure.
    job_retry_max_attempts: int = 2
    # How long a run of this job usually takes, in minutes: only the capacity planner reads it
    # (`make plan`); Airflow ignores it. The default is a typical short batch job.
    expected_minutes: int = DEFAULT_EXPECTED_MINUTES
    # A shadow run on a candidate release (see Shadow); none by default.
    shadow: Shadow | None = None

    def shadow_arguments(self, output_prefix: str) -> tuple[str, ...]:
        """The job's arguments with its output argument pointing at ``output_prefix``."""
        assert self.shadow is not None
        flag, arguments = self.shadow.output_argument, list(self.arguments)
        for index, argument in enumerate(arguments):
            if argument == flag and index + 1 < len(arguments):
                arguments[index + 1] = output_prefix
            elif argument.startswith(f"{flag}="):
                arguments[index] = f"{flag}={output_prefix}"
        return tuple(arguments)


@dataclass(frozen=True)
class Pipeline:
    team: str
    id: str
    description: str
    schedule: str  # hourly | daily | a 5-field cron expression | @once
    hour: int
    jobs: tuple[SparkJob, ...]
    retries: int = 3
    # Deferred tasks free their worker slot while the job runs, but Airflow never calls
    # on_kill for them, so killing such a task leaves the job running. Off by default.
    deferrable: bool = False
    # Where it was declared ("analytics.yaml: pipelines[0]"), for messages; not a YAML field.
    source: str = field(default="", compare=False)

    @property
    def dag_id(self) -> str:
        return f"{self.team}__{self.id}"


_JOB_FIELDS = set(SparkJob.__dataclass_fields__)
_PIPELINE_FIELDS = {"id", "description", "schedule", "hour", "jobs", "retries", "deferrable"}


def _fail(where: str, message: str) -> PipelineError:
    return PipelineError(f"{where}: {message}")


class _Problems(list):
    """Every mistake of a file, so one run reports them all (each: file, field, what is wrong, fix)."""

    def add(self, where: str, message: str) -> None:
        self.append(f"{where}: {message}")

    def raise_any(self) -> None:
        if self:
            count = f"{len(self)} problems:\n" if len(self) > 1 else ""
            raise PipelineError(count + "\n".join(self))


def _job(data: dict[str, Any], where: str, problems: _Problems) -> SparkJob | None:
    """The job, or None when it cannot even be built; every problem found goes to ``problems``."""
    if not isinstance(data, dict):
        problems.add(where, "a job is a mapping")
        return None
    for unknown in sorted(set(data) - _JOB_FIELDS):
        problems.add(where, f"unknown field {unknown!r}; allowed: {', '.join(sorted(_JOB_FIELDS))}")
    missing = [name for name in ("id", "entry_point", "job_type", "release_label") if name not in data]
    for name in missing:
        problems.add(where, f"missing {name!r}")
    if missing or set(data) - _JOB_FIELDS:
        return None
    values = dict(data)
    for name in ("arguments", "extra_jars", "depends_on"):
        values[name] = tuple(str(item) for item in values.get(name, ()))
    values["spark_conf"] = {str(k): str(v) for k, v in (values.get("spark_conf") or {}).items()}
    if values.get("shadow") is not None:
        values["shadow"] = _shadow(values["shadow"], f"{where}.shadow", problems)
        if values["shadow"] is None:
            return None
    job = SparkJob(**values)
    before = len(problems)
    if not _ID.match(str(job.id)):
        problems.add(f"{where}.id", f"{job.id!r} must be lower_snake_case (a-z, 0-9, _), starting with a letter")
    if not _RELEASE.match(str(job.release_label)):
        problems.add(
            f"{where}.release_label",
            f"{job.release_label!r} is not an EMR on EKS release label such as emr-7.12.0-latest or emr-spark-8.0.0-latest",
        )
    if job.main_class and not _MAIN_CLASS.match(job.main_class):
        problems.add(f"{where}.main_class", f"{job.main_class!r} is not a Java class name such as org.example.Main")
    for name in ("executor_memory", "driver_memory"):
        if not _MEMORY.match(str(getattr(job, name))):
            problems.add(f"{where}.{name}", f"{getattr(job, name)!r} must be a size such as 4g or 512m")
    for name, low, high in (
        ("executors", 1, 1000),
        ("executor_cores", 1, 64),
        ("driver_cores", 1, 64),
        ("job_retry_max_attempts", 0, 10),
        ("expected_minutes", 1, 1440),
    ):
        value = getattr(job, name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems.add(f"{where}.{name}", f"{value!r} must be an integer from {low} to {high}")
    if job.shadow is not None:
        if job.shadow.release_label == job.release_label:
            problems.add(
                f"{where}.shadow.release_label", "is the job's own release; a shadow runs on a candidate release"
            )
        flag, arguments = job.shadow.output_argument, job.arguments
        if not any(
            (argument == flag and index + 1 < len(arguments)) or argument.startswith(f"{flag}=")
            for index, argument in enumerate(arguments)
        ):
            problems.add(
                f"{where}.shadow.output_argument",
                f"{flag!r} with a value is not among the job's arguments; the shadow run needs it to write elsewhere",
            )
    for key in sorted(job.spark_conf):
        why = refused_spark_setting(key)
        if why:
            problems.add(f"{where}.spark_conf", f"job {job.id!r} sets {key!r}, which {why}; remove it")
    return job if len(problems) == before else None


def _shadow(data: Any, where: str, problems: _Problems) -> Shadow | None:
    """The shadow of a job, or None when it cannot be built; its problems go to ``problems``."""
    if not isinstance(data, dict) or set(data) != {"release_label", "output_argument"}:
        problems.add(where, "a shadow is a mapping with release_label and output_argument")
        return None
    shadow = Shadow(release_label=str(data["release_label"]), output_argument=str(data["output_argument"]))
    before = len(problems)
    if not _RELEASE.match(shadow.release_label):
        problems.add(f"{where}.release_label", f"{shadow.release_label!r} is not an EMR on EKS release label")
    if not shadow.output_argument.startswith("-") or "=" in shadow.output_argument:
        problems.add(f"{where}.output_argument", f"{shadow.output_argument!r} must be an option such as --output")
    return shadow if len(problems) == before else None


def parse_pipelines(data: Any, source: str, problems: _Problems | None = None) -> list[Pipeline]:
    """The pipelines of one file. Raises PipelineError listing every problem, unless the caller
    collects them (``problems``) to report several files at once."""
    collected = _Problems() if problems is None else problems
    pipelines = _parse(data, source, collected)
    if problems is None:
        collected.raise_any()
    return pipelines


def _parse(data: Any, source: str, problems: _Problems, *, partial: bool = False) -> list[Pipeline]:
    """The file's pipelines; with ``partial``, also those with problems, holding the jobs that
    could be built, so the platform's checks of those jobs report in the same run."""
    if not isinstance(data, dict) or set(data) - {"team", "pipelines"} or "team" not in data:
        problems.add(source, "expected a mapping with 'team' and 'pipelines'")
        return []
    team = data["team"]
    pipelines = []
    seen = set()
    for index, entry in enumerate(data.get("pipelines") or []):
        where = f"{source}: pipelines[{index}]"
        if not isinstance(entry, dict):
            problems.add(where, "a pipeline is a mapping")
            continue
        before = len(problems)
        for unknown in sorted(set(entry) - _PIPELINE_FIELDS):
            problems.add(where, f"unknown field {unknown!r}; allowed: {', '.join(sorted(_PIPELINE_FIELDS))}")
        pipeline_id = entry.get("id", "")
        if not _ID.match(str(pipeline_id)):
            problems.add(f"{where}.id", f"{pipeline_id!r} must be lower_snake_case")
        elif pipeline_id in seen:
            problems.add(f"{where}.id", f"{pipeline_id!r} is declared twice")
        seen.add(pipeline_id)
        schedule = str(entry.get("schedule", "daily"))
        if schedule not in ("hourly", "daily", "@once") and not _CRON.match(schedule):
            problems.add(f"{where}.schedule", f"{schedule!r} is not hourly, daily, @once or a 5-field cron expression")
        hour, retries = entry.get("hour", 0), entry.get("retries", 3)
        if not _is_int(hour) or not 0 <= hour <= 23:
            problems.add(f"{where}.hour", f"{hour!r} must be an integer from 0 to 23 (the hour of a daily run, UTC)")
        if not _is_int(retries) or retries < 0:
            problems.add(f"{where}.retries", f"{retries!r} must be an integer of 0 or more")
        if not isinstance(entry.get("deferrable", False), bool):
            problems.add(f"{where}.deferrable", f"{entry['deferrable']!r} must be true or false")
        raw_jobs = entry.get("jobs") or []
        if not raw_jobs:
            problems.add(f"{where}.jobs", "list at least one job")
        built = [_job(job, f"{where}.jobs[{j}]", problems) for j, job in enumerate(raw_jobs)]
        jobs = tuple(job for job in built if job is not None)
        ids = [job.id for job in jobs]
        if len(set(ids)) != len(ids):
            problems.add(f"{where}.jobs", "two jobs share an id")
        for j, job in enumerate(built):
            for upstream in job.depends_on if job else ():
                if upstream not in ids or upstream == job.id:
                    others = ", ".join(sorted(set(ids) - {job.id})) or "none"
                    problems.add(
                        f"{where}.jobs[{j}].depends_on",
                        f"{upstream!r} is not another job of this pipeline (its other jobs: {others})",
                    )
        if len(problems) == before:
            _check_acyclic(jobs, where, problems)
        # A partial pipeline keeps every job, or its jobs' field paths (jobs[j]) would shift.
        if len(problems) > before and not (partial and jobs and None not in built):
            continue
        pipelines.append(
            Pipeline(
                team=team,
                id=pipeline_id,
                description=str(entry.get("description", "")),
                schedule=schedule,
                hour=hour if _is_int(hour) else 0,
                jobs=jobs,
                retries=retries if _is_int(retries) else 3,
                deferrable=bool(entry.get("deferrable", False)),
                source=where,
            )
        )
    return pipelines


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_acyclic(jobs: tuple[SparkJob, ...], where: str, problems: _Problems) -> None:
    upstream = {job.id: set(job.depends_on) for job in jobs}
    done: set[str] = set()
    while upstream:
        ready = [job for job, deps in upstream.items() if deps <= done]
        if not ready:
            problems.add(f"{where}.jobs", f"depends_on forms a cycle among {', '.join(sorted(upstream))}")
            return
        for job in ready:
            done.add(job)
            del upstream[job]


# libyaml's safe loader when PyYAML was built with it (about 10x faster on thousands of jobs).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_pipelines(directory: Path) -> list[Pipeline]:
    """Every pipeline of every ``*.yaml`` file in ``directory``, sorted by DAG id. Raises
    PipelineError listing every problem of every file."""
    pipelines, problems = read_pipelines(directory, partial=False)
    _Problems(problems).raise_any()
    return pipelines


def read_pipelines(
    directory: Path, *, partial: bool = True, shown_as: Path | None = None
) -> tuple[list[Pipeline], list[str]]:
    """The pipelines of ``directory`` and every problem of every file, without raising. With
    ``partial``, a pipeline with problems is still returned with the jobs that could be built;
    files are named ``shown_as/<file>`` when given, else by their name."""
    pipelines: list[Pipeline] = []
    problems = _Problems()
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
        pipelines += _parse(data, str(shown_as / path.name) if shown_as else path.name, problems, partial=partial)
    return sorted(pipelines, key=lambda pipeline: pipeline.dag_id), list(problems)

"""The jobs the twin runs: every job of the sample pipelines, and generated edge cases.

Edge cases are the largest executor and driver the synth-time check accepts (most cores, most
memory), for PySpark and JVM and for each EMR release a team uses, and the same plus one core
or one GiB, which the check refuses. The twin then shows the real API server and scheduler
draw the line at the same place.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spark_platform.config import ConfigError, PlatformConfig, TeamConfig
from spark_platform.jobs.emr_pods import JobSpec
from spark_platform.jobs.pipelines import check_job_runs, check_pipelines, job_spec


@dataclass(frozen=True)
class TwinJob:
    team: TeamConfig
    spec: JobSpec
    accepted: bool  # by the synth-time check
    reason: str = ""


def sample_jobs(config: PlatformConfig) -> list[TwinJob]:
    """Every job of the sample pipelines on its release, and every shadow run on its candidate."""
    teams = {team.name: team for team in config.teams}
    return [
        TwinJob(teams[pipeline.team], job_spec(pipeline, job, release_label=release), accepted=True)
        for pipeline in check_pipelines(config)
        for job in pipeline.jobs
        for release in (job.release_label, *([job.shadow.release_label] if job.shadow else []))
    ]


def verdict(config: PlatformConfig, team: TeamConfig, spec: JobSpec) -> TwinJob:
    try:
        check_job_runs(config, team, spec, where=spec.name)
    except ConfigError as error:
        return TwinJob(team, spec, accepted=False, reason=str(error))
    return TwinJob(team, spec, accepted=True)


def _largest(config: PlatformConfig, team: TeamConfig, base: JobSpec, field: str, unit: str, top: int) -> int:
    """The largest value of ``field`` (1..top) the check accepts, all else as in ``base``."""

    def accepted(value: int) -> bool:
        return verdict(config, team, replace(base, **{field: f"{value}{unit}" if unit else value})).accepted

    low, high = 0, top
    while low < high:  # acceptance is monotonic in each resource
        middle = (low + high + 1) // 2
        low, high = (middle, high) if accepted(middle) else (low, middle - 1)
    return low


def edge_jobs(config: PlatformConfig) -> list[TwinJob]:
    jobs = []
    for team in config.teams:
        for release in team.release_labels:
            for python in (True, False):
                language = "pyspark" if python else "jvm"
                base = JobSpec(
                    name=f"{team.name}.edge.{release}.{language}",
                    release_label=release,
                    python=python,
                    executors=2,
                    executor_cores=1,
                    executor_memory="1g",
                    driver_cores=1,
                    driver_memory="1g",
                )
                for role in ("executor", "driver"):
                    cores = _largest(config, team, base, f"{role}_cores", "", 256)
                    memory = _largest(config, team, base, f"{role}_memory", "g", 4096)
                    for field, value, unit in ((f"{role}_cores", cores, ""), (f"{role}_memory", memory, "g")):
                        for size in (value, value + 1):
                            spec = replace(
                                base,
                                name=f"{base.name}.{field}={size}{unit}",
                                **{field: f"{size}{unit}" if unit else size},
                            )
                            jobs.append(verdict(config, team, spec))
    return jobs

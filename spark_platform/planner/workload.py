"""A day of pipelines as the planner sees it: when each run starts and what each job asks for.

Start times follow the DAG factory: ``hourly`` and ``daily`` pipelines run at their own
staggered minute (``spark_platform_dags.schedule``, loaded without Airflow), an explicit cron
expression runs as written, ``@once`` is not part of a daily plan. ``stagger=False`` plans the
same pipelines all started at minute 0 of their hour: the seed team's problem.

What a job asks for is what synth checks: the pods EMR creates (``jobs.emr_pods.job_pods``),
admitted with the team's LimitRange defaults (``jobs.fit.pod_requests``) and bound to the pool
their node selector names (``jobs.fit.pool_of``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spark_platform.config import PlatformConfig, TeamConfig
from spark_platform.jobs.capacity import Resources
from spark_platform.jobs.dag_package import schedule_module
from spark_platform.jobs.emr_pods import JobSpec
from spark_platform.jobs.fit import pod_requests, pool_of, quantity, with_limit_range_defaults
from spark_platform.jobs.pipelines import check_pipelines, job_spec, one_executor_pods
from spark_platform.jobs.team_objects import team_objects

MINUTES_PER_DAY = 24 * 60


class ScheduleError(ValueError):
    pass


@dataclass(frozen=True)
class PodGroup:
    """``count`` identical pods of one job, bound for ``pool`` (``driver`` or ``executor``)."""

    pool: str
    requests: Resources
    count: int


@dataclass(frozen=True)
class JobShape:
    groups: tuple[PodGroup, ...]
    # What the team's ResourceQuota counts: requests.cpu (milli), requests.memory, limits.memory, pods.
    quota_use: tuple[int, int, int, int]


@dataclass(frozen=True)
class PlannedJob:
    name: str  # <team>__<pipeline>.<job>
    team: str
    shape: JobShape
    minutes: int
    upstream: tuple[int, ...]  # indices into the pipeline's jobs


@dataclass(frozen=True)
class PlannedPipeline:
    dag_id: str
    team: str
    starts: tuple[int, ...]  # minutes of the day
    jobs: tuple[PlannedJob, ...]


def _cron_field(text: str, low: int, high: int, where: str) -> list[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            first, last = low, high
        elif "-" in base:
            first, last = (int(v) for v in base.split("-", 1))
        else:
            first = int(base)
            last = high if step_text else first
        if not (low <= first <= last <= high) or step < 1:
            raise ScheduleError(f"{where}: {text!r} is outside {low}-{high}")
        values.update(range(first, last + 1, step))
    return sorted(values)


def cron_minutes(expression: str, where: str) -> list[int]:
    """Minutes of one day a 5-field cron expression fires. The day-of-month, month and weekday
    fields are not evaluated: the planned day is one on which the pipeline runs."""
    fields = expression.split()
    try:
        minutes = _cron_field(fields[0], 0, 59, f"{where} (minute)")
        hours = _cron_field(fields[1], 0, 23, f"{where} (hour)")
    except ValueError as error:
        raise ScheduleError(f"{where}: {expression!r} is not a cron expression the planner reads ({error})") from None
    return [hour * 60 + minute for hour in hours for minute in minutes]


def start_minutes(pipeline, *, stagger: bool = True) -> list[int]:
    """When runs of ``pipeline`` start during the planned day."""
    where = f"pipelines: {pipeline.dag_id}.schedule"
    if pipeline.schedule == "@once":
        return []
    if pipeline.schedule in ("hourly", "daily"):
        if not stagger:
            return list(range(0, MINUTES_PER_DAY, 60)) if pipeline.schedule == "hourly" else [pipeline.hour * 60]
        cron = schedule_module().staggered_schedule(pipeline.dag_id, pipeline.schedule, hour=pipeline.hour)
        return cron_minutes(cron, where)
    return cron_minutes(pipeline.schedule, where)


def _quota_use(pods, limit_range, executors: int) -> tuple[int, int, int, int]:
    cpu = memory = limits = count = 0
    for pod, n in ((pods.job_runner, 1), (pods.driver, 1), (pods.executors[0], executors)):
        requests = pod_requests(pod, limit_range)
        cpu += requests.cpu_milli * n
        memory += requests.memory_bytes * n
        limits += n * int(
            sum(
                quantity(with_limit_range_defaults(c, limit_range)["limits"].get("memory", 0))
                for c in pod["spec"]["containers"]
            )
        )
        count += n
    return cpu, memory, limits, count


def job_shape(config: PlatformConfig, team: TeamConfig, spec: JobSpec) -> JobShape:
    """The pods of one run of ``spec``: job runner and driver, then ``spec.executors`` executors."""
    pods = one_executor_pods(team, spec)
    limit_range = next(obj for obj in team_objects(team)[2] if obj["kind"] == "LimitRange")
    groups = []
    for pod, count in ((pods.job_runner, 1), (pods.driver, 1), (pods.executors[0], spec.executors)):
        pool_name, _ = pool_of(pod, config.karpenter)
        groups.append(PodGroup(pool_name, pod_requests(pod, limit_range), count))
    return JobShape(tuple(groups), _quota_use(pods, limit_range, spec.executors))


def plan_pipelines(
    config: PlatformConfig, *, stagger: bool = True, pipelines: list | None = None
) -> list[PlannedPipeline]:
    """Every pipeline of the configuration, checked as synth checks it, with its day's starts."""
    if pipelines is None:
        pipelines = check_pipelines(config)
    teams = {team.name: team for team in config.teams}
    shapes: dict[tuple, JobShape] = {}
    planned = []
    for pipeline in pipelines:
        team = teams[pipeline.team]
        index = {job.id: position for position, job in enumerate(pipeline.jobs)}
        jobs = []
        # Each job, then the shadow runs (after them, so the jobs keep their indices): a shadow
        # starts with its job (same upstream jobs) and holds as much capacity.
        runs = [(job, job.release_label) for job in pipeline.jobs]
        runs += [(job, job.shadow.release_label) for job in pipeline.jobs if job.shadow is not None]
        for job, release_label in runs:
            spec = job_spec(pipeline, job, release_label=release_label)
            key = (team.name, replace(spec, name="", spark_conf=()), tuple(sorted(spec.spark_conf.items())))
            if key not in shapes:
                shapes[key] = job_shape(config, team, spec)
            jobs.append(
                PlannedJob(
                    name=spec.name,
                    team=team.name,
                    shape=shapes[key],
                    minutes=job.expected_minutes,
                    upstream=tuple(index[upstream] for upstream in job.depends_on),
                )
            )
        planned.append(
            PlannedPipeline(pipeline.dag_id, team.name, tuple(start_minutes(pipeline, stagger=stagger)), tuple(jobs))
        )
    return planned

"""The migration of a set of inputs to one team's pipelines file and its report.

Each Airflow DAG file is one workflow (one pipeline); every other input (RunJobFlow request,
describe-cluster and list-steps output, add-steps lists), in the order given, forms one more
workflow: the cluster from the cluster-shaped file, the steps from the others. Every problem
of every input is collected before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from spark_platform.config import ConfigError, PlatformConfig
from spark_platform.migrate.airflow_dag import read_dag
from spark_platform.migrate.findings import cluster_items
from spark_platform.migrate.model import Item, SourceError, Workflow
from spark_platform.migrate.plan_cost import After, after_cost
from spark_platform.migrate.source_cost import Before, before_cost
from spark_platform.migrate.sources import read_document
from spark_platform.migrate.translate import Translation, identifier, translate
from spark_platform.planner.workload import ScheduleError, cron_minutes

_NAMED = {"@hourly": ("hourly", 0), "@daily": ("daily", 0), "@midnight": ("daily", 0)}


@dataclass
class Migrated:
    workflow: Workflow
    translation: Translation
    schedule_note: str
    runs_per_day: float
    before: Before
    items: list[Item] = field(default_factory=list)


@dataclass
class Migration:
    team: str
    document: dict
    workflows: list[Migrated]
    after: After


def platform_schedule(schedule: object, where: str) -> tuple[dict, float, str]:
    """The pipeline's schedule fields, runs per day and what changed; the stagger is kept."""
    if schedule in _NAMED:
        frequency, hour = _NAMED[schedule]  # type: ignore[index]
        return (
            {"schedule": frequency, "hour": hour},
            24.0 if frequency == "hourly" else 1.0,
            f"{schedule} -> {frequency}",
        )
    if schedule in (None, "@once", "None"):
        return {"schedule": "@once"}, 0.0, f"{schedule} -> @once (runs when triggered; the day's cost counts no run)"
    text = str(schedule)
    fields = text.split()
    if len(fields) == 5 and fields[2:] == ["*", "*", "*"]:
        minute, hour = fields[0], fields[1]
        if minute.isdigit() and hour.isdigit():
            return (
                {"schedule": "daily", "hour": int(hour)},
                1.0,
                f"{text} -> daily at hour {hour}, at the pipeline's staggered minute (was minute {minute})",
            )
        if minute.isdigit() and hour == "*":
            return {"schedule": "hourly"}, 24.0, f"{text} -> hourly, at the pipeline's staggered minute"
    try:
        runs = len(cron_minutes(text, where)) if len(fields) == 5 else None
    except ScheduleError:
        runs = None
    if runs is None:
        raise SourceError(
            f"{where}: schedule {text!r} is not @hourly, @daily, @once or a 5-field cron expression; "
            "pass --schedule with one of those"
        )
    weekly = fields[4] != "*" or fields[2] != "*" or fields[3] != "*"
    note = f"{text} kept as written (a cron expression is not staggered)"
    return {"schedule": text}, runs / 7 if weekly and fields[4] != "*" else float(runs), note


def read_workflows(paths: list[Path], problems: list[str]) -> list[Workflow]:
    workflows, rest = [], None
    for path in paths:
        if not path.is_file():
            problems.append(f"{path}: no such file")
            continue
        try:
            if path.suffix == ".py":
                workflows.append(read_dag(path))
                continue
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
            cluster, steps = read_document(data, path.name)
        except (SourceError, json.JSONDecodeError, yaml.YAMLError) as error:
            problems.append(
                str(error) if isinstance(error, SourceError) else f"{path.name}: not valid JSON/YAML ({error})"
            )
            continue
        rest = rest or Workflow(name=path.stem, sources=[])
        rest.sources.append(path.name)
        rest.steps += steps
        if cluster is not None:
            if rest.cluster is not None:
                problems.append(f"{path.name}: a second cluster ({cluster.name}); migrate one cluster per run")
            rest.cluster, rest.name = cluster, cluster.name
    return workflows + ([rest] if rest else [])


def migrate(
    paths: list[Path],
    *,
    config: PlatformConfig,
    team_name: str,
    job_type: str = "pyspark-analytics",
    schedule: str | None = None,
    bootstrap_dir: Path | None = None,
) -> Migration:
    """Raises SourceError (every problem, one a line) or ConfigError."""
    problems: list[str] = []
    teams = {team.name: team for team in config.teams}
    if team_name not in teams:
        raise ConfigError(f"--team: {team_name!r} is not a team of the configuration ({', '.join(sorted(teams))})")
    team = teams[team_name]
    migrated, taken = [], set()
    for workflow in read_workflows(paths, problems):
        where = ", ".join(workflow.sources)
        try:
            fields, runs, note = platform_schedule(
                schedule if schedule is not None else workflow.schedule or "@daily", where
            )
            translation = translate(
                workflow,
                config=config,
                team=team,
                pipeline_id=identifier(workflow.name, taken),
                preferred_job_type=job_type,
            )
            before = before_cost(workflow, runs)
        except (SourceError, ConfigError, ValueError) as error:
            problems.append(str(error))
            continue
        if not translation.pipeline["jobs"]:
            problems.append(f"{where}: no Spark step moved ({len(workflow.steps)} steps read); nothing to write for it")
            continue
        translation.pipeline.update(fields)
        items = cluster_items(workflow, bootstrap_dir) + [
            Item(where, note, "write it as a literal, then migrate again") for note in workflow.notes
        ]
        migrated.append(Migrated(workflow, translation, note, runs, before, items))
    if problems:
        raise SourceError("\n".join(problems))
    document = {"team": team.name, "pipelines": [m.translation.pipeline for m in migrated]}
    return Migration(
        team=team.name, document=document, workflows=migrated, after=after_cost(config, document, team.name)
    )

"""Each Spark step of a workflow becomes a job of one pipeline, in the platform's pipelines format.

A job keeps the step's application, arguments, main class, JARs and Spark settings (the
cluster's spark-defaults under the step's own), loses what only YARN or the EC2 cluster used
(settings.why_dropped), runs on the closest release the team has (releases), with executors
refitted to the pools (sizing), after the previous Spark step (step order becomes depends_on).
Every job is checked as ``cdk synth`` checks it (``jobs.pipelines.check_job_runs``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from spark_platform.config import ConfigError, PlatformConfig, TeamConfig
from spark_platform.images import JOB_TYPES
from spark_platform.jobs.dag_package import pipeline_model
from spark_platform.jobs.pipelines import check_job_runs, job_spec
from spark_platform.jobs.spark_resources import SparkSettingError, is_python, mebibytes
from spark_platform.migrate import sizing
from spark_platform.migrate.findings import artifact, path_items
from spark_platform.migrate.model import Change, Item, Step, Workflow
from spark_platform.migrate.releases import closest_release
from spark_platform.migrate.settings import SIZING_KEYS, Dropped, cluster_spark_conf, why_dropped
from spark_platform.migrate.source_cost import instance_shapes
from spark_platform.migrate.spark_submit import SparkSubmit, parse_run_example, parse_spark_submit
from spark_platform.migrate.steps import RUN_EXAMPLE, SPARK, non_spark_item, spark_arguments, step_kind

DEFAULT_EXECUTOR_CORES = 4
YARN_MEMORY_SHARE = 0.75  # of a node's memory that executor heaps got on EMR on EC2 (assumed)


@dataclass
class Translation:
    pipeline: dict
    jobs: list[dict] = field(default_factory=list)  # per job: id, step, sizing before/after
    changes: list[Change] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    refused: list[Item] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    releases: list[str] = field(default_factory=list)
    platform_notes: list[str] = field(default_factory=list)


def identifier(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:56] or "job"
    base = base if base[0].isalpha() else f"j_{base}"
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    taken.add(name)
    return name


def _submit_of(step: Step) -> SparkSubmit:
    args = spark_arguments(step)
    return parse_run_example(args) if step_kind(step) == RUN_EXAMPLE else parse_spark_submit(args)


def _job_type(conf: dict[str, str], jars: list[str], config: PlatformConfig, team: TeamConfig, preferred: str) -> str:
    """The job type whose settings the step already carries (Hudi's, say), else ``preferred``."""
    allowed = set(team.release_labels)
    types = [image.job_type for image in config.images if allowed & set(image.release_labels)]
    if not types:
        raise ConfigError(f"images: no job type has an image for a release team {team.name} may use")
    names = {jar.rsplit("/", 1)[-1] for jar in jars + conf.get("spark.jars", "").split(",") if jar}

    def overlap(name: str) -> int:
        own = JOB_TYPES[name].spark_conf
        same = sum(1 for key, value in own.items() if key != "spark.jars" and conf.get(key) == value)
        return same + sum(1 for jar in own.get("spark.jars", "").split(",") if jar and jar.rsplit("/", 1)[-1] in names)

    return max(sorted(types), key=lambda name: (overlap(name), name == preferred))


def _executors(
    submit: SparkSubmit, conf: dict[str, str], workflow: Workflow, assumptions: list[str], job: str
) -> sizing.Executors:
    shapes = instance_shapes()
    workers = [g for g in (workflow.cluster.groups if workflow.cluster else ()) if g.role in ("CORE", "TASK")]
    known = [g for g in workers if g.instance_type in shapes]
    cores_text = submit.options.get("--executor-cores") or conf.get("spark.executor.cores")
    heap_text = submit.options.get("--executor-memory") or conf.get("spark.executor.memory")
    count_text = submit.options.get("--num-executors") or conf.get("spark.executor.instances")
    node = shapes[known[0].instance_type] if known else None
    if cores_text is None:
        cores = min(DEFAULT_EXECUTOR_CORES, node["vcpus"]) if node else DEFAULT_EXECUTOR_CORES
        assumptions.append(f"{job}: no executor cores stated; assumed {cores} (EMR sizes executors per instance type)")
    else:
        cores = int(float(cores_text))
    if heap_text is None:
        per_core = node["memory_gib"] * 1024 * YARN_MEMORY_SHARE / node["vcpus"] if node else 2048
        heap = int(per_core * cores) // 256 * 256
        assumptions.append(
            f"{job}: no executor memory stated; assumed {sizing.size_text(heap)} "
            f"({YARN_MEMORY_SHARE:.0%} of the {known[0].instance_type if known else 'worker'} node's memory per core)"
        )
    else:
        heap = mebibytes(heap_text, setting="--executor-memory")
    if count_text is None:
        capacity = sum(shapes[g.instance_type]["vcpus"] * g.count for g in known) // cores if known else 2
        limit = conf.get("spark.dynamicAllocation.maxExecutors")
        count = max(1, min(capacity, int(limit)) if limit and limit.isdigit() else capacity)
        assumptions.append(
            f"{job}: no executor count stated (dynamic allocation); assumed {count}, as many as the "
            "cluster's core and task nodes hold"
        )
    else:
        count = int(count_text)
    return sizing.Executors(count=max(1, count), cores=max(1, cores), heap_mib=heap)


def translate(
    workflow: Workflow, *, config: PlatformConfig, team: TeamConfig, pipeline_id: str, preferred_job_type: str
) -> Translation:
    model = pipeline_model()
    cluster_conf, cluster_dropped, _ = cluster_spark_conf(workflow.cluster.configurations if workflow.cluster else {})
    result = Translation(pipeline={"id": pipeline_id, "description": f"Migrated from EMR on EC2: {workflow.name}"})
    jobs: list[dict] = []
    taken: set[str] = set()
    previous: str | None = None
    skipped: list[str] = []
    source_release = workflow.cluster.release_label if workflow.cluster else ""
    for step in workflow.steps:
        kind = step_kind(step)
        if kind not in (SPARK, RUN_EXAMPLE):
            result.items.append(non_spark_item(step, kind))
            skipped.append(step.name)
            continue
        submit = _submit_of(step)
        job_id = identifier(step.name, taken)
        for problem in submit.problems:
            result.items.append(Item(step.where, f"spark-submit: {problem}", "fix the step's arguments"))
        if submit.options.get("--packages") or submit.options.get("--repositories"):
            result.refused.append(
                Item(
                    step.where,
                    f"--packages {submit.options.get('--packages', '')} downloads JARs from a public repository when the job starts",
                    "put the JAR in the job type's image (images/<job-type>/Dockerfile, as the Hudi bundle is) or in S3 "
                    "and list it under extra_jars; then migrate the step again",
                )
            )
            continue
        conf = {**cluster_conf, **submit.conf}
        for option, key in (
            ("--py-files", "spark.submit.pyFiles"),
            ("--files", "spark.files"),
            ("--archives", "spark.archives"),
        ):
            if submit.options.get(option):
                paths = [artifact(p, step.where, result.items) for p in submit.csv(option)]
                conf[key] = ",".join(p for p in paths if "://" in p)
        if submit.options.get("--driver-java-options"):
            conf["spark.driver.extraJavaOptions"] = submit.options["--driver-java-options"]
        for option in (
            "--queue",
            "--master",
            "--deploy-mode",
            "--total-executor-cores",
            "--properties-file",
            "--principal",
            "--keytab",
            "--proxy-user",
        ):
            if option in submit.options:
                result.changes.append(Change(job_id, option, submit.options[option], "dropped", _OPTION_WHY[option]))
                if "(reported)" in _OPTION_WHY[option]:
                    result.items.append(Item(step.where, f"{option} {submit.options[option]}", _OPTION_WHY[option]))
        for old, new in _RENAMED.items():  # Spark 2.3 renamed YARN's overhead settings; Kubernetes reads the new ones
            if old in conf:
                conf.setdefault(new, conf[old])
                result.changes.append(
                    Change(job_id, old, conf.pop(old), f"renamed {new}", "the name Spark on Kubernetes reads")
                )
        drops = [Dropped(f"cluster {d.setting}", d.value, d.why) for d in cluster_dropped]
        for key in sorted(conf):
            why = None if key in SIZING_KEYS else why_dropped(key, conf[key])
            if why:
                drops.append(Dropped(key, conf.pop(key), why))
        for drop in drops:
            if "Glue Data Catalog" in drop.why:
                result.platform_notes.append(drop.why)
            else:
                result.changes.append(Change(job_id, drop.setting, drop.value, "dropped", drop.why))
        jars = [artifact(p, step.where, result.items) for p in submit.csv("--jars")]
        job_type = _job_type(conf, jars, config, team, preferred_job_type)
        own = JOB_TYPES[job_type].spark_conf
        for key in [k for k, v in own.items() if conf.get(k) == v]:
            result.changes.append(
                Change(job_id, key, conf.pop(key), "from the job type", f"job type {job_type} sets it")
            )
        own_jars = {jar.rsplit("/", 1)[-1] for jar in own.get("spark.jars", "").split(",") if jar}
        jars = [jar for jar in jars if jar.rsplit("/", 1)[-1] not in own_jars]
        if "spark.jars" in conf:
            jars += [
                artifact(p, step.where, result.items)
                for p in conf.pop("spark.jars").split(",")
                if p and p.rsplit("/", 1)[-1] not in own_jars
            ]
        images = next(image.release_labels for image in config.images if image.job_type == job_type)
        release, notes = closest_release(source_release, [r for r in team.release_labels if r in images])
        result.releases += [note for note in notes if note not in result.releases]
        application = artifact(submit.application, step.where, result.items)
        result.items += path_items(step, [submit.application, *submit.arguments, *conf.values()])
        python = is_python(application)
        source = _executors(submit, conf, workflow, result.assumptions, job_id)
        for key in SIZING_KEYS:
            conf.pop(key, None)
        driver_heap = submit.options.get("--driver-memory") or cluster_conf.get("spark.driver.memory") or "2g"
        driver_cores = int(float(submit.options.get("--driver-cores") or cluster_conf.get("spark.driver.cores") or 1))
        job = {
            "id": job_id,
            "job_type": job_type,
            "release_label": release,
            "entry_point": application,
            **({"main_class": submit.options["--class"]} if submit.options.get("--class") and not python else {}),
            **({"arguments": list(submit.arguments)} if submit.arguments else {}),
            "driver_cores": driver_cores,
            "driver_memory": sizing.size_text(mebibytes(driver_heap, setting="--driver-memory")),
            **({"extra_jars": jars} if jars else {}),
            **({"spark_conf": dict(sorted(conf.items()))} if conf else {}),
            **({"depends_on": [previous]} if previous else {}),
            "expected_minutes": min(1440, max(1, math.ceil(step.minutes)))
            if step.minutes
            else model.DEFAULT_EXPECTED_MINUTES,
        }
        base = job_spec(
            _parsed(model, team.name, pipeline_id, {**job, "depends_on": []}),
            _only_job(model, team.name, pipeline_id, {**job, "depends_on": []}),
        )
        fitted, hourly = sizing.refit(config, team, base, source)
        before_hourly = sizing.source_hourly(config, team, base, source)
        job.update(
            executors=fitted.count, executor_cores=fitted.cores, executor_memory=sizing.size_text(fitted.heap_mib)
        )
        job = {name: job[name] for name in model.SparkJob.__dataclass_fields__ if name in job}
        parsed_job = _only_job(model, team.name, pipeline_id, {**job, "depends_on": []})
        try:
            check_job_runs(
                config,
                team,
                job_spec(_parsed(model, team.name, pipeline_id, {**job, "depends_on": []}), parsed_job),
                where=f"{team.name}__{pipeline_id}.{job_id}",
            )
        except (ConfigError, SparkSettingError) as error:
            result.items.append(
                Item(
                    step.where, f"cannot run on team {team.name}: {error}", "raise the team's quota or shrink the step"
                )
            )
            continue
        if skipped and previous:
            result.items.append(
                Item(
                    step.where,
                    f"runs after {', '.join(skipped)}, which did not move",
                    f"{job_id} depends on {previous}; run them in between (an Airflow task) or move them first",
                )
            )
        skipped = []
        if step.minutes is None:
            result.assumptions.append(
                f"{job_id}: run time not measured; the plan assumes {model.DEFAULT_EXPECTED_MINUTES} minutes"
            )
        result.jobs.append(
            {
                "id": job_id,
                "step": step.where,
                "before": source,
                "after": fitted,
                "before_hourly": before_hourly,
                "after_hourly": hourly,
                "python": python,
            }
        )
        jobs.append(job)
        previous = job_id
    result.pipeline["jobs"] = jobs
    return result


def _only_job(model, team: str, pipeline_id: str, job: dict):
    return _parsed(model, team, pipeline_id, job).jobs[0]


def _parsed(model, team: str, pipeline_id: str, job: dict):
    return model.parse_pipelines({"team": team, "pipelines": [{"id": pipeline_id, "jobs": [job]}]}, "migrated")[0]


_RENAMED = {
    "spark.yarn.executor.memoryOverhead": "spark.executor.memoryOverhead",
    "spark.yarn.driver.memoryOverhead": "spark.driver.memoryOverhead",
}
_OPTION_WHY = {
    "--queue": "YARN-only: EMR on EKS has no YARN queues; the team's namespace quota bounds its jobs",
    "--master": "EMR on EKS submits to the team's virtual cluster",
    "--deploy-mode": "EMR on EKS runs every job in cluster mode, the driver in its own pod",
    "--total-executor-cores": "Spark standalone only",
    "--properties-file": "a file on the primary node; move its settings into the job's spark_conf (reported)",
    "--principal": "Kerberos: jobs on the platform authenticate with the team's IAM job role (reported)",
    "--keytab": "Kerberos: jobs on the platform authenticate with the team's IAM job role (reported)",
    "--proxy-user": "jobs run as the team's job role; there is no proxy user",
}

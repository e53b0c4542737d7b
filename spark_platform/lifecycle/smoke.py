"""Prove a deploy: one job per team, submitted as the DAGs submit it, then its outcome.

    make smoke CONFIG=my-platform.yaml
    .venv-aws/bin/python -m spark_platform.lifecycle.smoke --assembly cdk.out [--team analytics]

For each team with pipelines, the first job of its first pipeline (a job without upstream jobs)
is started with the request the DAG factory builds (the DAG package's ``request`` module; values
the DAGs take from SSM with Jinja are read from the same SSM documents here), then polled until it
ends or ``--timeout-minutes`` pass (it is then cancelled). One line per team: the final state, the
duration, and where the driver's logs and the persistent Spark UI are. Exit 0 when every job
COMPLETED, 1 otherwise, 2 when the command cannot start (no synthesized DAGs, unknown team).

The settings and pipelines come from the cloud assembly (``cdk.out/mwaa-dags``), exactly what
`cdk deploy` copies to MWAA. Nothing here imports the CDK: it runs in .venv-aws with boto3.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spark_platform.jobs.dag_package import pipeline_model, request_module

TERMINAL = ("COMPLETED", "FAILED", "CANCELLED")
# The Airflow macros the sample pipelines use in arguments (Airflow "Templates reference"); a job
# run by hand gets the values of a run starting now.
_MACRO = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


class SmokeError(RuntimeError):
    """The smoke test cannot start: the message says what is missing."""


@dataclass
class Submitted:
    team: str
    name: str
    virtual_cluster_id: str
    job_run_id: str
    log_group: str
    log_stream_prefix: str
    logs_uri: str
    started: float
    state: str = "SUBMITTED"
    detail: str = ""
    seconds: float = 0.0
    timed_out: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class DocumentResolver:
    """The request's deploy-time values from the platform's SSM documents (what the DAGs' Jinja
    reads when a task runs)."""

    def __init__(self, ssm: Any, name_prefix: str) -> None:
        self._ssm = ssm
        self._prefix = name_prefix
        self._documents: dict[str, dict] = {}

    def document(self, name: str) -> dict:
        if name not in self._documents:
            try:
                value = self._ssm.get_parameter(Name=name)["Parameter"]["Value"]
            except self._ssm.exceptions.ParameterNotFound:
                raise SmokeError(
                    f"{name} does not exist: is the platform deployed in this account and Region?"
                ) from None
            self._documents[name] = json.loads(value)
        return self._documents[name]

    def team(self, team: str, field: str) -> str:
        return self.document(f"/{self._prefix}/teams/{team}")[field]

    def team_conf(self, team: str, key: str) -> str:
        return self.document(f"/{self._prefix}/teams/{team}")["spark_conf"][key]

    def image(self, job_type: str, release_label: str) -> str:
        releases = self.document(f"/{self._prefix}/images/{job_type}").get("releases", {})
        if release_label not in releases:
            raise SmokeError(f"job type {job_type!r} has no image for {release_label} in the image catalog")
        return releases[release_label]["image"]


def render_arguments(arguments: list[str], *, now: datetime, where: str) -> list[str]:
    """Airflow's macros for a run that starts now: ds, ts and the data interval."""
    interval_start = now.replace(minute=0, second=0, microsecond=0)
    values = {
        "ds": now.strftime("%Y-%m-%d"),
        "ds_nodash": now.strftime("%Y%m%d"),
        "ts": now.isoformat(),
        "data_interval_start": interval_start.isoformat(),
        "logical_date": interval_start.isoformat(),
    }

    def replace(match: re.Match) -> str:
        if match[1] not in values:
            raise SmokeError(f"{where}: argument macro {match[0]!r} is not one smoke can fill ({', '.join(values)})")
        return values[match[1]]

    return [_MACRO.sub(replace, argument) for argument in arguments]


def smoke_jobs(pipelines: list, teams: list[str] | None) -> dict[str, tuple]:
    """Per team, (pipeline, job): the first job without upstream jobs of its first pipeline."""
    chosen: dict[str, tuple] = {}
    for pipeline in sorted(pipelines, key=lambda p: p.dag_id):
        if pipeline.team in chosen or (teams and pipeline.team not in teams):
            continue
        job = next(job for job in pipeline.jobs if not job.depends_on)
        chosen[pipeline.team] = (pipeline, job)
    missing = sorted(set(teams or ()) - set(chosen))
    if missing:
        raise SmokeError(f"--team {missing[0]}: the team has no pipeline to take a smoke job from")
    return chosen


def submit(
    emr: Any,
    resolver: DocumentResolver,
    settings: dict,
    pipeline: Any,
    job: Any,
    *,
    now: datetime,
    clock: Callable[[], float],
) -> Submitted:
    request = request_module().start_job_run_request(
        pipeline, job, settings, resolver, name_prefix=settings["name_prefix"]
    )
    driver = request["jobDriver"]["sparkSubmitJobDriver"]
    driver["entryPointArguments"] = render_arguments(driver["entryPointArguments"], now=now, where=request["name"])
    request["name"] = f"smoke.{request['name']}"[:64]
    response = emr.start_job_run(**request)
    monitoring = request["configurationOverrides"]["monitoringConfiguration"]
    return Submitted(
        team=pipeline.team,
        name=request["name"],
        virtual_cluster_id=request["virtualClusterId"],
        job_run_id=response["id"],
        log_group=monitoring["cloudWatchMonitoringConfiguration"]["logGroupName"],
        log_stream_prefix=monitoring["cloudWatchMonitoringConfiguration"]["logStreamNamePrefix"],
        logs_uri=monitoring["s3MonitoringConfiguration"]["logUri"],
        started=clock(),
    )


def wait(
    emr: Any,
    runs: list[Submitted],
    *,
    timeout_seconds: float,
    poll_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Poll every run until it ends; cancel the ones still running at the deadline."""
    deadline = clock() + timeout_seconds
    pending = list(runs)
    while pending:
        for run in list(pending):
            job_run = emr.describe_job_run(id=run.job_run_id, virtualClusterId=run.virtual_cluster_id)["jobRun"]
            run.state = job_run["state"]
            if run.state in TERMINAL:
                run.detail = " ".join(
                    part for part in (job_run.get("failureReason"), job_run.get("stateDetails")) if part
                )
                created, finished = job_run.get("createdAt"), job_run.get("finishedAt")
                run.seconds = (finished - created).total_seconds() if created and finished else clock() - run.started
                pending.remove(run)
        if not pending:
            return
        if clock() >= deadline:
            for run in pending:
                run.timed_out = True
                run.seconds = clock() - run.started
                if run.state not in ("CANCEL_PENDING",):
                    emr.cancel_job_run(id=run.job_run_id, virtualClusterId=run.virtual_cluster_id)
                run.detail = f"still {run.state} after {timeout_seconds / 60:g} minutes; cancelled"
                run.state = "TIMEOUT"
            return
        sleep(poll_seconds)


def duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest:02d}s"


def report(run: Submitted, *, region: str) -> list[str]:
    """The run's outcome and where to look: EMR writes a job's logs under
    <logUri><virtual cluster>/jobs/<job run>/ and CloudWatch streams
    <prefix>/<virtual cluster>/jobs/<job run>/... ("Configure a job run to use Amazon S3 logs" and
    "... CloudWatch Logs", EMR on EKS Development Guide); the driver's are the spark-driver pod's."""
    job_path = f"{run.virtual_cluster_id}/jobs/{run.job_run_id}"
    lines = [
        f"{run.team}: {run.state} in {duration(run.seconds)} ({run.name}, job run {run.job_run_id})"
        + (f": {run.detail}" if run.detail and run.state != "COMPLETED" else "")
    ]
    lines.append(f"  driver log: {run.logs_uri}{job_path}/containers/ (the *-driver pod's stdout.gz, stderr.gz)")
    lines.append(f"  CloudWatch: log group {run.log_group}, streams {run.log_stream_prefix}/{job_path}/")
    lines.append(
        f"  Spark UI:   persistent app UI, EMR console ({region}) > Virtual clusters > {run.virtual_cluster_id} "
        f"> Job runs > {run.job_run_id} > Spark UI"
    )
    return lines


def load_assembly(assembly: Path) -> tuple[dict, list]:
    dags = assembly / "mwaa-dags"
    settings_file = dags / "spark_platform_dags" / "platform.json"
    if not settings_file.exists():
        raise SmokeError(
            f"{settings_file} is missing: run `make synth` (with orchestration.enabled true) first; "
            "smoke submits a job of each team's pipelines"
        )
    settings = json.loads(settings_file.read_text())
    return settings, pipeline_model().load_pipelines(dags / "pipelines")


def run(
    assembly: Path,
    *,
    teams: list[str] | None,
    timeout_minutes: float,
    poll_seconds: float,
    session: Any = None,
    out: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    settings, pipelines = load_assembly(assembly)
    if session is None:
        import boto3  # only here: the planning above runs without it

        session = boto3.session.Session(region_name=settings["region"])
    emr = session.client("emr-containers", region_name=settings["region"])
    resolver = DocumentResolver(session.client("ssm", region_name=settings["region"]), settings["name_prefix"])
    now = datetime.now(UTC)
    runs = [
        submit(emr, resolver, settings, pipeline, job, now=now, clock=clock)
        for pipeline, job in smoke_jobs(pipelines, teams).values()
    ]
    for submitted in runs:
        out(f"{submitted.team}: submitted {submitted.name} (job run {submitted.job_run_id})")
    wait(emr, runs, timeout_seconds=timeout_minutes * 60, poll_seconds=poll_seconds, sleep=sleep, clock=clock)
    for finished in runs:
        for line in report(finished, region=settings["region"]):
            out(line)
    completed = sum(1 for finished in runs if finished.state == "COMPLETED")
    out(f"smoke: {completed} passed, {len(runs) - completed} failed")
    return 0 if completed == len(runs) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m spark_platform.lifecycle.smoke", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--assembly", default="cdk.out", help="the synthesized cloud assembly (make synth)")
    parser.add_argument("--team", action="append", help="only this team (repeat for several); default: every team")
    parser.add_argument("--timeout-minutes", type=float, default=30.0, help="cancel a job still running after this")
    parser.add_argument("--poll-seconds", type=float, default=15.0)
    args = parser.parse_args(argv)
    try:
        return run(
            Path(args.assembly), teams=args.team, timeout_minutes=args.timeout_minutes, poll_seconds=args.poll_seconds
        )
    except SmokeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""`make smoke` end to end against moto: one job per team, as the DAGs submit it, then its outcome.

moto's EMR on EKS keeps a job RUNNING until told otherwise; each test plays EMR from the poll
loop's sleep (the job completes, fails, or never ends). The account holds what `cdk deploy` would
publish: the sandbox's virtual clusters, job roles and SSM documents, resolved from the templates
`app.py` synthesizes (tests/deployed.py).
"""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest
from moto import mock_aws
from moto.emrcontainers.models import emrcontainers_backends

from spark_platform.lifecycle import smoke
from tests.deployed import ACCOUNT, REGION, publish_documents


def template(assembly, stack: str) -> dict:
    return json.loads((assembly / f"{stack}.template.json").read_text())


@pytest.fixture
def account(assembly):
    with mock_aws():
        emr = boto3.client("emr-containers", region_name=REGION)
        clusters = publish_documents(
            template(assembly, "spark-teams-1"),
            template(assembly, "spark-images"),
            emr=emr,
            iam=boto3.client("iam", region_name=REGION),
            ssm=boto3.client("ssm", region_name=REGION),
        )
        requests: list[dict] = []
        session = boto3.session.Session(region_name=REGION)
        session.events.register(
            "provide-client-params.emr-containers.StartJobRun", lambda params, **_: requests.append(params)
        )
        yield {"clusters": clusters, "requests": requests, "session": session}


def job_runs():
    return list(emrcontainers_backends[ACCOUNT][REGION].job_runs.values())


class PlayEmr:
    """A fake clock and sleep: each sleep lets ``decide`` change the jobs' states, then time passes."""

    def __init__(self, decide) -> None:
        self.now = 0.0
        self.decide = decide

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        for job in job_runs():
            if job.state == "RUNNING":
                self.decide(job)
        self.now += seconds


def finish(job, state: str, *, minutes: float = 4.2, reason: str | None = None, details: str | None = None) -> None:
    job.state = state
    job.finished_at = job.created_at + timedelta(minutes=minutes)
    job.failure_reason = reason
    job.state_details = details


def smoke_run(assembly, account, emr: PlayEmr, **kwargs) -> tuple[int, list[str]]:
    """Runs the command; its report is printed too (`make smoke-offline` shows it with -s)."""
    lines: list[str] = []
    code = smoke.run(
        assembly,
        teams=kwargs.pop("teams", None),
        timeout_minutes=kwargs.pop("timeout_minutes", 30),
        poll_seconds=15,
        session=account["session"],
        out=lines.append,
        sleep=emr.sleep,
        clock=emr.clock,
    )
    print("\n" + "\n".join(lines) + f"\n(exit {code})")
    return code, lines


def test_every_team_runs_one_job_and_the_deploy_is_proven(assembly, account):
    code, lines = smoke_run(assembly, account, PlayEmr(lambda job: finish(job, "COMPLETED")))
    assert code == 0
    assert lines[-1] == "smoke: 2 passed, 0 failed"
    assert {job.virtual_cluster_id for job in job_runs()} == set(account["clusters"].values())
    report = "\n".join(lines)
    assert "analytics: COMPLETED in 4m12s (smoke.analytics__daily_marts.sessions" in report
    assert "ingestion: COMPLETED in 4m12s (smoke.ingestion__hourly_upserts.orders" in report
    analytics = account["clusters"]["analytics"]
    (job,) = [job for job in job_runs() if job.virtual_cluster_id == analytics]
    bucket = f"spark-logs-{ACCOUNT}-{REGION}"
    assert f"  driver log: s3://{bucket}/teams/analytics/{analytics}/jobs/{job.id}/containers/" in report
    assert (
        f"  CloudWatch: log group /emr-on-eks/spark/analytics, streams analytics/daily_marts/sessions/{analytics}/jobs/{job.id}/"
        in report
    )
    assert f"Virtual clusters > {analytics} > Job runs > {job.id} > Spark UI" in report


def test_the_smoke_request_is_the_one_the_dag_sends(assembly, account):
    """The request the DAG factory builds (request.py), with the documents' values in place of
    Jinja: the team's cluster and role, its artifacts, the catalog's image, the platform settings."""
    smoke_run(assembly, account, PlayEmr(lambda job: finish(job, "COMPLETED")), teams=["ingestion"])
    (request,) = account["requests"]
    ssm = boto3.client("ssm", region_name=REGION)
    document = json.loads(ssm.get_parameter(Name="/spark/teams/ingestion")["Parameter"]["Value"])
    catalog = json.loads(ssm.get_parameter(Name="/spark/images/hudi-ingestion")["Parameter"]["Value"])
    assert request["virtualClusterId"] == account["clusters"]["ingestion"] == document["virtual_cluster_id"]
    assert request["executionRoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/spark-ingestion-emr-job"
    assert request["releaseLabel"] == "emr-7.12.0-latest"
    driver = request["jobDriver"]["sparkSubmitJobDriver"]
    assert driver["entryPoint"] == f"s3://spark-artifacts-{ACCOUNT}-{REGION}/teams/ingestion/jobs/upsert.py"
    assert driver["entryPointArguments"][:2] == ["--table", "orders"]
    assert "{{" not in json.dumps(request)  # every macro and document value filled in
    defaults, submitter = request["configurationOverrides"]["applicationConfiguration"]
    assert (
        defaults["properties"]["spark.kubernetes.container.image"] == catalog["releases"]["emr-7.12.0-latest"]["image"]
    )
    for key, value in document["spark_conf"].items():
        assert defaults["properties"][key] == value
    assert defaults["properties"]["spark.sparkplatform.dataUri"] == document["data_uri"]
    assert defaults["properties"]["spark.sparkplatform.team"] == "ingestion"
    assert submitter == {"classification": "emr-job-submitter", "properties": document["job_submitter"]}
    monitoring = request["configurationOverrides"]["monitoringConfiguration"]
    assert monitoring["containerLogRotationConfiguration"] == {"rotationSize": "50MB", "maxFilesToKeep": 5}
    assert monitoring["persistentAppUI"] == "ENABLED"
    assert request["tags"] == {
        "spark-platform": "spark",
        "spark-platform/team": "ingestion",
        "pipeline": "hourly_upserts",
    }
    assert request["retryPolicyConfiguration"] == {"maxAttempts": 3}


def test_a_failed_job_fails_the_smoke_test_with_its_reason(assembly, account):
    def decide(job):
        if job.virtual_cluster_id == account["clusters"]["analytics"]:
            finish(job, "FAILED", minutes=1, reason="USER_ERROR", details="Job failed: exit code 1.")
        else:
            finish(job, "COMPLETED")

    code, lines = smoke_run(assembly, account, PlayEmr(decide))
    assert code == 1
    assert any(
        line.startswith("analytics: FAILED in 1m00s") and line.endswith(": USER_ERROR Job failed: exit code 1.")
        for line in lines
    )
    assert lines[-1] == "smoke: 1 passed, 1 failed"


def test_a_job_that_outlives_the_timeout_is_cancelled_and_fails_the_smoke_test(assembly, account):
    code, lines = smoke_run(assembly, account, PlayEmr(lambda job: None), teams=["analytics"], timeout_minutes=2)
    assert code == 1
    (job,) = job_runs()
    assert job.state == "CANCELLED"  # not left running in the account
    assert any(
        line.startswith("analytics: TIMEOUT in 2m") and "still RUNNING after 2 minutes; cancelled" in line
        for line in lines
    )


def test_without_a_deployed_platform_the_command_says_so_and_exits_2(assembly, capsys):
    with mock_aws():
        assert smoke.main(["--assembly", str(assembly)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: /spark/teams/") and error.endswith(
        "does not exist: is the platform deployed in this account and Region?"
    )


def test_bad_invocations_exit_2_with_one_line(assembly, tmp_path, capsys, account):
    assert smoke.main(["--assembly", str(tmp_path)]) == 2
    assert "run `make synth`" in capsys.readouterr().err
    assert smoke.main(["--assembly", str(assembly), "--team", "finance"]) == 2
    assert capsys.readouterr().err.strip() == "error: --team finance: the team has no pipeline to take a smoke job from"


def test_airflow_macros_are_filled_for_a_run_starting_now_and_unknown_ones_refused():
    from datetime import UTC, datetime

    now = datetime(2026, 11, 20, 3, 17, tzinfo=UTC)
    assert smoke.render_arguments(["--date", "{{ ds }}", "--hour", "{{data_interval_start}}"], now=now, where="j") == [
        "--date",
        "2026-11-20",
        "--hour",
        "2026-11-20T03:00:00+00:00",
    ]
    with pytest.raises(smoke.SmokeError, match=r"^j: argument macro '\{\{ prev_ds \}\}' is not one smoke can fill"):
        smoke.render_arguments(["{{ prev_ds }}"], now=now, where="j")

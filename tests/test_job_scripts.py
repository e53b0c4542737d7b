"""The sample pipelines' job scripts under real PySpark in local mode, each on its release's Spark:
3.5.6 (emr-7.12.0, and emr-7.9.0's report) and 4.0.2 (emr-spark-8.0.0: campaign_mart and the
sessions job's shadow run), sharing one metastore and one data folder as the runtimes share Glue
and S3.

Each team's context is what its document publishes (team_context_conf); the Glue databases are a
local Hive metastore (tests/spark_jobs/run_sample_jobs.py says what stands in for what). The Hudi
writer itself is not run offline: Hudi's bundle is not on PyPI (docs/observability.md).
"""

from __future__ import annotations

import json
import subprocess

import pytest

from spark_platform.config import glue_database_name, sandbox_config
from spark_platform.emr_releases import runtime
from spark_platform.jobs.dag_package import DAGS_DIR, pipeline_model, request_module
from spark_platform.jobs.submission import team_context_conf

from .conftest import ROOT
from .twin.spark import SPARK_VENVS, java_home, upstream_spark

ARTIFACTS = ROOT / "orchestration" / "artifacts"
DATE = "2026-11-20"
# The harness's phases, in DAG order, with the Spark line each job's release runs (checked below).
PHASES = {
    "upstream": (3, ["sessions", "orders", "customers"]),  # customers: upsert.py as orders
    "spark-4": (4, ["campaign_mart", "sessions__shadow"]),
    "report": (3, ["legacy_report"]),
}


class _Rendered:
    """The team document's fields as the job's arguments see them once rendered."""

    def __init__(self, data_uri: str) -> None:
        self.data_uri = data_uri

    def team(self, team: str, field: str) -> str:
        assert field == "data_uri", field
        return self.data_uri


def sample_jobs() -> dict:
    """Every job of the sample pipelines (and each shadow run) by id, as the DAGs run them."""
    request = request_module()
    jobs = {}
    for pipeline in pipeline_model().load_pipelines(DAGS_DIR / "pipelines"):
        for job in pipeline.jobs:
            jobs[job.id] = (pipeline, job)
            if job.shadow is not None:
                shadow = request.shadow_job(pipeline, job, _Rendered("DATA/"))
                jobs[shadow.id] = (pipeline, shadow)
    return jobs


def rendered(arguments, data_uri: str) -> list[str]:
    render = {"{{ ds }}": DATE, "{{ spark_platform.team('analytics').data_uri }}": data_uri}
    out = []
    for argument in arguments:
        for template, value in render.items():
            argument = argument.replace(template, value)
        out.append(argument.replace("DATA/", data_uri))
    return out


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sample-jobs")
    config = sandbox_config()
    contexts = {
        team.name: {
            "conf": team_context_conf(
                {
                    "team": team.name,
                    "data_uri": f"file://{workdir}/data/teams/{team.name}/",
                    "glue_database_prefix": glue_database_name(config.name_prefix, ""),
                }
            ),
            "databases": [glue_database_name(config.name_prefix, database) for database in team.glue_databases],
        }
        for team in config.teams
    }
    (_, shadow) = sample_jobs()["sessions__shadow"]
    contexts["analytics"]["shadow_argv"] = rendered(shadow.arguments, f"file://{workdir}/data/teams/analytics/")
    results = {}
    for phase, (line, _) in PHASES.items():
        result = subprocess.run(
            [
                str(SPARK_VENVS[line] / "bin" / "python"),
                str(ROOT / "tests" / "spark_jobs" / "run_sample_jobs.py"),
                str(workdir),
                json.dumps(contexts),
                phase,
            ],
            capture_output=True,
            text=True,
            # Derby (the local metastore) writes derby.log into the working directory: keep it out of the checkout.
            cwd=workdir,
            env={"JAVA_HOME": java_home(), "PATH": "/usr/bin:/bin", "SPARK_LOCAL_IP": "127.0.0.1"},
            timeout=600,
        )
        assert result.returncode == 0, f"{phase}: " + result.stderr[-3000:]
        results[phase] = json.loads(result.stdout.strip().splitlines()[-1])
    return {key: value for phase in results.values() for key, value in phase.items()} | {"phases": results}


def test_each_phase_runs_its_jobs_on_the_spark_line_of_their_release():
    jobs = sample_jobs()
    for phase, (line, ids) in PHASES.items():
        for job_id in ids:
            assert runtime(jobs[job_id][1].release_label).spark_major == line, (phase, job_id)
    assert sorted(i for _, ids in PHASES.values() for i in ids) == sorted(jobs)


def test_every_relative_entry_point_of_the_sample_pipelines_is_a_script_in_the_repository():
    for pipeline in pipeline_model().load_pipelines(DAGS_DIR / "pipelines"):
        for job in pipeline.jobs:
            assert (ARTIFACTS / pipeline.team / job.entry_point).is_file(), f"{pipeline.dag_id}.{job.id}"


def test_sessions_are_cut_after_30_minutes_and_a_rerun_replaces_the_day(ran):
    assert ran["sessions"] == 4  # u1 twice (a 45-minute gap), u2, u3
    assert ran["sessions_again"] == 4  # dynamic partition overwrite: the day is replaced, not appended


def test_the_campaign_mart_on_spark_4_reads_the_sessions_table_spark_3_5_wrote(ran):
    assert ran["phases"]["spark-4"]["spark_version"] == upstream_spark("emr-spark-8.0.0-latest")  # 4.0.2
    assert ran["phases"]["spark-4"]["ansi"] == "true"  # Spark 4's default, which the SQL survives
    assert ran["tables"] == ["campaign_daily", "sessions"]
    # (none): u1's second session (two clicks) and u3's single click, a bounce
    assert ran["campaign_rows"] == [["(none)", 2, 0.5], ["autumn", 1, 0.0], ["newsletter", 1, 0.0]]


def test_jobs_write_only_under_their_teams_data_prefix(ran):
    assert ran["data_files"]
    assert all(path.startswith(("data/teams/analytics/", "data/teams/ingestion/")) for path in ran["data_files"])
    assert any(path.startswith("data/teams/analytics/raw/events/dt=2026-11-20") for path in ran["data_files"])
    assert any(path.startswith("data/teams/analytics/reports/campaigns/dt=2026-11-21") for path in ran["data_files"])


def test_the_upsert_keeps_the_latest_change_per_key_and_syncs_the_table_to_the_catalog(ran):
    assert ran["orders"] == 2
    assert ran["order_status"] == {"o-1": "paid", "o-2": "created"}
    options = ran["hudi_options"]
    assert options["hoodie.datasource.write.operation"] == "upsert"
    assert options["hoodie.datasource.write.recordkey.field"] == "id"
    assert options["hoodie.datasource.write.precombine.field"] == "updated_at"
    assert options["hoodie.datasource.hive_sync.mode"] == "hms"  # Glue is the Hive metastore on EMR


def test_the_report_job_on_spark_3_5_runs_from_its_command_line_over_the_mart_spark_4_wrote(ran):
    assert ran["phases"]["report"]["spark_version"] == upstream_spark("emr-7.12.0-latest")  # 3.5.6
    assert ran["report_exit"] == 0


def test_the_sessions_shadow_run_writes_only_under_its_shadow_prefix_and_leaves_the_table_alone(ran):
    assert ran["shadow_exit"] == 0
    shadow = "data/teams/analytics/shadow/emr-spark-8.0.0-latest/daily_marts/sessions/dt=2026-11-20"
    assert shadow in ran["data_files"]
    # The table keeps the four sessions Spark 3.5 wrote; the shadow added no partition or rows.
    assert ran["sessions_rows"] == 4

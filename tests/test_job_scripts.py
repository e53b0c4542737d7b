"""The sample pipelines' job scripts under real PySpark 3.5.6 (emr-7.12.0's Spark) in local mode.

Each team's context is what its document publishes (team_context_conf); the Glue databases are a
local Hive metastore (tests/spark_jobs/run_sample_jobs.py says what stands in for what). The Hudi
writer itself is not run offline: Hudi's bundle is not on PyPI (docs/observability.md).
"""

from __future__ import annotations

import json
import subprocess

import pytest

from spark_platform.config import glue_database_name, sandbox_config
from spark_platform.jobs.dag_package import DAGS_DIR, pipeline_model
from spark_platform.jobs.submission import team_context_conf

from .conftest import ROOT
from .twin.spark import SPARK_VENV, java_home

ARTIFACTS = ROOT / "orchestration" / "artifacts"


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
    result = subprocess.run(
        [
            str(SPARK_VENV / "bin" / "python"),
            str(ROOT / "tests" / "spark_jobs" / "run_sample_jobs.py"),
            str(workdir),
            json.dumps(contexts),
        ],
        capture_output=True,
        text=True,
        # Derby (the local metastore) writes derby.log into the working directory: keep it out of the checkout.
        cwd=workdir,
        env={"JAVA_HOME": java_home(), "PATH": "/usr/bin:/bin", "SPARK_LOCAL_IP": "127.0.0.1"},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_relative_entry_point_of_the_sample_pipelines_is_a_script_in_the_repository():
    for pipeline in pipeline_model().load_pipelines(DAGS_DIR / "pipelines"):
        for job in pipeline.jobs:
            assert (ARTIFACTS / pipeline.team / job.entry_point).is_file(), f"{pipeline.dag_id}.{job.id}"


def test_sessions_are_cut_after_30_minutes_and_a_rerun_replaces_the_day(ran):
    assert ran["sessions"] == 4  # u1 twice (a 45-minute gap), u2, u3
    assert ran["sessions_again"] == 4  # dynamic partition overwrite: the day is replaced, not appended


def test_the_campaign_mart_reads_the_sessions_table_through_spark_sql_in_the_teams_database(ran):
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


def test_the_report_job_runs_from_its_command_line(ran):
    assert ran["report_exit"] == 0

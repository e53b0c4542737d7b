"""The migration assistant: every documented input shape becomes pipelines that validate against
the published schema, pass the synth-time checks of the target team and plan; what cannot move
is reported; the worked example under examples/ is current."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from spark_platform.config import sandbox_config
from spark_platform.migrate.__main__ import main
from spark_platform.migrate.assistant import migrate
from spark_platform.migrate.plan_cost import checked_pipelines
from spark_platform.migrate.releases import closest_release
from spark_platform.migrate.report import markdown, pipelines_yaml

from .conftest import ROOT

INPUTS = ROOT / "tests" / "migrate_inputs"
EXAMPLE = ROOT / "examples" / "migrate-emr-on-ec2"
SCHEMA = json.loads((ROOT / "schemas" / "pipeline.schema.json").read_text())
SHAPES = {
    "run_job_flow_yaml_with_fleets": ["run_job_flow_fleets.yaml"],
    "describe_cluster_and_list_steps": ["describe_cluster.json", "list_steps.json"],
    "describe_cluster_and_cli_add_steps": ["describe_cluster.json", "add_steps.json"],
    "provider_example_dag": ["provider_example_dag.py"],
    "worked_example_dag": [str(EXAMPLE / "dags" / "nightly_sales_emr.py")],
}


def run(names: list[str], **options):
    return migrate([INPUTS / name for name in names], config=sandbox_config(), team_name="analytics", **options)


def jobs_of(migration) -> dict[str, dict]:
    return {job["id"]: job for pipeline in migration.document["pipelines"] for job in pipeline["jobs"]}


def all_items(migration) -> str:
    return "\n".join(
        f"{item.source} | {item.what} | {item.action} | {' | '.join(item.snippet)}"
        for migrated in migration.workflows
        for item in migrated.items + migrated.translation.items + migrated.translation.refused
    )


@pytest.fixture(scope="module", params=sorted(SHAPES))
def migrated(request):
    return run(SHAPES[request.param])


def test_every_input_shape_validates_against_the_schema_passes_synth_checks_and_plans(migrated):
    document = yaml.safe_load(pipelines_yaml(migrated, ["x"]))
    jsonschema.validate(document, SCHEMA)
    pipelines = checked_pipelines(sandbox_config(), document, "analytics")  # the checks cdk synth runs
    assert [job.id for pipeline in pipelines for job in pipeline.jobs] == list(jobs_of(migrated))
    assert migrated.after.problems == []
    # A scheduled source costs something on both sides; an unscheduled one (the provider's example
    # DAG) runs no day at all, on either side.
    scheduled = sum(workflow.runs_per_day for workflow in migrated.workflows) > 0
    assert (migrated.after.cost_per_day_usd > 0) == scheduled
    assert (sum(workflow.before.cost_per_day_usd for workflow in migrated.workflows) > 0) == scheduled


def test_the_provider_examples_run_example_runs_sparkpi_from_the_image_without_importing_the_dag():
    migration = run(SHAPES["provider_example_dag"])
    jobs = jobs_of(migration)
    assert list(jobs) == ["calculate_pi", "pi_again"]  # job_flow_overrides' steps, then add_steps'
    assert jobs["calculate_pi"]["entry_point"] == "local:///usr/lib/spark/examples/jars/spark-examples.jar"
    assert jobs["calculate_pi"]["main_class"] == "org.apache.spark.examples.SparkPi"
    assert jobs["pi_again"]["arguments"] == ["20"] and jobs["pi_again"]["depends_on"] == ["calculate_pi"]
    assert jobs["calculate_pi"]["release_label"] == "emr-7.9.0-latest"  # oldest 7.x not older than 7.0.0
    pipeline = migration.document["pipelines"][0]
    assert pipeline["schedule"] == "@once"
    assert "get_log_uri() is computed when the DAG runs" in all_items(migration)


def test_list_steps_run_oldest_first_and_their_measured_minutes_become_expected_minutes():
    migration = run(SHAPES["describe_cluster_and_list_steps"])
    jobs = jobs_of(migration)
    assert list(jobs) == ["daily_extract", "weekly_report"]
    assert jobs["daily_extract"]["expected_minutes"] == 15  # 900.5 s (epoch timestamps, CLI v1)
    assert jobs["weekly_report"]["expected_minutes"] == 23
    assert jobs["weekly_report"]["depends_on"] == ["daily_extract"]
    assert jobs["weekly_report"]["entry_point"] == "migrated/reports.jar"
    items = all_items(migration)
    assert "runs after hive rollup, which did not move" in items
    assert "HDFS path hdfs:///reports/weekly" in items
    assert "/home/hadoop/reports.jar is a file on the EMR primary node" in items
    assert "Hive step" in items and "Kerberos" in items and "Presto ran on the cluster" in items
    before = migration.workflows[0].before
    assert not before.transient and before.provisioning_measured and before.provisioning_minutes == 9.5
    # Always on: 1 m5.xlarge and 3 r5.xlarge, EC2 + EMR, 24 hours.
    assert before.cost_per_day_usd == pytest.approx(24 * (0.192 + 0.048 + 3 * (0.252 + 0.063)))


def test_cli_step_types_that_are_not_spark_are_each_reported_with_an_action():
    migration = run(SHAPES["describe_cluster_and_cli_add_steps"])
    assert list(jobs_of(migration)) == ["spark_program"]
    items = all_items(migration)
    for kind in ("Hive step", "custom JAR step", "Pig step", "shell script step"):
        assert kind in items
    assert "add_steps.json[1] (Hive program)" in items


def test_packages_are_refused_with_the_image_or_s3_fix_and_the_rest_moves():
    migration = run(SHAPES["run_job_flow_yaml_with_fleets"])
    assert list(jobs_of(migration)) == ["sessionize_clicks"]
    (refused,) = migration.workflows[0].translation.refused
    assert "--packages org.apache.spark:spark-avro_2.12:3.5.0" in refused.what
    assert "job type's image" in refused.action and "S3" in refused.action
    items = all_items(migration)
    assert "EMRFS consistent view" in items and "Hive metastore database jdbc:mysql" in items
    assert "steps ran 2 at a time" in items
    job = jobs_of(migration)["sessionize_clicks"]
    assert job["spark_conf"]["spark.hadoop.fs.s3.maxConnections"] == "200"
    assert "spark.hadoop.fs.s3.consistent" not in job["spark_conf"]
    before = migration.workflows[0].before
    assert before.transient  # the idle timeout ends it: 10 minutes more per run
    assert before.run_minutes == pytest.approx(15 + 2 * 20 + 10)


def test_yarn_and_cluster_settings_are_dropped_with_a_reason_and_glue_is_left_to_the_platform():
    migration = run(SHAPES["worked_example_dag"], bootstrap_dir=EXAMPLE / "bootstrap")
    translation = migration.workflows[0].translation
    dropped = {change.setting: change for change in translation.changes}
    assert "YARN" in dropped["spark.yarn.maxAppAttempts"].why
    assert "shuffle service" in dropped["spark.shuffle.service.enabled"].why
    assert dropped["spark.yarn.executor.memoryOverhead"].after == "renamed spark.executor.memoryOverhead"
    assert translation.platform_notes[0] == "Glue Data Catalog: every job's metastore, set by the platform"
    conf = jobs_of(migration)["clean_orders"]["spark_conf"]
    assert not any("metastore.client.factory" in key or key.startswith("spark.yarn.") for key in conf)
    assert conf["spark.executor.memoryOverhead"] == "2048"
    items = all_items(migration)
    assert "RUN dnf install -y libgomp" in items and "pyarrow==17.0.0, holidays==0.57" in items
    assert "S3DistCp step" in items


def test_a_setting_dropped_from_several_jobs_is_one_line_naming_each_job():
    report = markdown(run(SHAPES["worked_example_dag"]))
    settings = report.split("### Settings changed or dropped")[1].split("###")[0]
    assert settings.count("spark.shuffle.service.enabled=true") == 1
    assert "spark.shuffle.service.enabled=true: dropped; " in settings
    assert "(`clean_orders`, `daily_revenue_mart`)" in settings
    assert "```dockerfile\n  # bootstrap action 'Install Python libraries'" in report


def test_refit_keeps_total_cores_and_heap_per_core_and_costs_no_more_than_the_yarn_shape():
    migration = run(SHAPES["worked_example_dag"])
    for job in migration.workflows[0].translation.jobs:
        before, after = job["before"], job["after"]
        assert after.total_cores >= before.total_cores
        assert after.heap_mib / after.cores >= before.heap_mib / before.cores
        if job["before_hourly"] is not None:
            assert job["after_hourly"] <= job["before_hourly"]


@pytest.mark.parametrize(
    ("source", "labels", "chosen"),
    [
        ("emr-6.15.0", ["emr-7.12.0-latest", "emr-7.9.0-latest"], "emr-7.9.0-latest"),
        ("emr-7.10.0", ["emr-7.12.0-latest", "emr-7.9.0-latest"], "emr-7.12.0-latest"),
        ("emr-7.13.0", ["emr-7.12.0-latest", "emr-7.9.0-latest"], "emr-7.12.0-latest"),
        ("emr-6.10.0", ["emr-6.10.0-latest", "emr-7.12.0-latest"], "emr-6.10.0-latest"),
    ],
)
def test_the_closest_release_is_the_smallest_upgrade_and_says_what_changes(source, labels, chosen):
    label, notes = closest_release(source, labels)
    assert label == chosen
    assert notes[0] == f"{source} -> {chosen}"
    if source.startswith("emr-6") and chosen.startswith("emr-7"):
        assert "Java 8 -> Java 17" in notes[1]


def test_bad_inputs_list_every_problem_with_file_and_field_and_no_traceback(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"Name": "x", "Instances": {"InstanceGroups": [{"InstanceRole": "CORE"}]}}))
    steps = tmp_path / "steps.json"
    steps.write_text(json.dumps([{"Type": "Flink", "Args": []}]))
    dag = tmp_path / "not_emr.py"
    dag.write_text("from airflow import DAG\nDAG('x')\n")
    code = main([str(broken), str(steps), str(dag), "--team", "analytics", "--out", str(tmp_path / "out")])
    errors = capsys.readouterr().err.splitlines()
    assert code == 2
    assert any(
        "broken.json.Instances.InstanceGroups[0]: needs InstanceRole (MASTER, CORE, TASK)" in line for line in errors
    )
    assert all(line.startswith("error: ") for line in errors) and len(errors) == 3
    assert any("steps.json[0] (step).Type: 'Flink' is not Spark" in line for line in errors)
    assert any("not_emr.py: no EmrCreateJobFlowOperator" in line for line in errors)
    assert not (tmp_path / "out").exists()


def test_an_unknown_team_is_named_with_the_teams_there_are(capsys):
    assert main([str(INPUTS / "add_steps.json"), "--team", "nobody"]) == 2
    assert "--team: 'nobody' is not a team of the configuration (analytics, ingestion)" in capsys.readouterr().err


def test_the_worked_example_is_current_and_its_report_is_the_one_committed():
    code = main(
        [
            str(EXAMPLE / "dags" / "nightly_sales_emr.py"),
            "--team", "analytics",
            "--bootstrap-dir", str(EXAMPLE / "bootstrap"),
            "--out", str(EXAMPLE / "out"),
            "--check",
        ]
    )  # fmt: skip
    assert code == 0, "run `make migrate` and commit examples/migrate-emr-on-ec2/out"
    report = markdown(run(SHAPES["worked_example_dag"], bootstrap_dir=EXAMPLE / "bootstrap"))
    assert "| cost per run (USD) |" in report and "Cannot move by itself" in report


def test_check_fails_on_a_stale_file(tmp_path, capsys):
    args = [str(INPUTS / "provider_example_dag.py"), "--team", "analytics", "--out", str(tmp_path)]
    assert main(args) == 0
    (tmp_path / "migration.md").write_text("edited by hand\n")
    assert main([*args, "--check"]) == 1
    assert "migration.md is stale" in capsys.readouterr().err


def test_the_generated_pipelines_file_names_the_published_schema():
    text = (EXAMPLE / "out" / "pipelines" / "analytics.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../../../../schemas/pipeline.schema.json")
    assert Path(EXAMPLE / "out" / "pipelines").is_dir()

"""MWAA: environment, source bucket, DAG deployment and a least-privilege execution role."""

from __future__ import annotations

import copy
import fnmatch
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from spark_platform.config import ConfigError, OrchestrationConfig, from_mapping, sandbox_config
from spark_platform.jobs.pipelines import check_pipelines
from spark_platform.orchestration.airflow import mwaa_requirements

from .conftest import ROOT, VARIANT

ORCHESTRATION = "spark-orchestration"


def environment(synth) -> dict:
    (env,) = synth.resources("AWS::MWAA::Environment").values()
    return env


def statements(synth, policy_part: str) -> dict[str, dict]:
    (policy,) = [
        p
        for lid, p in synth.templates[ORCHESTRATION]["Resources"].items()
        if p["Type"] == "AWS::IAM::ManagedPolicy" and policy_part in lid
    ]
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def test_environment_runs_the_configured_airflow_with_private_ui_and_all_logs(sandbox):
    props = environment(sandbox)["Properties"]
    assert props["AirflowVersion"] == "3.0.6"
    assert props["EnvironmentClass"] == "mw1.small"
    assert (props["MinWorkers"], props["MaxWorkers"], props["Schedulers"]) == (1, 10, 2)
    assert props["WebserverAccessMode"] == "PRIVATE_ONLY"
    assert set(props["LoggingConfiguration"]) == {
        "DagProcessingLogs",
        "SchedulerLogs",
        "TaskLogs",
        "WebserverLogs",
        "WorkerLogs",
    }
    assert all(module == {"Enabled": True, "LogLevel": "INFO"} for module in props["LoggingConfiguration"].values())
    assert props["DagS3Path"] == "dags"


def test_environment_uses_two_private_subnets_in_different_zones_and_a_self_referencing_group(sandbox):
    props = environment(sandbox)["Properties"]
    subnets = [ref["Fn::ImportValue"] for ref in props["NetworkConfiguration"]["SubnetIds"]]
    assert len(subnets) == 2 and all("nodesSubnet" in name for name in subnets)
    assert subnets[0] != subnets[1] and "Subnet1" in subnets[0] and "Subnet2" in subnets[1]
    (group_ref,) = props["NetworkConfiguration"]["SecurityGroupIds"]
    group_id = group_ref["Fn::GetAtt"][0]
    rules = [
        r["Properties"]
        for r in sandbox.resources("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == group_ref
    ]
    assert any(
        rule["SourceSecurityGroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]} and rule["IpProtocol"] == "-1"
        for rule in rules
    )
    group = sandbox.resources("AWS::EC2::SecurityGroup")[group_id]["Properties"]
    assert group["SecurityGroupIngress"] == [
        {
            "CidrIp": "10.0.0.0/16",
            "Description": "Airflow UI from 10.0.0.0/16",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]


def test_source_bucket_is_versioned_private_encrypted_and_tls_only(sandbox):
    props = environment(sandbox)["Properties"]
    bucket_id = props["SourceBucketArn"]["Fn::GetAtt"][0]
    bucket = sandbox.resources("AWS::S3::Bucket")[bucket_id]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert encryption["SSEAlgorithm"] == "aws:kms"
    (policy,) = [
        p
        for p in sandbox.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    )


def test_dags_and_constrained_requirements_are_deployed_before_the_environment(sandbox):
    env = environment(sandbox)
    deployments = {
        lid: r
        for lid, r in sandbox.templates[ORCHESTRATION]["Resources"].items()
        if r["Type"] == "Custom::CDKBucketDeployment" and not lid.startswith("AirflowJobArtifacts")
    }
    assert set(deployments) <= set(env["DependsOn"])
    prefixes = sorted(d["Properties"]["DestinationBucketKeyPrefix"] for d in deployments.values())
    requirements_path = env["Properties"]["RequirementsS3Path"]
    assert prefixes == sorted(["dags/", requirements_path.rsplit("/", 1)[0] + "/"])
    requirements = mwaa_requirements(sandbox.config.orchestration)
    assert requirements.splitlines()[0] == (
        '--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-3.0.6/constraints-3.12.txt"'
    )
    staged = sandbox.directory / "mwaa-dags"
    assert (staged / "spark_pipelines.py").is_file() and (staged / "pipelines" / "analytics.yaml").is_file()
    settings = json.loads((staged / "spark_platform_dags" / "platform.json").read_text())
    assert settings["name_prefix"] == "spark" and settings["region"] == "eu-west-1"


def test_the_sample_job_scripts_are_uploaded_to_their_teams_artifacts_prefix_and_nothing_is_pruned(sandbox):
    (artifacts,) = [
        r
        for lid, r in sandbox.templates[ORCHESTRATION]["Resources"].items()
        if r["Type"] == "Custom::CDKBucketDeployment" and lid.startswith("AirflowJobArtifacts")
    ]
    assert artifacts["Properties"]["DestinationBucketKeyPrefix"] == "teams/"
    assert artifacts["Properties"]["Prune"] is False
    staged = sandbox.directory / "team-artifacts"
    assert sorted(str(p.relative_to(staged)) for p in staged.rglob("*.py")) == [
        "analytics/jobs/campaign_mart.py",
        "analytics/jobs/legacy_report.py",
        "analytics/jobs/sessions.py",
        "ingestion/jobs/upsert.py",
    ]
    # One BucketDeployment handler for the stack: the DAGs, the requirements and the job scripts.
    handlers = [
        r for r in sandbox.templates[ORCHESTRATION]["Resources"].values() if r["Type"] == "AWS::Lambda::Function"
    ]
    assert len(handlers) == 1


def test_a_missing_job_script_of_a_team_with_shipped_scripts_fails_synth(tmp_path):
    import shutil

    from spark_platform.jobs.dag_package import ARTIFACTS_DIR, DAGS_DIR

    artifacts = tmp_path / "artifacts"
    shutil.copytree(ARTIFACTS_DIR, artifacts)
    (artifacts / "ingestion" / "jobs" / "upsert.py").unlink()
    pipelines = tmp_path / "pipelines"
    shutil.copytree(DAGS_DIR / "pipelines", pipelines)
    orchestration = replace(sandbox_config().orchestration, pipelines_dir=str(pipelines), artifacts_dir=str(artifacts))
    with pytest.raises(
        ConfigError,
        match=r"(^|\n)\S*/ingestion\.yaml: pipelines\[0\]\.jobs\[0\]\.entry_point: jobs/upsert\.py is not in .*ingestion "
        r"\(uploaded to the team's artifacts prefix on deploy\); add the file or give an s3:// location\n",
    ):
        check_pipelines(replace(sandbox_config(), orchestration=orchestration))


def test_a_change_to_the_requirements_reaches_mwaa(sandbox, tmp_path):
    """The requirements object's key carries its content hash, so RequirementsS3Path changes."""
    from .conftest import synthesize

    older = replace(sandbox.config, orchestration=replace(sandbox.config.orchestration, airflow_version="2.11.0"))
    other = synthesize(older, tmp_path / "older-airflow")
    assert (
        environment(other)["Properties"]["RequirementsS3Path"]
        != environment(sandbox)["Properties"]["RequirementsS3Path"]
    )
    assert "constraints-2.11.0/constraints-3.12.txt" in mwaa_requirements(older.orchestration)


def test_execution_role_may_start_jobs_only_on_platform_clusters_with_team_roles(sandbox):
    jobs = statements(sandbox, "JobSubmission")
    start = jobs["StartJobsOnPlatformClustersWithTeamRoles"]
    assert start["Action"] == "emr-containers:StartJobRun"
    assert start["Resource"] == {
        "Fn::Join": ["", ["arn:aws:emr-containers:eu-west-1:", {"Ref": "AWS::AccountId"}, ":/virtualclusters/*"]]
    }
    assert start["Condition"]["StringEquals"] == {
        "aws:ResourceTag/spark-platform": "spark",
        "aws:RequestTag/spark-platform": "spark",
    }
    role_pattern = start["Condition"]["ArnLike"]["emr-containers:ExecutionRoleArn"]
    assert role_pattern == {"Fn::Join": ["", ["arn:aws:iam::", {"Ref": "AWS::AccountId"}, ":role/spark-*-emr-job"]]}
    assert jobs["WatchAndCancelPlatformJobRuns"]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/spark-platform": "spark"}
    }
    assert sorted(jobs["WatchAndCancelPlatformJobRuns"]["Action"]) == [
        "emr-containers:CancelJobRun",
        "emr-containers:DescribeJobRun",
    ]
    pass_role = jobs["PassTeamRolesToEmrOnly"]
    assert pass_role["Resource"] == role_pattern
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "emr-containers.amazonaws.com"}}
    for statement in [*jobs.values(), *statements(sandbox, "ExecutionPolicy").values()]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any(action.startswith("emr-containers") and "*" in action for action in actions)
        assert not (any(a.startswith("emr-containers") for a in actions) and statement.get("Resource") == "*")


def test_the_role_pattern_admits_every_team_role_and_the_clusters_carry_the_tag(sandbox):
    for role in sandbox.resources("AWS::IAM::Role").values():
        name = role["Properties"].get("RoleName", "")
        if name.endswith("-emr-job"):
            assert fnmatch.fnmatch(name, "spark-*-emr-job")
    for cluster in sandbox.resources("AWS::EMRContainers::VirtualCluster").values():
        assert {"Key": "spark-platform", "Value": "spark"} in cluster["Properties"]["Tags"]


def test_mwaa_itself_gets_only_what_the_service_needs(sandbox):
    own = statements(sandbox, "ExecutionPolicy")
    assert own["PublishEnvironmentMetrics"]["Resource"]["Fn::Join"][1][-1].endswith(":environment/spark-airflow")
    assert own["UseCeleryQueues"]["Resource"] == "arn:aws:sqs:eu-west-1:*:airflow-celery-*"
    assert own["EncryptCeleryMessages"]["Condition"] == {
        "StringLike": {"kms:ViaService": ["sqs.eu-west-1.amazonaws.com"]}
    }
    assert own["PublishMetrics"]["Condition"] == {"StringEquals": {"cloudwatch:namespace": "AmazonMWAA"}}
    (role,) = [
        r
        for lid, r in sandbox.templates[ORCHESTRATION]["Resources"].items()
        if r["Type"] == "AWS::IAM::Role" and "Airflow" in lid
    ]
    principals = sorted(
        service
        for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        for service in statement["Principal"]["Service"]
    )
    assert principals == ["airflow-env.amazonaws.com", "airflow.amazonaws.com"]
    # Confused deputy: MWAA may hand the role only to this environment of this account.
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnEquals": {
            "aws:SourceArn": {
                "Fn::Join": [
                    "",
                    ["arn:aws:airflow:eu-west-1:", {"Ref": "AWS::AccountId"}, ":environment/spark-airflow"],
                ]
            }
        },
    }
    (environment,) = sandbox.resources("AWS::MWAA::Environment").values()
    assert environment["Properties"]["Name"] == "spark-airflow"


def test_onboarding_a_team_does_not_change_the_orchestration_stack(sandbox, tmp_path):
    from spark_platform.config import TeamConfig

    from .conftest import synthesize

    bigger = replace(
        sandbox.config, teams=(*sandbox.config.teams, TeamConfig(name="finance", namespace="spark-finance"))
    )
    assert synthesize(bigger, tmp_path / "one-more").templates[ORCHESTRATION] == sandbox.templates[ORCHESTRATION]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"airflow_version": "2.6.3"},
            r"^orchestration\.airflow_version: '2\.6\.3' is not offered by MWAA; use one of 2\.9\.2, .*3\.0\.6$",
        ),
        ({"airflow_version": "3.1.0"}, r"^orchestration\.airflow_version: '3\.1\.0' is not offered by MWAA"),
        ({"environment_class": "mw1.huge"}, r"^orchestration\.environment_class: 'mw1\.huge' is not one of"),
        ({"min_workers": 5, "max_workers": 2}, r"^orchestration: workers must satisfy"),
        ({"environment_class": "mw1.micro"}, r"^orchestration: mw1\.micro runs exactly 1 scheduler"),
        ({"webserver_access_mode": "OPEN"}, r"^orchestration\.webserver_access_mode: 'OPEN' must be"),
        (
            {"webserver_allowed_cidrs": ["0.0.0.0/0"]},
            r"^orchestration\.webserver_allowed_cidrs\[0\]: 0\.0\.0\.0/0 is not allowed",
        ),
    ],
)
def test_bad_orchestration_settings_fail_with_the_field_named(override, message):
    data = copy.deepcopy(VARIANT)
    data["orchestration"] = override
    with pytest.raises(ConfigError, match=message):
        from_mapping(data)


def _with_pipeline(tmp_path: Path, text: str) -> OrchestrationConfig:
    directory = tmp_path / "pipelines"
    directory.mkdir()
    (directory / "team.yaml").write_text(text)
    return OrchestrationConfig(pipelines_dir=str(directory))


def _one_job(team: str, job_type: str, release: str, extra: str = "") -> str:
    job = f"{{id: a, entry_point: a.py, job_type: {job_type}, release_label: {release}{extra}}}"
    return f"team: {team}\npipelines: [{{id: p, jobs: [{job}]}}]"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            _one_job("nobody", "pyspark-analytics", "emr-7.12.0-latest"),
            r"^\S*/team\.yaml: team 'nobody' is not in teams \(teams: analytics, ingestion\); add the team",
        ),
        (
            _one_job("ingestion", "hudi-ingestion", "emr-7.9.0-latest"),
            # Two problems, both reported: the team may not use the release, and no image is built for it.
            r"^\S*/team\.yaml: pipelines\[0\]\.jobs\[0\]\.release_label: emr-7\.9\.0-latest is not "
            r"among team ingestion's release_labels \(emr-7\.12\.0-latest\); use one of them or add it to "
            r"teams\[1\]\.release_labels\n\S*/team\.yaml: pipelines\[0\]\.jobs\[0\]\.job_type: no hudi-ingestion image",
        ),
        (
            _one_job("analytics", "hudi-ingestion", "emr-7.9.0-latest"),
            r"^\S*/team\.yaml: pipelines\[0\]\.jobs\[0\]\.job_type: no hudi-ingestion image is built for "
            r"emr-7\.9\.0-latest \(built: emr-7\.12\.0-latest\); add the release to job type hudi-ingestion under images$",
        ),
        (
            "team: analytics\npipelines: [{id: p, jobs: []}]",
            r"^\S*/team\.yaml: pipelines\[0\]\.jobs: list at least one job",
        ),
        # Jobs the pipeline model accepts but no LimitRange, node or quota can hold.
        (
            _one_job("analytics", "pyspark-analytics", "emr-7.12.0-latest", ", executor_cores: 64"),
            r"^\S*/team\.yaml: pipelines\[0\]\.jobs\[0\]\.executor_cores: the executor pod breaks team analytics's "
            r"LimitRange: container spark-kubernetes-executor needs cpu 64 cores > 32 cores \(quota\.max_container_cpu\)",
        ),
        (
            _one_job("analytics", "pyspark-analytics", "emr-7.12.0-latest", ", executor_memory: 240g"),
            r"^\S*/team\.yaml: pipelines\[0\]\.jobs\[0\]\.executor_memory: the executor pod breaks team analytics's "
            r"LimitRange: .* memory 336 GiB > 256 GiB \(quota\.max_container_memory_gib\)",
        ),
        (
            _one_job("analytics", "pyspark-analytics", "emr-7.12.0-latest", ", driver_cores: 32"),
            r"^\S*/team\.yaml: pipelines\[0\]\.jobs\[0\]\.driver_cores: the driver pod needs cpu 32\.1 cores > 15\.49 cores on "
            r"the largest spark-driver node "
            r"\(m7g\.4xlarge\); make it smaller or allow larger karpenter\.driver\.instance_sizes$",
        ),
        (
            _one_job("analytics", "pyspark-analytics", "emr-7.12.0-latest", ", executors: 200, executor_cores: 4"),
            r"^\S*/team\.yaml: pipelines\[0\]\.jobs\[0\]\.executors: its pods together need requests\.cpu 821\.3 cores but "
            r"team analytics's quota allows 400 cores \(quota\.cpu\); lower executors or raise the team's quota$",
        ),
        (
            _one_job(
                "analytics",
                "pyspark-analytics",
                "emr-7.12.0-latest",
                ", spark_conf: {spark.executor.memoryOverhead: lots}",
            ),
            r"^\S*/team\.yaml: pipelines\[0\]\.jobs\[0\]\.spark_conf: spark\.executor\.memoryOverhead: 'lots' "
            r"is not a size",
        ),
        # Settings that would take the job's pods out of the team's pod templates and namespace.
        *(
            (
                _one_job(
                    "analytics", "pyspark-analytics", "emr-7.12.0-latest", f", spark_conf: {{'{key}': '{value}'}}"
                ),
                rf"^\S*/team\.yaml: pipelines\[0\]\.jobs\[0\]\.spark_conf: job 'a' sets '{re.escape(key)}', which {why}",
            )
            for key, value, why in (
                ("spark.kubernetes.executor.volumes.hostPath.node.mount.path", "/host", "mounts a volume"),
                ("spark.kubernetes.driver.volumes.emptyDir.x.mount.path", "/x", "mounts a volume"),
                (
                    "spark.kubernetes.authenticate.driver.serviceAccountName",
                    "default",
                    "changes the Kubernetes identity",
                ),
                ("spark.kubernetes.node.selector.eks.amazonaws.com/nodegroup", "system", "places pods outside"),
                (
                    "spark.kubernetes.executor.podTemplateFile",
                    "s3://x/pod.yaml",
                    "would escape the team's pod templates",
                ),
                ("spark.kubernetes.executor.scheduler.name", "other", "hands the pods to another scheduler"),
                ("spark.authenticate", "false", "turns off authentication"),
                ("spark.network.crypto.enabled", "false", "weakens the encryption"),
                ("spark.io.encryption.enabled", "false", "weakens the encryption"),
            )
        ),
    ],
)
def test_pipelines_that_do_not_fit_the_configuration_fail_synth(tmp_path, text, message):
    config = replace(sandbox_config(), orchestration=_with_pipeline(tmp_path, text))
    with pytest.raises(ConfigError, match=message):
        check_pipelines(config)


def test_a_pipelines_file_with_several_mistakes_reports_them_all_in_one_run(tmp_path):
    """One synth per mistake is a slow way to learn a file: every problem of every file, each with
    the file, the field path, the limit in the setting's unit and the fix."""
    (tmp_path / "analytics.yaml").write_text(
        "team: analytics\npipelines:\n"
        "  - id: p\n    jobs:\n"
        "      - {id: a, entry_point: a.py, job_type: pyspark-analytics, release_label: emr-7.12.0-latest,"
        " executor_cores: 48}\n"
        "      - {id: b, entry_point: b.py, job_type: pyspark-analytics, release_label: emr-7.12.0-latest,"
        " executor_memory: 420g}\n"
        "      - {id: c, entry_point: c.py, job_type: pyspark-analytics, release_label: emr-7.11.0-latest}\n"
    )
    (tmp_path / "ingestion.yaml").write_text(
        "team: ingestion\npipelines:\n  - id: q\n    schedule: often\n    jobs:\n"
        "      - {id: x, entry_point: x.py, job_type: hudi-ingestion, release_label: emr-7.12.0-latest, executors: 0}\n"
    )
    config = replace(sandbox_config(), orchestration=OrchestrationConfig(pipelines_dir=str(tmp_path)))
    with pytest.raises(ConfigError) as error:
        check_pipelines(config)
    lines = [line.removeprefix(f"{tmp_path}/") for line in str(error.value).splitlines()]
    # The files' own mistakes first, then the platform's checks of every job that could be read:
    # the bad schedule of ingestion's pipeline does not hide analytics' jobs, all in one run.
    assert len(lines) == 7
    assert lines[0].startswith("ingestion.yaml: pipelines[0].schedule: 'often' is not hourly")
    assert lines[1].startswith("ingestion.yaml: pipelines[0].jobs[0].executors: 0 must be an integer from 1")
    assert lines[2].startswith("analytics.yaml: pipelines[0].jobs[0].executor_cores: the executor pod breaks team")
    assert "cpu 48 cores > 32 cores (quota.max_container_cpu)" in lines[2]
    assert lines[3].startswith("analytics.yaml: pipelines[0].jobs[1].executor_memory: the executor pod breaks")
    assert "GiB > 256 GiB (quota.max_container_memory_gib)" in lines[3]
    assert lines[4].startswith(
        "analytics.yaml: pipelines[0].jobs[1].executor_memory: the executor pod needs memory 588.5 GiB > 465.2 GiB"
    )
    assert lines[5].startswith("analytics.yaml: pipelines[0].jobs[2].release_label: emr-7.11.0-latest is not among")
    assert lines[5].endswith("use one of them or add it to teams[0].release_labels")
    assert lines[6].startswith("analytics.yaml: pipelines[0].jobs[2].job_type: no pyspark-analytics image is built")


def test_a_pipeline_with_a_file_level_mistake_still_has_its_jobs_checked(tmp_path):
    (tmp_path / "analytics.yaml").write_text(
        "team: analytics\npipelines:\n  - id: p\n    schedule: often\n    hour: 25\n    jobs:\n"
        "      - {id: a, entry_point: a.py, job_type: pyspark-analytics, release_label: emr-7.12.0-latest,"
        " executor_cores: 48, depends_on: [b]}\n"
    )
    with pytest.raises(ConfigError) as error:
        check_pipelines(replace(sandbox_config(), orchestration=OrchestrationConfig(pipelines_dir=str(tmp_path))))
    fields = [line.split(": ")[1] for line in str(error.value).splitlines()]
    assert fields == [
        "pipelines[0].schedule",
        "pipelines[0].hour",
        "pipelines[0].jobs[0].depends_on",
        "pipelines[0].jobs[0].executor_cores",
    ]
    assert "'b' is not another job of this pipeline (its other jobs: none)" in str(error.value)


def test_the_scheduling_page_shows_the_errors_synth_prints_for_its_example_file(tmp_path):
    page = (ROOT / "docs" / "scheduling.md").read_text()
    section = page.split("**Refused at synth, every problem in one run.**")[1]
    example = section.split("```yaml\n")[1].split("```")[0]
    shown = section.split("\n```\n")[2].splitlines()  # the block after the yaml one
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "analytics.yaml").write_text(example)
    orchestration = OrchestrationConfig(pipelines_dir=str(tmp_path / "pipelines"))
    with pytest.raises(ConfigError) as error:
        check_pipelines(replace(sandbox_config(), orchestration=orchestration))
    printed = [line.removeprefix(f"{tmp_path}/") for line in str(error.value).splitlines()]
    assert shown == [f"error: invalid platform configuration, {len(printed)} problems:", *printed]

"""The platform as a construct library: any feature flags, the SparkPlatform API, its grants."""

from __future__ import annotations

import inspect
import json
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from spark_platform.compliance import apply_compliance_checks
from spark_platform.config import ConfigError, OrchestrationConfig, PlatformConfig, TeamConfig, sandbox_config
from spark_platform.feature_flags import feature_flags
from spark_platform.stacks import (
    ClusterStack,
    ImagesStack,
    KarpenterStack,
    NetworkStack,
    OrchestrationStack,
    SparkPlatform,
    TeamsStack,
    TenancyStack,
    build_platform,
)

from .conftest import CDK_CONTEXT, ROOT

NO_AIRFLOW = OrchestrationConfig(enabled=False)


def _template_files(app: App) -> dict[str, bytes]:
    directory = Path(app.synth().directory)
    return {path.name: path.read_bytes() for path in sorted(directory.glob("*.template.json"))}


def _synth_sandbox(context: dict, outdir: Path) -> dict[str, bytes]:
    app = App(context=context, outdir=str(outdir))
    build_platform(app, sandbox_config())
    apply_compliance_checks(app)
    return _template_files(app)


@pytest.fixture(scope="module")
def templates_with_cdk_json_flags(tmp_path_factory) -> dict[str, bytes]:
    return _synth_sandbox(CDK_CONTEXT, tmp_path_factory.mktemp("flags"))


def test_platform_synthesizes_byte_identical_templates_in_an_app_without_feature_flags(
    templates_with_cdk_json_flags, tmp_path
):
    # App(context={}) and no cdk.json: the CDK's own defaults for every flag.
    assert _synth_sandbox({}, tmp_path) == templates_with_cdk_json_flags


def test_platform_synthesizes_byte_identical_templates_when_the_app_sets_every_flag_the_other_way(
    templates_with_cdk_json_flags, tmp_path
):
    inverted = {flag: not value for flag, value in feature_flags().items() if isinstance(value, bool)}
    assert _synth_sandbox(inverted, tmp_path) == templates_with_cdk_json_flags


def test_platform_synthesizes_byte_identical_templates_in_a_fresh_cdk_init_app(templates_with_cdk_json_flags, tmp_path):
    # The flags `cdk init` writes into a new project's cdk.json, from the pinned CDK CLI.
    recommended = ROOT / "node_modules" / "aws-cdk" / "lib" / "init-templates" / ".recommended-feature-flags.json"
    assert _synth_sandbox(json.loads(recommended.read_text()), tmp_path) == templates_with_cdk_json_flags


def test_constructs_synthesize_and_pass_cdk_nag_under_default_flags_even_without_the_pins(monkeypatch, tmp_path):
    # Constructs placed in a caller's own stack get the app's flags; they must still work
    # (the templates then differ: partition as a Ref, unmerged policy statements).
    monkeypatch.setattr("spark_platform.stacks.base.pin_feature_flags", lambda scope: None)
    templates = _synth_sandbox({}, tmp_path)
    assert b'"Ref":"AWS::Partition"' in templates["spark-teams-1.template.json"]


def test_pinned_feature_flags_are_exactly_the_flags_of_cdk_json():
    assert feature_flags() == {key: value for key, value in CDK_CONTEXT.items() if key.startswith("@aws-cdk")}


@pytest.mark.parametrize(
    "stack", [NetworkStack, ClusterStack, ImagesStack, KarpenterStack, TenancyStack, TeamsStack, OrchestrationStack]
)
def test_stacks_receive_only_the_settings_they_use_not_the_whole_configuration(stack):
    parameters = inspect.signature(stack.__init__).parameters.values()
    assert "config" not in {parameter.name for parameter in parameters}
    assert all("PlatformConfig" not in str(parameter.annotation) for parameter in parameters)


def _platform(app: App, **changes) -> SparkPlatform:
    config = replace(sandbox_config(), **{"teams": (), "orchestration": NO_AIRFLOW, **changes})
    return SparkPlatform(app, "Platform", config=config)


def test_add_team_creates_the_team_in_a_teams_stack_and_returns_handles():
    app = App(context={})
    platform = _platform(app)
    team = platform.add_team(TeamConfig(name="marketing", namespace="spark-marketing"))
    assert platform.team_stacks[1].stack_name == "spark-teams-1"
    assert platform.teams == {"marketing": team}
    assert platform.virtual_clusters["marketing"] is team.virtual_cluster
    assert platform.job_roles["marketing"] is team.role
    template = Template.from_stack(platform.team_stacks[1])
    template.has_resource_properties(
        "AWS::EMRContainers::VirtualCluster",
        {"Name": "spark-marketing", "ContainerProvider": Match.object_like({"Id": "spark-eks"})},
    )
    template.has_resource_properties("AWS::IAM::Role", {"RoleName": "spark-marketing-emr-job"})


def test_add_team_puts_each_team_in_the_stack_it_is_pinned_to():
    platform = _platform(App(context={}), tenancy=replace(sandbox_config().tenancy, teams_per_stack=2))
    for name, stack in (("a-team", 1), ("b-team", 1), ("c-team", 2)):
        platform.add_team(TeamConfig(name=name, namespace=f"spark-{name}", stack=stack))
    assert {number: list(stack.teams) for number, stack in platform.team_stacks.items()} == {
        1: ["a-team", "b-team"],
        2: ["c-team"],
    }
    assert platform.team_stacks[1].template_options.description == "spark: 2 EMR on EKS teams, a-team to b-team"


def test_add_team_refuses_a_namespace_another_team_uses_naming_the_field():
    platform = _platform(App(context={}))
    platform.add_team(TeamConfig(name="marketing", namespace="spark-shared"))
    with pytest.raises(ConfigError, match=r"^teams: namespace 'spark-shared' is used by more than one team"):
        platform.add_team(TeamConfig(name="finance", namespace="spark-shared"))


def test_read_team_data_may_name_a_team_added_later_but_synth_fails_if_it_never_is():
    app = App(context={})
    platform = _platform(app)
    platform.add_team(TeamConfig(name="finance", namespace="spark-finance", read_team_data=("marketing",)))
    platform.add_team(TeamConfig(name="marketing", namespace="spark-marketing"))
    app.synth()  # both present: valid

    orphan = App(context={})
    _platform(orphan).add_team(TeamConfig(name="finance", namespace="spark-finance", read_team_data=("sales",)))
    with pytest.raises(RuntimeError, match=r"teams\[0\]\.read_team_data: 'sales' is not another team"):
        orphan.synth()


def test_spark_platform_takes_teams_only_through_add_team():
    with pytest.raises(ConfigError, match=r"^teams: SparkPlatform\(config=\.\.\.\) takes the platform settings only"):
        SparkPlatform(App(context={}), "Platform", config=sandbox_config())


def test_teams_cannot_be_added_after_the_pipelines_were_checked():
    platform = _platform(App(context={}), orchestration=OrchestrationConfig())
    platform.add_team(sandbox_config().teams[0])
    platform.add_team(sandbox_config().teams[1])
    platform.add_pipelines()
    with pytest.raises(ConfigError, match=r"^teams: add team 'late' before add_pipelines\(\)"):
        platform.add_team(TeamConfig(name="late", namespace="spark-late"))


def _granted_statements(stack: Stack) -> list[dict]:
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    (policy,) = policies.values()
    return policy["Properties"]["PolicyDocument"]["Statement"]


def test_grant_start_job_run_scopes_to_the_teams_cluster_and_its_execution_role_only():
    app = App(context={})
    platform = _platform(app)
    team = platform.add_team(TeamConfig(name="marketing", namespace="spark-marketing"))
    consumer = Stack(app, "consumer", env=Environment(region="eu-west-1"))
    role = iam.Role(consumer, "Scheduler", assumed_by=iam.ServicePrincipal("states.amazonaws.com"))
    platform.grant_start_job_run("marketing", role)
    statements = {json.dumps(s["Action"]): s for s in _granted_statements(consumer)}
    start = statements['"emr-containers:StartJobRun"']
    cluster_arn = consumer.resolve(team.virtual_cluster.attr_arn)
    assert start["Resource"] == cluster_arn
    assert start["Condition"] == {
        "StringEquals": {"emr-containers:ExecutionRoleArn": consumer.resolve(team.role.role_arn)}
    }
    pass_role = statements['"iam:PassRole"']
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "emr-containers.amazonaws.com"}}
    assert statements['["emr-containers:DescribeJobRun", "emr-containers:CancelJobRun"]']["Resource"] == {
        "Fn::Join": ["", [cluster_arn, "/jobruns/*"]]
    }


def test_grant_read_team_document_allows_reading_that_teams_parameter_only():
    app = App(context={})
    platform = _platform(app)
    platform.add_team(TeamConfig(name="marketing", namespace="spark-marketing"))
    consumer = Stack(app, "consumer", env=Environment(region="eu-west-1"))
    role = iam.Role(consumer, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    platform.grant_read_team_document("marketing", role)
    (statement,) = _granted_statements(consumer)
    assert "ssm:GetParameter" in statement["Action"]
    assert not any(action.startswith(("emr-containers:", "iam:")) for action in statement["Action"])
    with pytest.raises(KeyError, match="team 'sales' was not added"):
        platform.grant_read_team_document("sales", role)


def test_a_platform_without_images_has_no_images_stack():
    app = App(context={})
    platform = _platform(app, images=())
    assert platform.images is None
    assert "spark-images" not in {stack.stack_name for stack in platform.stacks}


def test_app_py_is_the_configuration_front_end_over_spark_platform():
    assert "build_platform" in (ROOT / "app.py").read_text()
    assert isinstance(
        build_platform(App(context={}), replace(sandbox_config(), orchestration=NO_AIRFLOW)), SparkPlatform
    )
    assert PlatformConfig  # imported from spark_platform.config, the package's public surface


def test_wheel_dependencies_are_the_exact_pins_of_requirements_txt():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    required = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert sorted(declared) == sorted(required)


def test_add_pipelines_checks_the_given_directory_against_the_teams_added(tmp_path):
    shipped = ROOT / "orchestration" / "dags" / "pipelines"
    (tmp_path / "analytics.yaml").write_text((shipped / "analytics.yaml").read_text())
    platform = _platform(App(context={}), orchestration=OrchestrationConfig())
    with pytest.raises(ConfigError, match=r"^\S*/analytics\.yaml: team 'analytics' is not in teams \(teams: "):
        platform.add_pipelines(tmp_path)  # team analytics was never added
    platform.add_team(sandbox_config().teams[0])
    stack = platform.add_pipelines(tmp_path)
    assert stack.stack_name == "spark-orchestration" and platform.orchestration is stack

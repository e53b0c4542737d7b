"""Scale: hundreds of teams stay within CloudFormation's limits, and placement is stable."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from spark_platform.config import (
    AlertsConfig,
    ConfigError,
    OrchestrationConfig,
    QuotaConfig,
    S3Location,
    TeamConfig,
    sandbox_config,
)
from spark_platform.config.alerts import MAX_ALERT_EMAILS, MAX_ALERT_TOPICS
from spark_platform.config.teams import MAX_TEAMS_PER_STACK, TEAM_LIMITS
from spark_platform.emr_release_catalog import RELEASES
from spark_platform.tenancy.placement import (
    HEADROOM,
    MAX_POLICIES_PER_TEAM,
    OUTPUT_LIMIT,
    RESOURCE_LIMIT,
    STACK_BASE_TEMPLATE_BYTES,
    TEAM_MAX_RESOURCES,
    TEAM_MAX_TEMPLATE_BYTES,
    TEMPLATE_BYTES_LIMIT,
    place_teams,
    teams_per_stack,
)
from spark_platform.tenancy.policy_packing import MANAGED_POLICY_MAX_CHARS

from .conftest import synthesize

PSEUDO = {"AWS::AccountId": "123456789012", "AWS::Region": "ap-southeast-3", "AWS::Partition": "aws-us-gov"}


def deployed(value):
    """``value`` as IAM would store it: pseudo parameters at their longest, other tokens 120 chars."""
    if isinstance(value, list):
        return [deployed(item) for item in value]
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in PSEUDO:
            return PSEUDO[value["Ref"]]
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(deployed(part) for part in parts)
        if len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref")):
            return "x" * 120
        return {key: deployed(item) for key, item in value.items()}
    return value


# The sample pipelines name the sandbox's teams; these configurations have other teams.
NO_AIRFLOW = OrchestrationConfig(enabled=False)


def worst_case_team(index: int, count: int) -> TeamConfig:
    """A team with every list at its cap and every name at its longest; every location encrypted
    with a key of its own (the longest form: a multi-Region key ARN in another account)."""
    name = f"t{index:02d}" + "x" * 21

    def location(kind: str, n: int) -> S3Location:
        key = f"arn:aws-us-gov:kms:ap-southeast-3:{index:06d}{n:06d}:key/mrk-{index:02d}{n:02d}{'a' if kind == 'read' else 'b'}{'c' * 27}"
        return S3Location(location=f"s3://{'b' * 58}{n:02d}{kind[0]}/" + "p" * 60 + "/", kms_key_arn=key)

    return TeamConfig(
        name=name,
        namespace=f"n{index:02d}" + "x" * 60,
        # The longest labels of the catalog (the Spark 4 runtime's among them).
        release_labels=tuple(
            sorted((f"{family}-latest" for family in RELEASES), key=len, reverse=True)[: TEAM_LIMITS["release_labels"]]
        ),
        s3_read=tuple(location("read", n) for n in range(TEAM_LIMITS["s3_read"])),
        s3_write=tuple(location("write", n) for n in range(TEAM_LIMITS["s3_write"])),
        glue_databases=tuple(f"d{index:02d}_{n:02d}_" + "x" * 57 for n in range(TEAM_LIMITS["glue_databases"])),
        read_team_data=tuple(f"t{other:02d}" + "x" * 21 for other in range(count) if other != index)[
            : TEAM_LIMITS["read_team_data"]
        ],
        quota=QuotaConfig(cpu=100000, memory_gib=100000, pods=100000),
        alerts=AlertsConfig(
            emails=tuple(f"{'o' * 40}{n}@{'example' * 5}.com" for n in range(MAX_ALERT_EMAILS)),
            topics=tuple(f"arn:aws:sns:eu-west-1:{index:012d}:{'t' * 240}{n}" for n in range(MAX_ALERT_TOPICS)),
            long_running_minutes=10080,
        ),
    )


@pytest.fixture(scope="module")
def worst_case_stack(tmp_path_factory):
    count = teams_per_stack()
    config = replace(
        sandbox_config(), teams=tuple(worst_case_team(i, count) for i in range(count)), orchestration=NO_AIRFLOW
    )
    return synthesize(config, tmp_path_factory.mktemp("worst"))


def test_a_full_stack_of_worst_case_teams_stays_within_80_percent_of_every_limit(worst_case_stack):
    template_file = worst_case_stack.directory / "spark-teams-1.template.json"
    template = json.loads(template_file.read_text())
    assert "spark-teams-2" not in worst_case_stack.templates
    assert len(template["Resources"]) <= RESOURCE_LIMIT * HEADROOM
    assert len(template["Outputs"]) <= OUTPUT_LIMIT * HEADROOM
    assert template_file.stat().st_size <= TEMPLATE_BYTES_LIMIT * HEADROOM, template_file.stat().st_size


def test_the_pod_identity_associations_of_a_full_stack_fit_their_own_stack(worst_case_stack):
    """Three associations per team would push a teams stack past 80% of its 500 resources with 21
    worst-case teams; they live in <prefix>-teams-<n>-identities (with each team's agent network
    policy), which holds them within 80% of every limit, and the teams stack keeps exactly the
    resources it had."""
    identities_file = worst_case_stack.directory / "spark-teams-1-identities.template.json"
    identities = json.loads(identities_file.read_text())
    types = [resource["Type"] for resource in identities["Resources"].values()]
    # Per team: its three associations and the network policy to the Pod Identity agent.
    assert sorted(types) == sorted(
        ["AWS::EKS::PodIdentityAssociation"] * 3 * teams_per_stack()
        + ["Custom::AWSCDK-EKS-KubernetesResource"] * teams_per_stack()
    )
    assert len(types) <= RESOURCE_LIMIT * HEADROOM
    assert identities_file.stat().st_size <= TEMPLATE_BYTES_LIMIT * HEADROOM
    teams = json.loads((worst_case_stack.directory / "spark-teams-1.template.json").read_text())["Resources"]
    assert "AWS::EKS::PodIdentityAssociation" not in {resource["Type"] for resource in teams.values()}
    assert len(teams) <= TEAM_MAX_RESOURCES * teams_per_stack()


def test_the_alerts_and_dashboards_of_a_full_stack_of_worst_case_teams_stay_within_80_percent(worst_case_stack):
    """Each teams stack has an observability stack beside it (the teams stack is full): its
    teams' topics, subscriptions, rules and dashboards must fit as well."""
    template_file = worst_case_stack.directory / "spark-observability-1.template.json"
    template = json.loads(template_file.read_text())
    assert "spark-observability-2" not in worst_case_stack.templates
    assert len(template["Resources"]) <= RESOURCE_LIMIT * HEADROOM
    assert len(template.get("Outputs", {})) <= OUTPUT_LIMIT * HEADROOM
    assert template_file.stat().st_size <= TEMPLATE_BYTES_LIMIT * HEADROOM, template_file.stat().st_size


def test_worst_case_policies_fit_iam_and_the_assumed_policy_count(worst_case_stack):
    template = worst_case_stack.templates["spark-teams-1"]
    policies = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    assert len(policies) <= MAX_POLICIES_PER_TEAM * teams_per_stack()
    for policy in policies:
        document = json.dumps(deployed(policy["Properties"]["PolicyDocument"]), separators=(",", ":"))
        assert len(document) <= MANAGED_POLICY_MAX_CHARS


def test_automatic_teams_per_stack_is_the_validated_maximum():
    assert teams_per_stack() == MAX_TEAMS_PER_STACK


def _teams(count: int, per_stack: int | None = None) -> tuple[TeamConfig, ...]:
    """``count`` teams, pinned ``per_stack`` to a stack in order (unpinned when None)."""
    return tuple(
        TeamConfig(
            name=f"team-{i:03d}",
            namespace=f"spark-team-{i:03d}",
            glue_databases=(f"team_{i:03d}",),
            stack=None if per_stack is None else 1 + i // per_stack,
        )
        for i in range(count)
    )


def test_placement_follows_each_teams_stack_and_orders_a_stack_by_name():
    teams = _teams(60, teams_per_stack())
    groups = place_teams(tuple(reversed(teams)))
    size = teams_per_stack()
    assert [(number, len(group)) for number, group in groups] == [(1, size), (2, size), (3, 60 - 2 * size)]
    assert [team for _, group in groups for team in group] == list(teams)


def test_teams_that_outgrow_one_stack_must_name_their_stacks_and_are_told_which():
    with pytest.raises(
        ConfigError, match=r"^teams\[0\]\.stack: once teams span stacks .* add teams\[0\] \(team-000\): stack: 1;"
    ):
        replace(sandbox_config(), teams=_teams(teams_per_stack() + 1), orchestration=NO_AIRFLOW)
    crowded = tuple(replace(team, stack=2) for team in _teams(teams_per_stack() + 1))
    with pytest.raises(ConfigError, match=r"^teams: 22 teams name stack 2, which holds at most 21"):
        replace(sandbox_config(), teams=crowded, orchestration=NO_AIRFLOW)


def changed_templates(before, after) -> list[str]:
    """Stacks whose template differs in bytes (or exists on one side only)."""

    def read(synth, name):
        return (synth.directory / f"{name}.template.json").read_bytes() if name in synth.templates else None

    names = sorted(set(before.templates) | set(after.templates))
    return [name for name in names if read(before, name) != read(after, name)]


@pytest.fixture(scope="module")
def three_stacks(tmp_path_factory):
    """Two and a bit stacks of pinned teams, synthesized once."""
    teams = _teams(2 * teams_per_stack() + 3, teams_per_stack())
    config = replace(sandbox_config(), teams=teams, orchestration=NO_AIRFLOW)
    return config, synthesize(config, tmp_path_factory.mktemp("three"))


def test_removing_a_team_from_the_middle_changes_only_the_stack_that_held_it(three_stacks, tmp_path):
    config, before = three_stacks
    middle = teams_per_stack() + 3  # in stack 2
    after = synthesize(replace(config, teams=config.teams[:middle] + config.teams[middle + 1 :]), tmp_path)
    # The team's stack, its observability stack and the stack of its Pod Identity associations.
    assert changed_templates(before, after) == ["spark-observability-2", "spark-teams-2", "spark-teams-2-identities"]


def test_reordering_or_adding_teams_moves_no_other_team(three_stacks, tmp_path):
    config, before = three_stacks
    reordered = synthesize(replace(config, teams=tuple(reversed(config.teams))), tmp_path / "reordered")
    assert changed_templates(before, reordered) == []
    added = TeamConfig(name="team-new", namespace="spark-team-new", stack=3)
    grown = synthesize(replace(config, teams=(added, *config.teams)), tmp_path / "grown")
    assert changed_templates(before, grown) == ["spark-observability-3", "spark-teams-3", "spark-teams-3-identities"]


def test_worst_case_team_documents_fit_a_standard_ssm_parameter(worst_case_stack):
    """Standard-tier parameters hold 4 KB ("Managing parameter tiers", Systems Manager guide);
    the DAGs read the team document at every task, so it must not need the advanced tier."""
    template = worst_case_stack.templates["spark-teams-1"]
    documents = [
        deployed(r["Properties"]["Value"]) for r in template["Resources"].values() if r["Type"] == "AWS::SSM::Parameter"
    ]
    assert len(documents) == teams_per_stack()
    assert max(len(document) for document in documents) <= 4096


def test_the_byte_budget_placement_plans_with_covers_the_measured_worst_case_team(worst_case_stack):
    """teams_per_stack() divides the template budget by these figures: they must not be stale."""
    raw = (worst_case_stack.directory / "spark-teams-1.template.json").read_text()
    template = json.loads(raw)
    compact = lambda value: len(json.dumps(value, separators=(",", ":")))  # noqa: E731
    teams = {key[:7] for key in template["Resources"] if key.startswith("Team")}  # TeamT00, TeamT01, ...
    sizes = {
        team: sum(compact(r) for k, r in template["Resources"].items() if k.startswith(team))
        + sum(compact(o) for k, o in template.get("Outputs", {}).items() if k.startswith(team))
        for team in teams
    }
    assert len(sizes) == teams_per_stack()
    # Every team, not only the first: the sizes differ by a few dozen bytes (hashed logical ids).
    assert max(sizes.values()) <= TEAM_MAX_TEMPLATE_BYTES, max(sizes.values())
    assert len(raw) - sum(sizes.values()) <= STACK_BASE_TEMPLATE_BYTES

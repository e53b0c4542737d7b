"""Whole-app checks: cdk-nag (AwsSolutions + HIPAA), cfn-lint, and the deploy-time moving parts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint_all, lint_file

from spark_platform.config import uses_pod_identity

ROOT = Path(__file__).resolve().parent.parent
NAG_PACKS = {"AwsSolutions", "HIPAA.Security"}

# cfn-lint findings CDK itself produces in code we do not own, with the reason they are safe.
CFN_LINT_IGNORED = {
    "W3005": "CDK's custom-resource provider adds a DependsOn that a GetAtt already implies.",
    "W3010": "Availability zones are configured explicitly on purpose: synth never looks them up.",
}


@pytest.mark.parametrize("fixture", ["sandbox", "variant"])
def test_nag_packs_report_no_unacknowledged_finding(fixture, request):
    report = request.getfixturevalue(fixture).validation_report
    plugins = {plugin["pluginName"]: plugin for plugin in report["pluginReports"]}
    assert set(plugins) >= NAG_PACKS, "both cdk-nag packs must run"
    for name, plugin in plugins.items():
        assert plugin["violations"] == [], f"{name}: {[v['ruleName'] for v in plugin['violations']]}"
        assert plugin["conclusion"] == "success"


def test_every_acknowledgement_carries_a_reason_and_matches_a_real_finding(sandbox):
    """A suppression that no longer matches anything hides nothing and must be removed."""
    declared = {}
    for metadata_file in sandbox.directory.glob("*.metadata.json"):
        for path, entries in json.loads(metadata_file.read_text()).items():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    for finding_id, reason in entry["data"].items():
                        if finding_id.split("::", 1)[0] in NAG_PACKS:
                            declared[(path, finding_id)] = reason
    used = {
        finding["acknowledgedId"]
        for plugin in sandbox.validation_report["pluginReports"]
        if plugin["pluginName"] in NAG_PACKS
        for finding in plugin.get("suppressedViolations", [])
    }
    assert declared, "no acknowledgement found: the scan is broken"
    assert all(len(reason) > 30 for reason in declared.values())
    stale = sorted(f"{path}: {finding_id}" for path, finding_id in declared if finding_id not in used)
    assert stale == []


@pytest.mark.parametrize("fixture", ["sandbox", "variant"])
def test_cfn_lint_finds_no_errors_or_warnings_in_any_template(fixture, request):
    synth = request.getfixturevalue(fixture)
    region = synth.config.environment.region
    for template_file in sorted(synth.directory.glob("*.template.json")):
        matches = lint_file(template_file, config=ManualArgs(regions=[region]))
        findings = [m for m in matches if m.rule.id not in CFN_LINT_IGNORED and m.rule.id[0] in "EW"]
        assert findings == [], f"{template_file.name}: " + "; ".join(f"{m.rule.id} {m.message}" for m in findings)


def test_deploy_time_moving_parts_stay_minimal(sandbox):
    """Each Lambda is something that can fail at deploy time. Allowed: CDK's default-SG fixer and
    the one kubectl/Helm provider (handler + provider framework) shared by every chart and manifest."""
    functions = sorted(sandbox.resources("AWS::Lambda::Function"))
    assert len(functions) == 4
    allowed = ("KubectlProvider", "RestrictDefaultSG", "CDKBucketDeployment")
    assert [f for f in functions if not any(name in f for name in allowed)] == []
    custom = sorted(
        r["Type"]
        for t in sandbox.templates.values()
        for r in t["Resources"].values()
        if r["Type"].startswith("Custom::")
    )
    teams = len(sandbox.config.teams)
    pod_identity = sum(uses_pod_identity(team) for team in sandbox.config.teams)
    # Karpenter: 2 charts, the node class and 2 pools; one namespace manifest per team and the
    # Pod Identity agent's policy per Pod Identity team (same provider); the DAGs, the MWAA
    # requirements file and the teams' job scripts (one handler for all three).
    assert custom == sorted(
        ["Custom::AWSCDK-EKS-HelmChart"] * 2
        + ["Custom::AWSCDK-EKS-KubernetesResource"] * (3 + teams + pod_identity)
        + ["Custom::VpcRestrictDefaultSG"]
        + ["Custom::CDKBucketDeployment"] * 3
    )


def test_cfn_lint_api_is_the_one_used(sandbox):
    # Guard against silently linting nothing: a broken template must produce an error.
    matches = lint_all('{"Resources": {"Bad": {"Type": "AWS::EC2::Subnet", "Properties": {"CidrBlok": "x"}}}}')
    assert any(m.rule.id.startswith("E") for m in matches)


def test_no_function_reserves_concurrency_so_a_new_account_can_deploy(sandbox):
    """Lambda keeps at least 100 of an account's concurrency unreserved, and new accounts get a
    reduced quota (Lambda quotas; "Configuring reserved concurrency for a function"): reserving
    even 5 + 5 + 2 executions rolls the cluster stack back there."""
    reserved = {
        logical_id: resource["Properties"]["ReservedConcurrentExecutions"]
        for logical_id, resource in sandbox.resources("AWS::Lambda::Function").items()
        if "ReservedConcurrentExecutions" in resource["Properties"]
    }
    assert reserved == {}

"""Whole-app checks: cdk-nag (AwsSolutions + HIPAA), cfn-lint, and the deploy-time moving parts."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint_all, lint_file

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
    acknowledged = [
        finding
        for plugin in sandbox.validation_report["pluginReports"]
        if plugin["pluginName"] in NAG_PACKS
        for finding in plugin.get("suppressedViolations", [])
    ]
    used_ids = {finding["acknowledgedId"].split("::", 1)[-1] for finding in acknowledged}
    assert all(len(finding["reason"]) > 30 for finding in acknowledged)

    declared, formatted = set(), 0
    for source in (ROOT / "spark_platform").rglob("*.py"):
        tree = ast.parse(source.read_text())
        in_fstrings = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr) and re.match(
                r"^(AwsSolutions|HIPAA\.Security)::", ast.unparse(node)[2:]
            ):
                formatted += 1
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in in_fstrings:
                match = re.match(r"^(?:AwsSolutions|HIPAA\.Security)::(.+)$", node.value)
                if match:
                    declared.add(match.group(1))
    assert declared, "no acknowledgement found in the sources: the scan is broken"
    assert declared <= used_ids, f"stale acknowledgements: {declared - used_ids}"
    # Acknowledgements built from logical ids must resolve to real findings as well.
    assert len(used_ids) == len(declared) + formatted


@pytest.mark.parametrize("fixture", ["sandbox", "variant"])
def test_cfn_lint_finds_no_errors_or_warnings_in_any_template(fixture, request):
    synth = request.getfixturevalue(fixture)
    region = synth.config.environment.region
    for template_file in sorted(synth.directory.glob("*.template.json")):
        matches = lint_file(template_file, config=ManualArgs(regions=[region]))
        findings = [m for m in matches if m.rule.id not in CFN_LINT_IGNORED and m.rule.id[0] in "EW"]
        assert findings == [], f"{template_file.name}: " + "; ".join(f"{m.rule.id} {m.message}" for m in findings)


def test_deploy_time_moving_parts_stay_minimal(sandbox):
    """Each Lambda is something that can fail at deploy time; only CDK's default-SG fixer is allowed."""
    functions = sandbox.resources("AWS::Lambda::Function")
    custom = {
        lid: r
        for t in sandbox.templates.values()
        for lid, r in t["Resources"].items()
        if r["Type"].startswith("Custom::")
    }
    assert len(functions) == 1
    assert [r["Type"] for r in custom.values()] == ["Custom::VpcRestrictDefaultSG"]


def test_cfn_lint_api_is_the_one_used(sandbox):
    # Guard against silently linting nothing: a broken template must produce an error.
    matches = lint_all('{"Resources": {"Bad": {"Type": "AWS::EC2::Subnet", "Properties": {"CidrBlok": "x"}}}}')
    assert any(m.rule.id.startswith("E") for m in matches)

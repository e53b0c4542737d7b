"""checkov, an independent scanner, over everything the platform deploys or builds.

Three frameworks: every synthesized CloudFormation template of the sandbox, every Kubernetes
object the templates apply (the kubectl custom resources' manifests, extracted to YAML) plus
the rendered pod templates, and the job images' Dockerfiles. A failed check either gets fixed
or is acknowledged in tests/checkov_acknowledged.yaml with a reason specific to that resource;
an acknowledgement that matches no finding any more fails too, so the file never goes stale.

checkov runs from its own environment (.venv-checkov, `make test` builds it) so its pins never
meet the CDK's, offline (--skip-download, BC_SKIP_MAPPING).
"""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from spark_platform.jobs.team_objects import driver_template, executor_template

from .conftest import ROOT, render

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
ACKNOWLEDGED = ROOT / "tests" / "checkov_acknowledged.yaml"
FRAMEWORKS = ("cloudformation", "kubernetes", "dockerfile")


def kubernetes_files(sandbox, directory: Path) -> None:
    """One YAML file per kubectl custom resource (as deployed) and per rendered pod template."""
    for stack, template in sandbox.templates.items():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] == "Custom::AWSCDK-EKS-KubernetesResource":
                objects = json.loads(render(resource["Properties"]["Manifest"]))
                (directory / f"{stack}--{logical_id}.yaml").write_text(yaml.safe_dump_all(objects))
    for team in sandbox.config.teams:
        for kind, template in (("driver", driver_template(team)), ("executor", executor_template(team))):
            (directory / f"pod-template--{team.name}-{kind}.yaml").write_text(yaml.safe_dump(template))


@pytest.fixture(scope="module")
def findings(sandbox, tmp_path_factory) -> dict[str, dict]:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run `make test` (it builds .venv-checkov)")
    root = tmp_path_factory.mktemp("checkov")
    directories = {name: root / name for name in FRAMEWORKS}
    for directory in directories.values():
        directory.mkdir()
    for stack, template in sandbox.templates.items():
        (directories["cloudformation"] / f"{stack}.template.json").write_text(json.dumps(template, indent=1))
    kubernetes_files(sandbox, directories["kubernetes"])
    reports = {}
    for framework, directory in directories.items():
        source = ROOT / "images" if framework == "dockerfile" else directory
        result = subprocess.run(
            [
                str(CHECKOV),
                "-d",
                str(source),
                "--framework",
                framework,
                "-o",
                "json",
                "--quiet",
                "--compact",
                "--skip-download",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
        )
        report = json.loads(result.stdout)
        assert report["check_type"] == framework, result.stderr[-2000:]
        assert report["summary"]["parsing_errors"] == 0, report["results"].get("parsing_errors")
        reports[framework] = report
    return reports


def failures(findings) -> list[tuple[str, str, str]]:
    """(framework, check id, "file::resource") of every failed check."""
    return [
        (framework, check["check_id"], f"{Path(check['file_path']).name}::{check['resource']}")
        for framework, report in findings.items()
        for check in report["results"]["failed_checks"]
    ]


def acknowledgements() -> list[dict]:
    entries = yaml.safe_load(ACKNOWLEDGED.read_text())
    for entry in entries:
        assert set(entry) == {"framework", "check", "resource", "reason"}, entry
        assert entry["framework"] in FRAMEWORKS, entry
        assert len(entry["reason"]) >= 40, f"say why, specifically: {entry}"
    return entries


def matches(entry: dict, failure: tuple[str, str, str]) -> bool:
    framework, check, where = failure
    return entry["framework"] == framework and entry["check"] == check and fnmatch.fnmatchcase(where, entry["resource"])


def test_checkov_finds_nothing_that_is_not_acknowledged_with_a_reason(findings):
    entries = acknowledgements()
    new = [failure for failure in failures(findings) if not any(matches(entry, failure) for entry in entries)]
    assert not new, "fix these, or acknowledge each in tests/checkov_acknowledged.yaml with its reason:\n" + "\n".join(
        "  ".join(failure) for failure in new
    )


def test_every_acknowledgement_still_matches_a_finding(findings):
    found = failures(findings)
    stale = [entry for entry in acknowledgements() if not any(matches(entry, failure) for failure in found)]
    assert not stale, "these no longer match a finding; remove them:\n" + "\n".join(map(str, stale))


def test_checkov_scanned_every_framework_and_reports_its_counts(findings):
    acknowledged = Counter(framework for framework, _, _ in failures(findings))
    lines = []
    for framework, report in findings.items():
        summary = report["summary"]
        assert summary["resource_count"] > 0 and summary["passed"] > 0, framework
        lines.append(
            f"{framework:15} {summary['resource_count']:4} resources  {summary['passed']:4} passed  "
            f"{summary['failed']:3} failed, all {acknowledged[framework]} acknowledged"
        )
    print("\ncheckov " + findings["cloudformation"]["summary"]["checkov_version"] + ":\n" + "\n".join(lines))

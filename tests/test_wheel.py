"""The wheel: built from pyproject.toml, installed into a fresh virtual environment outside the
repository, and used by examples/python-app/app.py (Python only, no YAML, no cdk.json).

Slow (about a minute: the venv installs aws-cdk-lib and Node.js from pip's cache or PyPI).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.wheel

PACKAGE_DATA = {
    "spark_platform/feature_flags.json",
    "spark_platform/kubernetes/karpenter/ec2nodeclass-spark.yaml",
    "spark_platform/kubernetes/karpenter/nodepool-spark-driver.yaml",
    "spark_platform/kubernetes/karpenter/nodepool-spark-executor.yaml",
    "spark_platform/kubernetes/manifests/team/namespace.yaml",
    "spark_platform/kubernetes/manifests/team/network-policies.yaml",
    "spark_platform/kubernetes/pod_templates/driver.yaml",
    "spark_platform/kubernetes/pod_templates/executor.yaml",
    "spark_platform/jobs/instance_families.yaml",
    "spark_platform/jobs/prices/emr-on-ec2-us-east-1.yaml",
    "spark_platform/migrate/__main__.py",
    "spark_platform/dags/spark_platform_dags/model.py",
    "spark_platform/dags/pipelines/analytics.yaml",
}


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Build isolation fetches only the pinned setuptools of [build-system] (from pip's cache or PyPI).
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)])
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv outside the repository with the wheel and its pinned dependencies."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, with_pip=True)
    python = home / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel),
          "-c", str(ROOT / "constraints.txt")])  # fmt: skip
    return python


@pytest.fixture(scope="module")
def example_templates(installed, tmp_path_factory) -> dict[str, dict]:
    workdir = tmp_path_factory.mktemp("example")
    app = workdir / "app.py"
    app.write_text((ROOT / "examples" / "python-app" / "app.py").read_text())
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "JSII_NODE")}
    environment["CDK_OUTDIR"] = str(workdir / "cdk.out")
    _run([str(installed), str(app)], cwd=workdir, env=environment)
    return {path.name.removesuffix(".template.json"): json.loads(path.read_text())
            for path in (workdir / "cdk.out").glob("*.template.json")}  # fmt: skip


def test_wheel_carries_the_kubernetes_yaml_and_dag_package_but_not_the_dockerfiles(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert names >= PACKAGE_DATA
    assert not any("Dockerfile" in name or name.startswith("images/") for name in names)
    assert not any(name.startswith(("tests/", "examples/")) for name in names)


def test_installed_library_loads_its_yaml_from_site_packages_not_the_repository(installed, tmp_path):
    probe = (
        "import spark_platform.manifests as m, spark_platform.orchestration.dag_settings as d;"
        "from importlib import resources;"
        "print(resources.files(m.MANIFESTS_PACKAGE)); print(d.DAGS_DIR)"
    )
    result = _run([str(installed), "-c", probe], cwd=tmp_path, env={"PATH": os.environ["PATH"]})
    for line in result.stdout.splitlines():
        assert "site-packages" in line and str(ROOT) not in line


def test_example_app_from_the_wheel_synthesizes_teams_namespaces_and_nodepools(example_templates):
    assert set(example_templates) == {
        "lakehouse-network",
        "lakehouse-cluster",
        "lakehouse-karpenter",
        "lakehouse-tenancy",
        "lakehouse-teams-1",
        "lakehouse-teams-1-identities",
        "lakehouse-observability",
        "lakehouse-observability-1",
        "lakehouse-consumer",
    }
    teams = example_templates["lakehouse-teams-1"]["Resources"].values()
    clusters = {r["Properties"]["Name"] for r in teams if r["Type"] == "AWS::EMRContainers::VirtualCluster"}
    assert clusters == {"lakehouse-marketing", "lakehouse-finance"}
    manifests = json.dumps([r["Properties"].get("Manifest") for r in teams])
    assert '\\"kind\\":\\"Namespace\\"' in manifests and "spark-marketing" in manifests and "spark-finance" in manifests
    karpenter = json.dumps(example_templates["lakehouse-karpenter"])
    assert '\\"kind\\":\\"NodePool\\"' in karpenter and "spark-executor" in karpenter and "spark-driver" in karpenter
    consumer = json.dumps(example_templates["lakehouse-consumer"])
    assert "emr-containers:StartJobRun" in consumer and "emr-containers:ExecutionRoleArn" in consumer

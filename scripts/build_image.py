"""Build a job type's image for one EMR release on linux/arm64 and push it to its ECR repository.

    python scripts/build_image.py --job-type hudi-ingestion --release emr-7.12.0-latest \
        [--config my-platform.yaml] [--account 123456789012] [--dry-run]
    python scripts/build_image.py --all [--config ...] [--account ...] [--dry-run]   # make images

``--all`` builds every job type for every release ``images`` lists: what a new platform needs
before its first job, since a job's pods cannot start until their image is in ECR.

The image goes to ``<account>.dkr.ecr.<region>.amazonaws.com/<name_prefix>/<job-type>`` with
the tag the CDK app publishes in the image catalog (``image_tag``), so jobs pick it up without
anyone copying URIs around. Needs the AWS CLI and Docker with buildx (QEMU emulation or an
arm64 builder) unless --dry-run is given; --dry-run prints the commands instead.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spark_platform.config import ConfigError, load_config
from spark_platform.emr_releases import ReleaseLabelError
from spark_platform.images import base_image_registry, base_image_uri, image_tag, job_type
from spark_platform.images.job_types import UnknownJobTypeError
from spark_platform.images.registry import UnknownRegionError
from spark_platform.jobs.runtimes import interpreter

PLATFORM = "linux/arm64"


def plan(
    *, job_type_name: str, release_label: str, config_path: str | None, account: str | None
) -> tuple[str, list[list[str]]]:
    """The image URI and the commands that build and push it."""
    config = load_config(config_path)
    kind = job_type(job_type_name, field_path="--job-type")
    image = config.image(kind.name)
    if release_label not in image.release_labels:
        raise ConfigError(
            f"--release: {release_label!r} is not configured for {kind.name} "
            f"(configured: {', '.join(image.release_labels)}); add it to that job type's release_labels"
        )
    region = config.environment.region
    account = account or config.environment.account
    if account is None:
        raise ConfigError("--account: the configuration names no account; pass --account or set environment.account")
    registry = f"{account}.dkr.ecr.{region}.amazonaws.com"
    repository = f"{config.name_prefix}/{kind.name}"
    uri = f"{registry}/{repository}:{image_tag(kind.name, release_label)}"
    base = base_image_uri(region, release_label)
    python = interpreter(release_label)  # /usr/bin/python3.11: the Dockerfile checks its version
    login = "aws ecr get-login-password --region {region} | docker login --username AWS --password-stdin {registry}"
    commands = [
        ["sh", "-c", login.format(region=region, registry=base_image_registry(region))],
        ["sh", "-c", login.format(region=region, registry=registry)],
        [
            "docker", "buildx", "build",
            "--platform", PLATFORM,
            "--build-arg", f"EMR_BASE_IMAGE={base}",
            "--build-arg", f"PYSPARK_PYTHON={python}",
            "--build-arg", f"PYTHON_VERSION={python.removeprefix('/usr/bin/python')}",
            "--tag", uri,
            "--provenance=false",
            "--push",
            str(kind.build_context),
        ],
    ]  # fmt: skip
    return uri, commands


def already_pushed(uri: str, region: str) -> bool:
    repository, tag = uri.split("/", 1)[1].rsplit(":", 1)
    result = subprocess.run(
        [
            "aws",
            "ecr",
            "describe-images",
            "--region",
            region,
            "--repository-name",
            repository,
            "--image-ids",
            f"imageTag={tag}",
        ],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job-type")
    parser.add_argument("--release", help="EMR on EKS release label, e.g. emr-7.12.0-latest")
    parser.add_argument("--all", action="store_true", help="every job type and release the configuration lists")
    parser.add_argument("--config", help="platform YAML (default: the built-in sandbox)")
    parser.add_argument("--account", help="account that owns the repositories (default: environment.account)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands instead of running them")
    args = parser.parse_args(argv)
    if args.all == bool(args.job_type or args.release) or (not args.all and not (args.job_type and args.release)):
        print("error: give --job-type and --release, or --all", file=sys.stderr)
        return 2
    try:
        if args.all:
            wanted = [
                (image.job_type, label) for image in load_config(args.config).images for label in image.release_labels
            ]
        else:
            wanted = [(args.job_type, args.release)]
        plans = [
            plan(job_type_name=kind, release_label=label, config_path=args.config, account=args.account)
            for kind, label in wanted
        ]
    except (ConfigError, ReleaseLabelError, UnknownJobTypeError, UnknownRegionError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for uri, commands in plans:
        if args.dry_run:
            for command in commands:
                print(shlex.join(command))
            print(uri)
            continue
        region = uri.split(".")[3]
        if already_pushed(uri, region):
            print(f"{uri} already exists (tags are immutable); nothing to do")
            continue
        for command in commands:
            subprocess.run(command, check=True)
        print(uri)
    return 0


if __name__ == "__main__":
    sys.exit(main())

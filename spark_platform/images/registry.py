"""Where the EMR on EKS Spark base images live: one AWS-owned ECR registry per Region."""

from __future__ import annotations

from spark_platform.emr_releases import parse_release_label

# From the EMR on EKS developer guide ("Details for selecting a base image URI"), commercial
# partition. Pulling from the registry of the Region you run in keeps pulls fast and free.
EMR_BASE_IMAGE_ACCOUNTS: dict[str, str] = {
    "af-south-1": "358491847878",
    "ap-east-1": "736135916053",
    "ap-northeast-1": "059004520145",
    "ap-northeast-2": "996579266876",
    "ap-northeast-3": "705689932349",
    "ap-south-1": "235914868574",
    "ap-south-2": "691480105545",
    "ap-southeast-1": "671219180197",
    "ap-southeast-2": "038297999601",
    "ap-southeast-3": "946962994502",
    "ca-central-1": "351826393999",
    "eu-central-1": "107292555468",
    "eu-central-2": "314408114945",
    "eu-north-1": "830386416364",
    "eu-south-1": "238014973495",
    "eu-south-2": "350796622945",
    "eu-west-1": "483788554619",
    "eu-west-2": "118780647275",
    "eu-west-3": "307523725174",
    "il-central-1": "395734710648",
    "me-central-1": "818935616732",
    "me-south-1": "008085056818",
    "sa-east-1": "052806832358",
    "us-east-1": "755674844232",
    "us-east-2": "711395599931",
    "us-west-1": "608033475327",
    "us-west-2": "895885662937",
}


class UnknownRegionError(ValueError):
    pass


def base_image_registry(region: str) -> str:
    account = EMR_BASE_IMAGE_ACCOUNTS.get(region)
    if account is None:
        raise UnknownRegionError(
            f"region: EMR on EKS publishes no base image registry for {region!r}; "
            f"use one of {', '.join(sorted(EMR_BASE_IMAGE_ACCOUNTS))}"
        )
    return f"{account}.dkr.ecr.{region}.amazonaws.com"


# The dated build each "-latest" label pointed to when it was last checked (2026-11-22), from the
# EMR on EKS Development Guide's release pages ("emr-7.12.0-latest currently points to
# emr-7.12.0-20251111", and so on). Images are built FROM the dated tag, never from ":latest":
# a rebuild then gives the same image, and moving a release to a newer build is a reviewed change
# here that also changes the image's content-hash tag. A dated label (emr-7.12.0-20251111) pins itself.
PINNED_BASE_BUILDS: dict[str, str] = {
    "7.12.0": "20251111",
    "7.11.0": "20251020",
    "7.10.0": "20250801",
    "7.9.0": "20250425",
    "7.8.0": "20250228",
    "7.7.0": "20250131",
    "7.6.0": "20241213",
    "7.3.0": "20240920",
    "7.2.0": "20240610",
    "7.1.0": "20240321",
    "6.15.0": "20240105",
}


class UnpinnedReleaseError(ValueError):
    pass


def pinned_base_image_tag(release_label: str, *, field_path: str = "release_label") -> str:
    """The dated base image tag a job type's image builds from, e.g. ``emr-7.12.0:20251111``."""
    release = parse_release_label(release_label, field_path=field_path)
    build = release.build if release.build != "latest" else PINNED_BASE_BUILDS.get(release.version)
    if build is None:
        raise UnpinnedReleaseError(
            f"{field_path}: {release_label!r} has no pinned base image build; use a dated label "
            f"(emr-{release.version}-<YYYYMMDD> from the EMR on EKS release notes) or add emr-{release.version} "
            "to PINNED_BASE_BUILDS in spark_platform/images/registry.py"
        )
    return f"emr-{release.version}:{build}"


def base_image_uri(region: str, release_label: str) -> str:
    """The EMR on EKS Spark base image of ``release_label`` in ``region``, by its dated tag."""
    return f"{base_image_registry(region)}/spark/{pinned_base_image_tag(release_label)}"

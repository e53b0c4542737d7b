"""Where the EMR on EKS Spark base images live: one AWS-owned ECR registry per Region."""

from __future__ import annotations

from spark_platform.emr_releases import parse_release_label, runtime

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


def pinned_base_image_tag(release_label: str, *, field_path: str = "release_label") -> str:
    """The dated base image tag a job type's image builds from, e.g. ``emr-7.12.0:20251111`` or
    ``emr-spark-8.0.0:20260421``: a dated label pins itself, a ``-latest`` label the build its
    catalog row records (spark_platform/emr_release_catalog.py). Images are never built from a
    mutable ``:latest``: a rebuild gives the same image, and moving to a newer build is a reviewed
    one-line change of the catalog that also changes the image's content-hash tag."""
    release = parse_release_label(release_label, field_path=field_path)
    row = runtime(release_label, field_path=field_path)
    build = release.build if release.build != "latest" else row.build
    return f"{release.family}:{build}"


def base_image_uri(region: str, release_label: str) -> str:
    """The EMR on EKS Spark base image of ``release_label`` in ``region``, by its dated tag."""
    return f"{base_image_registry(region)}/spark/{pinned_base_image_tag(release_label)}"

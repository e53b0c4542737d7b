"""EMR on EKS release labels: the two label shapes, the catalog row of each, and its support window.

``emr-7.12.0-latest`` / ``emr-7.12.0-20251111`` (EMR line) and ``emr-spark-8.0.0-latest`` /
``emr-spark-8.0.0-20260421`` (AWS runtime for Apache Spark) both name a release family and a
build. A label whose family is not in ``spark_platform.emr_release_catalog`` is refused: the
platform sizes pods, picks the base image and checks jobs from that row, and would otherwise guess.

Support windows are checked against today's date (``SPARK_PLATFORM_TODAY=YYYY-MM-DD`` pins it,
which the test suite does so that it does not change verdict with the calendar): a release past
its standard support is refused with the date and the release to move to; one within
``WARN_DAYS`` of it is a synth warning.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass

from spark_platform.emr_release_catalog import NOT_ON_EKS, RELEASES, RETIRED, RuntimeRelease

_RELEASE_LABEL = re.compile(
    r"^(?P<family>emr-(?P<spark_line>spark-)?(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+))-(?P<build>latest|\d{8})$"
)
# EMR on EKS accepts EKS Pod Identity for job execution roles from this release on, for StartJobRun
# (EMR on EKS Development Guide, "Option 1: Enable EKS Pod Identity on the EKS Cluster").
POD_IDENTITY_SINCE = (7, 3, 0)
# A release this close to the end of its standard support warns at synth: a quarter to move jobs.
WARN_DAYS = 90
TODAY_VARIABLE = "SPARK_PLATFORM_TODAY"


class ReleaseLabelError(ValueError):
    pass


@dataclass(frozen=True)
class EmrRelease:
    label: str
    family: str  # emr-7.12.0, emr-spark-8.0.0
    version: tuple[int, int, int]
    build: str  # latest or YYYYMMDD
    spark_line: bool  # the AWS runtime for Apache Spark (emr-spark-*)

    @property
    def image_tag(self) -> str:
        """Tag of the EMR on EKS base image: emr-7.12.0:latest or emr-spark-8.0.0:20260421."""
        return f"{self.family}:{self.build}"

    @property
    def tag_prefix(self) -> str:
        """How the platform's own image tags start: 7.12.0-latest, spark-8.0.0-latest."""
        return f"{self.family.removeprefix('emr-')}-{self.build}"

    def at_least(self, since: tuple[int, ...]) -> bool:
        """Whether an EMR on EKS feature of the EMR line from ``since`` on is here: the AWS runtime
        for Apache Spark (emr-spark-*) succeeds the EMR 7 line, so it has them all."""
        return self.spark_line or self.version >= tuple(since)

    @property
    def supports_pod_identity(self) -> bool:
        return self.at_least(POD_IDENTITY_SINCE)


def parse_release_label(label: str, *, field_path: str = "release_label") -> EmrRelease:
    """The shape of ``label`` (either line), without consulting the catalog: which releases are
    accepted is the catalog's alone (``runtime``)."""
    match = _RELEASE_LABEL.match(label) if isinstance(label, str) else None
    if not match:
        raise ReleaseLabelError(
            f"{field_path}: {label!r} is not an EMR on EKS release label; use emr-<x.y.z>-latest, "
            "emr-spark-<x.y.z>-latest or a dated build (-<YYYYMMDD>), e.g. emr-7.12.0-latest"
        )
    version = (int(match["major"]), int(match["minor"]), int(match["patch"]))
    return EmrRelease(
        label=label, family=match["family"], version=version, build=match["build"], spark_line=bool(match["spark_line"])
    )


def runtime(label: str, *, field_path: str = "release_label") -> RuntimeRelease:
    """The catalog row of ``label``; refuses a release the catalog does not hold, with why."""
    release = parse_release_label(label, field_path=field_path)
    if release.family in RELEASES:
        return RELEASES[release.family]
    if release.family in RETIRED:
        ended, page = RETIRED[release.family]
        raise ReleaseLabelError(
            f"{field_path}: {label} is past its end of support (standard support ended {ended.isoformat()}, {page}); "
            f"move to {replacement(release.family)}"
        )
    if release.family in NOT_ON_EKS:
        raise ReleaseLabelError(
            f"{field_path}: {label} is not available on EMR on EKS ({NOT_ON_EKS[release.family]}); "
            f"use one of {', '.join(known_labels())}"
        )
    raise ReleaseLabelError(
        f"{field_path}: {release.family} is not in the release catalog (spark_platform/emr_release_catalog.py); "
        f"use one of {', '.join(known_labels())}, or add its row from its EMR on EKS release page"
    )


def known_labels() -> list[str]:
    return [f"{family}-latest" for family in RELEASES]


def replacement(family: str) -> str:
    """The release to move to: the newest of the same line (of the other line when it has no other)."""
    spark_line = family.startswith("emr-spark-")
    same_line = [r for r in RELEASES.values() if r.family.startswith("emr-spark-") == spark_line and r.family != family]
    candidates = same_line or [r for r in RELEASES.values() if r.family != family]
    newest = max(candidates, key=lambda r: parse_release_label(f"{r.family}-latest").version)
    return f"{newest.family}-latest"


def today() -> datetime.date:
    pinned = os.environ.get(TODAY_VARIABLE)
    if pinned:
        try:
            return datetime.date.fromisoformat(pinned)
        except ValueError:
            raise ReleaseLabelError(f"{TODAY_VARIABLE}: {pinned!r} is not a date such as 2026-11-29") from None
    return datetime.date.today()


def support_status(label: str, *, on: datetime.date | None = None, field_path: str = "release_label") -> str | None:
    """A warning when ``label`` is within WARN_DAYS of the end of its standard support, else None;
    raises when it is past it."""
    row = runtime(label, field_path=field_path)
    if row.supported_until is None:
        return None
    day = on or today()
    if day > row.supported_until:
        raise ReleaseLabelError(
            f"{field_path}: {label} is past its end of support (standard support ended "
            f"{row.supported_until.isoformat()}, {row.source.split('; ')[-1]}); move to {replacement(row.family)}"
        )
    if (row.supported_until - day).days <= WARN_DAYS:
        return (
            f"{field_path}: {label} leaves standard support on {row.supported_until.isoformat()} "
            f"({(row.supported_until - day).days} days); move its jobs to {replacement(row.family)}"
        )
    return None


def warn_near_end_of_support(scope, labels, field_path: str) -> list[str]:
    """Add a synth warning (``cdk synth`` prints it) to ``scope`` for each of ``labels`` within
    WARN_DAYS of the end of its standard support; returns the warnings."""
    from aws_cdk import Annotations  # here: the rest of this module is used without the CDK

    warnings = []
    for index, label in enumerate(labels):
        warning = support_status(label, field_path=f"{field_path}[{index}]")
        if warning:
            Annotations.of(scope).add_warning_v2("spark-platform:emr-release-end-of-support", warning)
            warnings.append(warning)
    return warnings

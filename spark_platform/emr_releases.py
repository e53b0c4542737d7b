"""EMR on EKS release labels: parsing, validation and the container image tag of each."""

from __future__ import annotations

import re
from dataclasses import dataclass

# emr-7.12.0-latest, or a dated build such as emr-7.12.0-20261015.
_RELEASE_LABEL = re.compile(r"^emr-(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)-(?P<build>latest|\d{8})$")
# Graviton (arm64) images, Spark 3.3+ and the job-retry/monitoring features used here.
OLDEST_SUPPORTED = (6, 10, 0)


class ReleaseLabelError(ValueError):
    pass


@dataclass(frozen=True)
class EmrRelease:
    label: str
    version: str  # 7.12.0
    build: str  # latest or YYYYMMDD

    @property
    def image_tag(self) -> str:
        """Tag of the EMR on EKS base image: emr-7.12.0:latest or emr-7.12.0:20261015."""
        return f"emr-{self.version}:{self.build}"


def parse_release_label(label: str, *, field_path: str = "release_label") -> EmrRelease:
    match = _RELEASE_LABEL.match(label) if isinstance(label, str) else None
    if not match:
        raise ReleaseLabelError(
            f"{field_path}: {label!r} is not an EMR on EKS release label; use emr-<major>.<minor>.<patch>-latest "
            "or emr-<major>.<minor>.<patch>-<YYYYMMDD>, e.g. emr-7.12.0-latest"
        )
    version = tuple(int(match[part]) for part in ("major", "minor", "patch"))
    if version < OLDEST_SUPPORTED:
        oldest = ".".join(map(str, OLDEST_SUPPORTED))
        raise ReleaseLabelError(
            f"{field_path}: {label!r} is older than emr-{oldest}, the oldest release with Graviton images here"
        )
    return EmrRelease(label=label, version=".".join(map(str, version)), build=match["build"])

"""The EMR on EKS release closest to the source cluster's, and what changes between them.

Preferred: the oldest release of the same major version that is not older than the source
(the smallest upgrade); then the oldest newer release; then the newest one the team has.
Only releases the team may use and its job type has an image for are candidates.
"""

from __future__ import annotations

import re

# emr-7.12.0 and the AWS runtime for Apache Spark's emr-spark-8.0.0: one sequence of versions.
_VERSION = re.compile(r"^emr-(?:spark-)?(\d+)\.(\d+)\.(\d+)")

# Documented differences between major versions (EMR Release Guide: "Using the default Amazon
# Linux AMI for Amazon EMR"; "Application versions in Amazon EMR 7.x releases"; EMR 7.0.0's
# Java 17 default, e.g. "Amazon EMR 7.0.0 - Oozie release notes").
MAJOR_CHANGES = {
    (5, 6): "Spark 2 -> Spark 3 (the Spark 3 migration guide applies: Scala 2.12, removed APIs); Hadoop 3",
    (6, 7): "Amazon Linux 2 -> Amazon Linux 2023 (OS packages a job calls), Java 8 -> Java 17 as the default "
    "runtime (check JVM flags and libraries), Python 3.9 (and 3.11), Spark 3.5",
    # "AWS runtime for Apache Spark (emr-spark-8.0.0)", EMR Release Guide; docs/runtimes.md.
    (7, 8): "Spark 3.5 -> Spark 4.0 (the Spark 4 migration guides apply: ANSI SQL on by default, removed settings), "
    "Scala 2.12 -> 2.13 (rebuild _2.12 jars), Python 3.11 and 3.13",
}


def version(label: str) -> tuple[int, int, int] | None:
    match = _VERSION.match(label or "")
    return tuple(int(part) for part in match.groups()) if match else None  # type: ignore[return-value]


def closest_release(source_label: str, candidates: list[str]) -> tuple[str, list[str]]:
    """The chosen release label and the notes that explain the move."""
    parsed = sorted((version(label), label) for label in candidates if version(label))
    if not parsed:
        raise ValueError("no EMR on EKS release to choose from")
    source = version(source_label)
    if source is None:
        label = parsed[-1][1]
        return label, [f"source release {source_label or 'not stated'}: the team's newest release {label} is used"]
    same_major = [item for item in parsed if item[0][0] == source[0] and item[0] >= source]
    newer = [item for item in parsed if item[0] >= source]
    target, label = (same_major or newer or parsed[-1:])[0]
    notes = [f"{source_label} -> {label}"]
    for major in range(source[0], target[0]):
        change = MAJOR_CHANGES.get((major, major + 1))
        notes.append(f"EMR {major} -> {major + 1}: {change or 'see the EMR release guide'}")
    if target < source:
        notes.append(f"{label} is older than the source's {source_label}: ask the platform team for a newer release")
    return label, notes

"""The EMR on EKS releases the platform knows: one reviewed row per release, each with its pages.

Two label shapes share the catalog (EMR on EKS Development Guide, "Amazon EMR on EKS releases"):
the EMR line ``emr-7.13.0-latest`` (image ``spark/emr-7.13.0:<build>``) and the AWS runtime for
Apache Spark ``emr-spark-8.0.0-latest`` (image ``spark/emr-spark-8.0.0:<build>``, "Container
image tag" on its EMR on EKS page). Every value below was read on ``CHECKED`` from the pages in
``SOURCES`` and the release's own ``source``; nothing is inferred from a neighbouring release.

- ``build``: the dated build ``-latest`` pointed to ("emr-7.13.0-latest currently points to ...").
  Images are built FROM that dated tag, never ``:latest`` (docs/images.md, "Images per job type").
- ``supported_until``: the last day of standard support ("<version> supported lifecycle" on the
  EMR Release Guide page). ``None`` where no lifecycle page could be found: synth then neither
  refuses nor warns, and docs/runtimes.md says so.
- ``python``: the Python versions the release lists; ``pyspark_python``: the interpreter the
  platform pins PySpark to (``spark.pyspark.python``), which each job image installs its
  libraries into and its Dockerfile checks at build time.

``NOT_ON_EKS`` lists releases the EMR Release Guide has but no EMR on EKS page lists, so a label
naming one is refused with that reason rather than as a typo.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

CHECKED = "2026-11-29"

RELEASE_GUIDE = "https://docs.aws.amazon.com/emr/latest/ReleaseGuide"
EKS_GUIDE = "https://docs.aws.amazon.com/emr/latest/EMR-on-EKS-DevelopmentGuide"
SOURCES = {
    "spark": f"{RELEASE_GUIDE}/Spark-release-history.html",
    "hudi": f"{RELEASE_GUIDE}/Hudi-release-history.html",
    "iceberg": f"{RELEASE_GUIDE}/Iceberg-release-history.html",
    "delta, python, scala": f"{RELEASE_GUIDE}/emr-release-app-versions-7.x.html",
    "java": f"{RELEASE_GUIDE}/emr-700-release.html (Java 17 the default runtime from 7.0.0); "
    f"{RELEASE_GUIDE}/emr-spark800-release.html (JDK 17 default)",
    "pyspark python 3.11 from 7.13.0": f"{EKS_GUIDE}/doc-history.html (EMR 7.13.0: Python 3.11 default for PySpark)",
    "python 3.9 before": "https://docs.aws.amazon.com/linux/al2023/ug/python.html (/usr/bin/python3 is 3.9)",
}


@dataclass(frozen=True)
class RuntimeRelease:
    """One EMR on EKS release, as the platform builds images for and sizes jobs on it."""

    family: str  # the label without its build: emr-7.13.0, emr-spark-8.0.0
    build: str  # YYYYMMDD the -latest label points to
    spark: str
    scala: str
    java: str
    python: tuple[str, ...]
    pyspark_python: str  # the X.Y PySpark runs on (spark.pyspark.python=/usr/bin/pythonX.Y)
    hudi: str
    iceberg: str
    delta: str
    supported_until: datetime.date | None
    source: str  # the page(s) of this release

    @property
    def spark_major(self) -> int:
        return int(self.spark.split(".")[0])

    @property
    def scala_binary(self) -> str:
        """2.12 or 2.13: what a library's ``_2.1x`` artifact suffix must match."""
        return ".".join(self.scala.split(".")[:2])


def _emr7(minor: int, build: str, spark: str, hudi: str, iceberg: str, delta: str, until, python="3.9", eks=""):
    return RuntimeRelease(
        family=f"emr-7.{minor}.0",
        build=build,
        spark=spark,
        scala="2.12.18",
        java="17",
        python=("3.9", "3.11"),
        pyspark_python=python,
        hudi=hudi,
        iceberg=iceberg,
        delta=delta,
        supported_until=until,
        source=f"{EKS_GUIDE}/{eks or f'emr-eks-7.{minor}.0-latest.html'}; {RELEASE_GUIDE}/emr-7{minor}0-release.html",
    )


_date = datetime.date

RELEASES: dict[str, RuntimeRelease] = {
    release.family: release
    for release in (
        # emr-spark-8.0.0: Spark 4.0.2, Scala 2.13, ANSI SQL on by default. Python: its own Release
        # Guide page lists 3.11, 3.12, 3.13; the emr-spark-8.1.0 page's comparison column lists
        # 3.11, 3.13 for it. Only the versions both pages agree on are accepted.
        RuntimeRelease(
            family="emr-spark-8.0.0",
            build="20260421",
            spark="4.0.2-amzn-0",
            scala="2.13.16",
            java="17",
            python=("3.11", "3.13"),
            pyspark_python="3.11",
            hudi="1.1.0-amzn-0",
            iceberg="1.10.1-amzn-0",
            delta="4.0.0-amzn-1-spark",
            supported_until=_date(2027, 5, 20),
            source=f"{EKS_GUIDE}/emr-eks-spark-8.0.0-latest.html; {RELEASE_GUIDE}/emr-spark800-release.html",
        ),
        # The dated page of 7.13.0's first build ("the initial release of Amazon EMR 7.13.0"); no
        # later 7.13.0 build was listed on CHECKED.
        _emr7(
            13,
            "20260410",
            "3.5.6-amzn-2",
            "1.0.2-amzn-2",
            "1.10.0-amzn-1",
            "3.3.2-amzn-2",
            _date(2028, 4, 21),
            python="3.11",
            eks="emr-eks-7.13.0-20260410.html",
        ),
        _emr7(12, "20251111", "3.5.6-amzn-1", "1.0.2-amzn-1", "1.10.0-amzn-0", "3.3.2-amzn-1", None),
        _emr7(11, "20251020", "3.5.6-amzn-0", "1.0.2-amzn-0", "1.9.1-amzn-0", "3.3.2-amzn-0", None),
        _emr7(10, "20250801", "3.5.5-amzn-1", "0.15.0-amzn-7", "1.8.1-amzn-0", "3.3.0-amzn-2", _date(2027, 8, 15)),
        _emr7(9, "20250425", "3.5.5-amzn-0", "0.15.0-amzn-6", "1.7.1-amzn-2", "3.3.0-amzn-1", _date(2027, 5, 19)),
    )
}

# Releases whose standard support has ended ("<version> supported lifecycle", EMR Release Guide):
# a label naming one is refused with the date and the release that replaces it.
RETIRED: dict[str, tuple[datetime.date, str]] = {
    "emr-7.5.0": (_date(2026, 11, 20), f"{RELEASE_GUIDE}/emr-750-release.html"),
    "emr-7.4.0": (_date(2026, 11, 12), f"{RELEASE_GUIDE}/emr-740-release.html"),
    "emr-7.3.0": (_date(2026, 10, 15), f"{RELEASE_GUIDE}/emr-730-release.html"),
}

# In the EMR Release Guide (Long Term Support, Spark 4.1.1, standard support until 2029-09-07),
# but on no EMR on EKS release page (checked on CHECKED): StartJobRun has no image for it.
NOT_ON_EKS: dict[str, str] = {
    "emr-spark-8.1.0": f"{RELEASE_GUIDE}/emr-spark810-release.html lists it; no EMR on EKS release page does",
}

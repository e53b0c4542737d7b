"""What a job needs from its EMR release, and what a release refuses.

The platform pins PySpark to the interpreter each job image installs its libraries into
(``spark.pyspark.python``, from the release's catalog row), and refuses at synth, naming the job
and the reason, what a release cannot run:

- a job type whose pinned libraries have no wheels for the Python the release's PySpark runs on;
- a jar built for another Scala binary version (``<artifact>_2.12-<version>.jar`` on a Scala 2.13
  runtime, or the reverse): Scala 2.12 and 2.13 are binary-incompatible, so such a jar fails with
  ``NoSuchMethodError`` at run time, not at submit;
- an interpreter (``spark.pyspark.python`` and friends) the release does not ship;
- a Spark SQL setting Spark 4 removed: Spark 4 refuses a removed setting given a non-default
  value ("The SQL config ... was removed in the version 4.0.0"), so the job would fail at start.

``REMOVED_IN_SPARK_4`` is Spark's own registry (``SQLConf.removedSQLConfigs`` of Spark 4.0.2,
the entries removed in 4.0.0); tests/test_runtimes_spark.py reads it from the real PySpark 4.0.2
and fails when the two differ.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from spark_platform.emr_releases import runtime
from spark_platform.images.job_types import JobType

PYSPARK_PYTHON = "spark.pyspark.python"
# Every setting that chooses PySpark's interpreter ("Configuration" and "Running on Kubernetes",
# Spark 3.5 and 4.0): the driver's, the executors' environment, and the cluster-mode driver's.
INTERPRETER_SETTINGS = (
    PYSPARK_PYTHON,
    "spark.pyspark.driver.python",
    "spark.executorEnv.PYSPARK_PYTHON",
    "spark.kubernetes.driverEnv.PYSPARK_PYTHON",
    "spark.executorEnv.PYSPARK_DRIVER_PYTHON",
    "spark.kubernetes.driverEnv.PYSPARK_DRIVER_PYTHON",
)
_INTERPRETER = re.compile(r"python(?P<version>3\.\d+)$")
# Maven's Scala convention: <artifact>_<scala binary version>-<version>.jar, or a coordinate
# group:artifact_2.12:version in spark.jars.packages.
_SCALA_SUFFIX = re.compile(r"_(?P<scala>2\.1[0-3])(?=[-:.]|$)")
JAR_SETTINGS = ("spark.jars", "spark.jars.packages")

REMOVED_IN_SPARK_4: dict[str, str] = {
    "spark.sql.hive.verifyPartitionPath": "This config was replaced by 'spark.sql.files.ignoreMissingFiles'.",
    "spark.sql.legacy.avro.datetimeRebaseModeInRead": "Use 'spark.sql.avro.datetimeRebaseModeInRead' instead.",
    "spark.sql.legacy.avro.datetimeRebaseModeInWrite": "Use 'spark.sql.avro.datetimeRebaseModeInWrite' instead.",
    "spark.sql.legacy.parquet.datetimeRebaseModeInWrite": "Use 'spark.sql.parquet.datetimeRebaseModeInWrite' instead.",
    "spark.sql.legacy.parquet.int96RebaseModeInRead": "Use 'spark.sql.parquet.int96RebaseModeInRead' instead.",
    "spark.sql.legacy.parquet.int96RebaseModeInWrite": "Use 'spark.sql.parquet.int96RebaseModeInWrite' instead.",
    "spark.sql.optimizer.runtimeFilter.semiJoinReduction.enabled": (
        "This optimizer config is useless as runtime filter cannot be an IN subquery now."
    ),
}


def interpreter(release_label: str) -> str:
    """The Python executable PySpark runs on in ``release_label``'s images."""
    return f"/usr/bin/python{runtime(release_label).pyspark_python}"


def runtime_spark_conf(release_label: str) -> dict[str, str]:
    """Spark settings every job on ``release_label`` carries (a job may choose another
    interpreter the release ships; the job image's libraries are in this one)."""
    return {PYSPARK_PYTHON: interpreter(release_label)}


def image_problem(kind: JobType, release_label: str) -> str | None:
    """Why ``kind``'s image cannot be built for ``release_label``, or None."""
    python = runtime(release_label).pyspark_python
    if kind.python_versions and python not in kind.python_versions:
        return (
            f"job type {kind.name} cannot run on {release_label}: its PySpark runs on Python {python} and the job "
            f"type's pinned requirements support {', '.join(kind.python_versions)} (images/{kind.name}/requirements.txt)"
        )
    return None


def scala_of(artifact: str) -> str | None:
    """The Scala binary version a jar or Maven coordinate was built for, if its name says."""
    name = artifact.rsplit("/", 1)[-1]
    match = _SCALA_SUFFIX.search(name)
    return match["scala"] if match else None


def job_problems(release_label: str, spark_conf: Mapping[str, str], extra_jars: Iterable[str] = ()) -> list[str]:
    """Why a job with these settings and jars cannot run on ``release_label`` (empty when it can)."""
    row = runtime(release_label)
    problems = []
    artifacts = list(extra_jars)
    for setting in JAR_SETTINGS:
        artifacts += [item for item in spark_conf.get(setting, "").split(",") if item]
    for artifact in artifacts:
        scala = scala_of(artifact)
        if scala and scala != row.scala_binary:
            problems.append(
                f"{artifact} is built for Scala {scala}; {release_label} runs Spark {row.spark} on Scala "
                f"{row.scala_binary}: use its _{row.scala_binary} build"
            )
    for setting in INTERPRETER_SETTINGS:
        value = spark_conf.get(setting)
        match = _INTERPRETER.search(value or "")
        if value and (not match or match["version"] not in row.python):
            problems.append(
                f"{setting}={value}: {release_label} ships Python {', '.join(row.python)} "
                f"(its PySpark runs on {interpreter(release_label)})"
            )
    if row.spark_major >= 4:
        for key in sorted(set(spark_conf) & set(REMOVED_IN_SPARK_4)):
            problems.append(
                f"{key} was removed in Spark 4.0.0 ({REMOVED_IN_SPARK_4[key]}); {release_label} runs Spark {row.spark}"
            )
    return problems

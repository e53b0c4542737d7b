"""The resources Spark on Kubernetes asks for, as the Spark of each EMR release computes them.

Spark sets the container's memory request and limit to ``memory + overhead`` (executors: plus
``spark.executor.pyspark.memory`` and, when enabled, the off-heap size) and its CPU
request to the cores; it sets no CPU limit unless ``spark.kubernetes.*.limit.cores`` is given.
Overhead is ``spark.{driver,executor}.memoryOverhead`` when set, else ``max(384 MiB, factor x
memory)``, the factor being 0.10 for JVM applications and 0.40 for non-JVM ones (PySpark), the
latter handed from the driver to its executors (Spark 3.5 and 4.0 ``BasicDriverFeatureStep`` and
``BasicExecutorFeatureStep``; "Running Spark on Kubernetes", spark.kubernetes.memoryOverheadFactor).
Spark 4.0 makes the 384 MiB floor a setting, ``spark.{driver,executor}.minMemoryOverhead``.
The releases the platform accepts are those of the catalog (spark_platform/emr_release_catalog.py):
the EMR 7 line (emr-7.9.0 and later) ships Spark 3.5 and the AWS runtime for Apache Spark
(emr-spark-8.0.0) Spark 4.0; EMR on EKS keeps these defaults on both (docs/runtimes.md, "Pod
sizes on Spark 3.5 and Spark 4", measured on the job-run twin).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from spark_platform.emr_releases import ReleaseLabelError, runtime

MIN_OVERHEAD_MIB = 384
JVM_OVERHEAD_FACTOR = 0.10
NON_JVM_OVERHEAD_FACTOR = 0.40
_SIZE = re.compile(r"^(?P<number>[0-9]+)(?P<unit>[kmgt]?)b?$", re.IGNORECASE)
_MIB_PER_UNIT = {"k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024, "": 1 / (1024 * 1024)}


class SparkSettingError(ValueError):
    pass


def mebibytes(size: str, *, setting: str) -> int:
    """A JVM-style size (4g, 512m, 1t) in MiB, as Spark reads memory settings."""
    match = _SIZE.match(str(size).strip())
    if not match:
        raise SparkSettingError(f"{setting}: {size!r} is not a size such as 4g or 512m")
    return math.ceil(int(match["number"]) * _MIB_PER_UNIT[match["unit"].lower()])


def is_python(entry_point: str) -> bool:
    """Spark treats .py entry points as non-JVM (PySpark) applications."""
    return entry_point.lower().endswith(".py")


@dataclass(frozen=True)
class ContainerResources:
    cpu_milli: int
    memory_mib: int  # request = limit
    cpu_limit_milli: int | None = None

    def as_kubernetes(self, ephemeral_storage: str | None = None) -> dict[str, dict[str, str]]:
        requests = {"cpu": f"{self.cpu_milli}m", "memory": f"{self.memory_mib}Mi"}
        limits = {"memory": f"{self.memory_mib}Mi"}
        if self.cpu_limit_milli is not None:
            limits["cpu"] = f"{self.cpu_limit_milli}m"
        if ephemeral_storage:
            requests["ephemeral-storage"] = ephemeral_storage
        return {"requests": requests, "limits": limits}


def _cores_milli(value: str, *, setting: str) -> int:
    text = str(value).strip()
    try:
        if text.endswith("m"):
            return int(text[:-1])
        return math.ceil(float(text) * 1000)
    except ValueError:
        raise SparkSettingError(f"{setting}: {value!r} is not a number of cores such as 2, 0.5 or 500m") from None


def spark_container(
    role: str,
    *,
    release_label: str,
    python: bool,
    cores: int,
    memory: str,
    spark_conf: Mapping[str, str],
) -> ContainerResources:
    """Requests and limits of the driver (``role="driver"``) or of one executor."""
    try:
        spark_major = runtime(release_label).spark_major
    except ReleaseLabelError as error:
        raise SparkSettingError(str(error)) from None
    if spark_major not in (3, 4):
        raise SparkSettingError(
            f"{release_label}: the memory overhead of Spark {spark_major} is not modelled; extend spark_platform/jobs/spark_resources.py"
        )
    memory_mib = mebibytes(spark_conf.get(f"spark.{role}.memory", memory), setting=f"spark.{role}.memory")
    explicit = spark_conf.get(f"spark.{role}.memoryOverhead")
    if explicit is not None:
        overhead = mebibytes(
            explicit if not str(explicit).isdigit() else f"{explicit}m", setting=f"spark.{role}.memoryOverhead"
        )
    else:
        factor = float(
            spark_conf.get(
                f"spark.{role}.memoryOverheadFactor",
                spark_conf.get(
                    "spark.kubernetes.memoryOverheadFactor", NON_JVM_OVERHEAD_FACTOR if python else JVM_OVERHEAD_FACTOR
                ),
            )
        )
        floor = MIN_OVERHEAD_MIB
        minimum = spark_conf.get(f"spark.{role}.minMemoryOverhead") if spark_major >= 4 else None
        if minimum is not None:
            floor = mebibytes(
                minimum if not str(minimum).isdigit() else f"{minimum}m", setting=f"spark.{role}.minMemoryOverhead"
            )
        overhead = max(floor, int(factor * memory_mib))
    pyspark_memory = spark_conf.get("spark.executor.pyspark.memory") if role == "executor" else None
    extra = mebibytes(pyspark_memory, setting="spark.executor.pyspark.memory") if pyspark_memory else 0
    # Executors also hold their off-heap memory in the container when it is enabled
    # (spark.memory.offHeap.size, in bytes unless a unit is given): found by the job-run twin, which
    # shows Spark 3.5.6 and 4.0.2 both adding it to the executor pod and never to the driver's.
    if role == "executor" and str(spark_conf.get("spark.memory.offHeap.enabled", "false")).lower() == "true":
        extra += mebibytes(spark_conf.get("spark.memory.offHeap.size", "0"), setting="spark.memory.offHeap.size")
    cores_setting = f"spark.kubernetes.{role}.request.cores"
    cpu = _cores_milli(
        spark_conf.get(cores_setting, spark_conf.get(f"spark.{role}.cores", cores)), setting=cores_setting
    )
    limit_setting = f"spark.kubernetes.{role}.limit.cores"
    limit = spark_conf.get(limit_setting)
    return ContainerResources(
        cpu_milli=cpu,
        memory_mib=memory_mib + overhead + extra,
        cpu_limit_milli=_cores_milli(limit, setting=limit_setting) if limit is not None else None,
    )

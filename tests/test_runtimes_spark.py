"""What real Spark of each line says about the settings the platform sends and refuses.

Spark's own registries, read from the PySpark of each runtime (3.5.6 for emr-7.x, 4.0.2 for
emr-spark-8.0.0) in a JVM: the SQL settings Spark 4 removed (``SQLConf.removedSQLConfigs``) are
exactly the ones the platform refuses on Spark 4, none of them was removed before, Spark 4 really
rejects one at session start, and no setting the platform or a job type sends is deprecated or
removed on either line.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from spark_platform.images import JOB_TYPES
from spark_platform.jobs.runtimes import REMOVED_IN_SPARK_4, runtime_spark_conf
from spark_platform.jobs.submission import PLATFORM_SPARK_CONF_KEYS

from .twin.spark import java_home, spark_home, spark_venv

pytestmark = pytest.mark.twin

PROBE = """
import json, sys
from pyspark.sql import SparkSession
keys = json.loads(sys.argv[1])
spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
jvm = spark._jvm
removed = {}
it = jvm.org.apache.spark.sql.internal.SQLConf.removedSQLConfigs().iterator()
while it.hasNext():
    entry = it.next()
    removed[entry._1()] = [entry._2().version(), entry._2().comment()]
conf = getattr(getattr(jvm.org.apache.spark, "SparkConf$"), "MODULE$")  # the companion object
# Deprecated settings, and old names that now stand for another setting (SparkConf.scala).
deprecated_configs, alternatives = conf.deprecatedConfigs(), conf.allAlternatives()
deprecated = sorted(key for key in keys if deprecated_configs.contains(key) or alternatives.contains(key))
refused = None
try:
    spark.conf.set("spark.sql.legacy.parquet.int96RebaseModeInRead", "LEGACY")
except Exception as error:  # AnalysisException on Spark 4
    refused = str(error).splitlines()[0]
print(json.dumps({"version": spark.version, "removed": removed, "deprecated": deprecated, "refused": refused}))
spark.stop()
"""

# What the platform and the job types put into every job's spark-defaults.
SENT = sorted(
    {*PLATFORM_SPARK_CONF_KEYS, *runtime_spark_conf("emr-7.12.0-latest")}
    | {key for kind in JOB_TYPES.values() for key in kind.spark_conf}
)


# An old name Spark maps to spark.executor.memoryOverhead ("configsWithAlternatives"): the probe
# must flag it, or it flags nothing.
CONTROL = "spark.yarn.executor.memoryOverhead"


def probe(release_label: str) -> dict:
    python = spark_venv(release_label) / "bin" / "python"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYSPARK")}
    env.update(SPARK_HOME=str(spark_home(release_label)), JAVA_HOME=java_home(), PYSPARK_PYTHON=str(python))
    result = subprocess.run(
        [str(python), "-c", PROBE, json.dumps([*SENT, CONTROL])], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def spark3():
    return probe("emr-7.12.0-latest")


@pytest.fixture(scope="module")
def spark4():
    return probe("emr-spark-8.0.0-latest")


def test_the_settings_refused_on_spark_4_are_the_ones_spark_4_removed(spark3, spark4):
    assert (spark3["version"], spark4["version"]) == ("3.5.6", "4.0.2")
    removed_in_4 = {key: comment for key, (version, comment) in spark4["removed"].items() if version.startswith("4.")}
    assert removed_in_4 == REMOVED_IN_SPARK_4
    assert set(REMOVED_IN_SPARK_4).isdisjoint(spark3["removed"])  # still accepted on Spark 3.5


def test_spark_4_refuses_a_removed_setting_and_spark_3_5_accepts_it(spark3, spark4):
    assert spark3["refused"] is None
    assert "spark.sql.legacy.parquet.int96RebaseModeInRead" in spark4["refused"]
    assert "removed" in spark4["refused"]


def test_nothing_the_platform_sends_is_deprecated_on_either_line(spark3, spark4):
    assert spark3["deprecated"] == [CONTROL] and spark4["deprecated"] == [CONTROL]
    for removed in (spark3["removed"], spark4["removed"]):
        assert set(SENT).isdisjoint(removed)

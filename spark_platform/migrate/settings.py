"""Which EMR-on-EC2 settings a job keeps on EMR on EKS, which it drops and why.

Settings come from the cluster's ``Configurations`` (``spark-defaults``, ``spark``,
``spark-hive-site``, ``spark-env``, ``emrfs-site``, ``core-site``, ...) and from the step's own
``--conf``. YARN-only and EC2-cluster-only settings are dropped with the reason; settings the
platform owns are dropped with the pipeline model's own reason (``refused_spark_setting``);
the Glue Data Catalog is the platform's (every job's metastore: ``GLUE_CATALOG_CONF`` in jobs/submission.py), not the job's.
"""

from __future__ import annotations

from dataclasses import dataclass

from spark_platform.jobs.dag_package import pipeline_model

GLUE_FACTORY = "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory"
GLUE_NOTE = "Glue Data Catalog: every job's metastore, set by the platform"
SIZING_KEYS = {
    "spark.executor.instances", "spark.executor.memory", "spark.executor.cores",
    "spark.driver.memory", "spark.driver.cores",
}  # fmt: skip

_YARN = "YARN-only: EMR on EKS has no YARN"
_DECOMMISSION = "EMR-on-EC2's YARN node decommissioning; the platform's Spark decommissioning covers nodes leaving"
_EVENT_LOG = (
    "the job's persistent app UI and S3 logs (the DAG's monitoringConfiguration) replace the cluster's event log"
)
_EMR_PATHS = "an EMR-on-EC2 node path (/usr/lib/hadoop*, /usr/share/aws, /mnt); the EMR on EKS image sets its own"
# (key or prefix ending in '.', why it is dropped). First match wins.
_DROPPED: tuple[tuple[str, str], ...] = (
    ("spark.yarn.", _YARN),
    ("spark.hadoop.yarn.", _YARN),
    ("spark.submit.deployMode", "EMR on EKS runs every job in cluster mode, the driver in its own pod"),
    ("spark.shuffle.service.", "YARN's external shuffle service is not on Kubernetes; decommissioning migrates shuffle blocks"),
    ("spark.dynamicAllocation.", "the platform runs a fixed executor count, which the quota check and the capacity plan count"),
    ("spark.driver.extraClassPath", _EMR_PATHS),
    ("spark.executor.extraClassPath", _EMR_PATHS),
    ("spark.driver.extraLibraryPath", _EMR_PATHS),
    ("spark.executor.extraLibraryPath", _EMR_PATHS),
    ("spark.driver.defaultJavaOptions", "EMR-on-EC2's default JVM options; the EMR on EKS image sets its own"),
    ("spark.executor.defaultJavaOptions", "EMR-on-EC2's default JVM options; the EMR on EKS image sets its own"),
    ("spark.eventLog.", _EVENT_LOG),
    ("spark.history.", _EVENT_LOG),
    ("spark.local.dir", "the pod templates mount the local-dir volume (teams[].executor_local_storage_gib)"),
    ("spark.blacklist.decommissioning.", _DECOMMISSION),
    ("spark.resourceManager.cleanupExpiredHost", _DECOMMISSION),
    ("spark.decommissioning.timeout.threshold", _DECOMMISSION),
    ("spark.stage.attempt.ignoreOnDecommissionFetchFailure", _DECOMMISSION),
    ("spark.emr.", "EMR-on-EC2's per-instance-type defaults; executors are sized for the platform's pools"),
    ("spark.sql.catalogImplementation", GLUE_NOTE),
    ("spark.hadoop.hive.metastore.client.factory.class", GLUE_NOTE),
)  # fmt: skip
# Classifications that configure the EC2 cluster's own services: nothing on EMR on EKS reads them.
CLUSTER_ONLY = (
    "yarn-site", "yarn-env", "capacity-scheduler", "hdfs-site", "hdfs-encryption-zones", "mapred-site", "mapred-env",
    "hadoop-env", "hadoop-log4j", "hadoop-kms-site", "livy-conf", "livy-env", "zeppelin-env", "hue-ini",
    "presto-config", "trino-config", "hbase-site", "oozie-site", "ranger-kms-site", "pig-properties", "hive-env",
    "emrfs-site/consistent",
)  # fmt: skip
CONSISTENT_VIEW = "fs.s3.consistent"


@dataclass(frozen=True)
class Dropped:
    setting: str
    value: str
    why: str


def why_dropped(key: str, value: str) -> str | None:
    """Why a job on the platform does not keep ``key``, or None when it keeps it."""
    for dropped, why in _DROPPED:
        if key == dropped or (dropped.endswith(".") and key.startswith(dropped)):
            if dropped == "spark.hadoop.hive.metastore.client.factory.class" and value != GLUE_FACTORY:
                return None  # another metastore client: kept, and reported as a metastore item
            return why
    if key == "spark.master":
        return "EMR on EKS submits to the team's virtual cluster"
    refused = pipeline_model().refused_spark_setting(key)
    return f"the platform owns it: it {refused}" if refused else None


def cluster_spark_conf(configurations: dict[str, dict[str, str]]) -> tuple[dict[str, str], list[Dropped], list[str]]:
    """The Spark settings a cluster's classifications give every job, what they drop and the
    classifications no job can use (reported, never silently ignored)."""
    conf: dict[str, str] = {}
    dropped: list[Dropped] = []
    unused: list[str] = []
    for classification, properties in sorted(configurations.items()):
        if classification == "spark-defaults":
            conf.update(properties)
        elif classification == "spark":
            dropped += [
                Dropped(
                    f"spark: {key}",
                    value,
                    "EC2-cluster-only: sizes executors to the cluster's nodes; the translation sizes them for the pools",
                )
                for key, value in sorted(properties.items())
            ]
        elif classification == "spark-hive-site":
            for key, value in sorted(properties.items()):
                if key.startswith("javax.jdo."):
                    continue  # a Hive metastore database: an item of its own (findings)
                conf[f"spark.hadoop.{key}"] = value
        elif classification == "spark-env/export":
            for key, value in sorted(properties.items()):
                if key in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON", "JAVA_HOME"):
                    dropped.append(
                        Dropped(f"spark-env: {key}", value, "the job type's image decides the interpreter and JVM")
                    )
                else:
                    conf[f"spark.executorEnv.{key}"] = value
                    conf[f"spark.kubernetes.driverEnv.{key}"] = value
        elif classification in ("emrfs-site", "core-site"):
            for key, value in sorted(properties.items()):
                if key.startswith(CONSISTENT_VIEW):
                    dropped.append(
                        Dropped(
                            f"{classification}: {key}",
                            value,
                            "EMRFS consistent view is retired (see the report's items)",
                        )
                    )
                else:
                    conf[f"spark.hadoop.{key}"] = value
        elif classification in ("spark-env", "hive-site"):
            continue  # spark-env carries only its export; hive-site: the metastore item
        else:
            unused.append(classification)
    return conf, dropped, unused

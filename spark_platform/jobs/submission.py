"""What every job submission carries besides the job's own settings.

EMR on EKS reads two kinds of platform settings from ``configurationOverrides``:

- the ``emr-job-submitter`` classification places the job submitter ("job-runner") pod, which
  pod templates never reach ("Using job submitter classification", EMR on EKS Development
  Guide). Without it the pod has no tolerations, and every node of this cluster is tainted, so
  it would stay Pending and the job would never start. It goes where drivers go: Graviton,
  on-demand (EMR recommends on-demand for it: losing it fails the job), the driver pool.
- ``spark-defaults`` the platform owns: the team's pod templates, and Spark's graceful
  decommissioning, so that executors on a node that is interrupted (spot), expired or drained
  hand their shuffle and cached blocks to other executors, or to the team's S3 prefix, instead
  of failing the stage ("Spark graceful decommissioning" / "Using Spot instances with Amazon EMR
  on EKS"; Spark's ``spark.decommission.*`` and ``spark.storage.decommission.*`` settings).

The DAG factory, the team document (for ad-hoc ``start-job-run``) and the job-run twin in the
tests all take these from here, so there is one definition of what a submission needs.
"""

from __future__ import annotations

ARCH_LABEL = "kubernetes.io/arch"
CAPACITY_LABEL = "karpenter.sh/capacity-type"
ROLE_LABEL = "spark-platform/role"
DRIVER_ROLE = "spark-driver"
EXECUTOR_ROLE = "spark-executor"

JOB_SUBMITTER = "emr-job-submitter"
# Under the team's data prefix: Spark's fallback storage for blocks of decommissioned executors.
FALLBACK_FOLDER = "spark-fallback/"
SPARK_DEFAULTS = "spark-defaults"


# Karpenter never voluntarily disrupts (consolidation, drift) a node running a pod with this
# annotation; the driver pod template carries it, and the job runner gets it here: losing either
# fails the whole job.
DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt"


def job_submitter_properties() -> dict[str, str]:
    """Node selectors and the toleration that put the job runner on an on-demand driver node, and
    the annotation that keeps Karpenter from draining that node while the job runs
    (``jobsubmitter.annotation.<key>``, "Using job submitter classification")."""
    return {
        f"jobsubmitter.node.selector.{ARCH_LABEL}": "arm64",
        f"jobsubmitter.node.selector.{CAPACITY_LABEL}": "on-demand",
        f"jobsubmitter.node.selector.{ROLE_LABEL}": DRIVER_ROLE,
        f"jobsubmitter.node.toleration.{ROLE_LABEL}": DRIVER_ROLE,
        f"jobsubmitter.node.toleration.{ROLE_LABEL}.effect": "NoSchedule",
        f"jobsubmitter.annotation.{DO_NOT_DISRUPT}": "true",
    }


def decommissioning_conf(fallback_uri: str) -> dict[str, str]:
    """Spark settings that survive losing an executor's node; ``fallback_uri`` ends with '/'."""
    return {
        "spark.decommission.enabled": "true",
        # Spark's pre-stop hook runs this script; EMR's images ship it in /usr/bin, not in
        # Spark's default /opt (EMR on EKS best-practices guide, "Node Decommission").
        "spark.kubernetes.decommission.script": "/usr/bin/decom.sh",
        "spark.storage.decommission.enabled": "true",
        "spark.storage.decommission.shuffleBlocks.enabled": "true",
        "spark.storage.decommission.rddBlocks.enabled": "true",
        # Blocks no surviving executor can take go to the team's own S3 prefix; Spark deletes
        # the application's folder there when the application ends.
        "spark.storage.decommission.fallbackStorage.path": fallback_uri,
        "spark.storage.decommission.fallbackStorage.cleanUp": "true",
    }


# Spark's own authentication and encryption (Spark 3.5 "Security"): on Kubernetes Spark makes a
# secret per application and hands it to the executors in an environment variable
# (_SPARK_AUTH_SECRET in 3.5.6, checked on the twin), so only pods
# of the job can talk to its driver and block managers; RPC and shuffle traffic is AES-encrypted
# (never falling back to SASL, which would not encrypt), and shuffle and spill files on the
# node's disk are encrypted with a per-application key. Anyone who can read the pods of the team's
# namespace can read the secret; only the team's own roles can (EMR's RBAC and access entries).
ENCRYPTION_CONF = {
    "spark.authenticate": "true",
    "spark.network.crypto.enabled": "true",
    "spark.network.crypto.saslFallback": "false",
    "spark.io.encryption.enabled": "true",
}


# The AWS Glue Data Catalog as every job's Hive metastore, so `spark.sql("... FROM db.table")`
# and `saveAsTable` reach the teams' Glue databases (EMR Release Guide, "Use the AWS Glue Data
# Catalog with Spark"; EMR on EKS best-practices guide, "EMR Containers integration with AWS
# Glue"). The factory class ships in every EMR on EKS Spark image; catalogImplementation=hive
# gives a session Hive support without the job calling enableHiveSupport(). The job role may
# open the catalog's "default" database, which the Glue client needs at session start
# (tenancy/job_permissions.py, GLUE_SESSION_START).
GLUE_CATALOG_CONF = {
    "spark.hadoop.hive.metastore.client.factory.class": (
        "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory"
    ),
    "spark.sql.catalogImplementation": "hive",
}


# Container log rotation (EMR on EKS Development Guide, "Using Spark container log rotation";
# API reference, ContainerLogRotationConfiguration: rotationSize 2KB-2GB as an integer and a unit,
# maxFilesToKeep 1-50; EMR 6.11.0 and later, next to s3MonitoringConfiguration). A long job's
# stdout and stderr otherwise grow without bound on the node's disk. The pod templates reserve
# POD_LOG_HEADROOM_GIB (1 GiB) of ephemeral storage for logs: 2 streams x 5 files x 50 MB stays
# well inside it (tests/test_observability.py checks the arithmetic).
CONTAINER_LOG_ROTATION = {"rotationSize": "50MB", "maxFilesToKeep": 5}
CONTAINER_LOG_ROTATION_SINCE = (6, 11, 0)

# The job's team context: Spark settings every submission carries, from fields of the team document
# (setting -> document field), so a job finds its team's data and Glue databases without arguments
# (orchestration/artifacts/*/jobs/*.py read them with spark.conf.get). Spark keeps unknown spark.*
# settings in its configuration and ignores them otherwise; a job may not set them itself.
TEAM_CONTEXT_PREFIX = "spark.sparkplatform."
TEAM_CONTEXT = {
    f"{TEAM_CONTEXT_PREFIX}team": "team",
    f"{TEAM_CONTEXT_PREFIX}dataUri": "data_uri",
    f"{TEAM_CONTEXT_PREFIX}glueDatabasePrefix": "glue_database_prefix",
}


def team_context_conf(document: dict[str, str]) -> dict[str, str]:
    """The team context settings of a team document (its fields named by TEAM_CONTEXT)."""
    return {key: document[field] for key, field in TEAM_CONTEXT.items()}


def platform_spark_conf(*, driver_template: str, executor_template: str, fallback_uri: str) -> dict[str, str]:
    """The spark-defaults a job may not change (see REFUSED_SPARK_SETTINGS in the DAG package's refused.py)."""
    return {
        "spark.kubernetes.driver.podTemplateFile": driver_template,
        "spark.kubernetes.executor.podTemplateFile": executor_template,
        **ENCRYPTION_CONF,
        **decommissioning_conf(fallback_uri),
        **GLUE_CATALOG_CONF,
    }


PLATFORM_SPARK_CONF_KEYS = tuple(platform_spark_conf(driver_template="", executor_template="", fallback_uri=""))

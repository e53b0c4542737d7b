"""The Spark settings a pipeline job may not set, and why: the platform owns them, or they would
take the job's pods out of what the team's pod templates and namespace allow.

Read by the pipeline model (the DAGs and ``cdk synth``), by the ad-hoc submission check
(``python -m spark_platform.orchestration.check_overrides``) and by the migration assistant.
"""

from __future__ import annotations

_POD_TEMPLATES = "would escape the team's pod templates (they set the pods' volumes, placement and security)"
# Spark settings a job may not set, by exact key or by prefix (ending in '.'), and why: the
# platform owns them, or they would take a job's pods out of what the team's pod templates and
# namespace allow (Spark 3.5 "Running on Kubernetes" configuration and "Security" pages).
REFUSED_SPARK_SETTINGS: tuple[tuple[str, str], ...] = (
    ("spark.master", "would send the job to another cluster"),
    ("spark.kubernetes.context", "would send the job to another cluster"),
    ("spark.kubernetes.namespace", "would run the job outside the team's namespace"),
    ("spark.kubernetes.container.image", "is the job type's image, from the platform's image catalog"),
    ("spark.kubernetes.driver.container.image", "is the job type's image, from the platform's image catalog"),
    ("spark.kubernetes.executor.container.image", "is the job type's image, from the platform's image catalog"),
    ("spark.kubernetes.driver.podTemplateFile", _POD_TEMPLATES),
    ("spark.kubernetes.executor.podTemplateFile", _POD_TEMPLATES),
    ("spark.kubernetes.driver.podTemplateContainerName", _POD_TEMPLATES),
    ("spark.kubernetes.executor.podTemplateContainerName", _POD_TEMPLATES),
    (
        "spark.kubernetes.driver.volumes.",
        "mounts a volume the pod templates do not define (a hostPath exposes the node)",
    ),
    (
        "spark.kubernetes.executor.volumes.",
        "mounts a volume the pod templates do not define (a hostPath exposes the node)",
    ),
    ("spark.kubernetes.node.selector.", "places pods outside the team's node pools, which the pod templates select"),
    (
        "spark.kubernetes.driver.node.selector.",
        "places pods outside the team's node pools, which the pod templates select",
    ),
    (
        "spark.kubernetes.executor.node.selector.",
        "places pods outside the team's node pools, which the pod templates select",
    ),
    (
        "spark.kubernetes.scheduler.name",
        "hands the pods to another scheduler than the one that honours their placement",
    ),
    (
        "spark.kubernetes.driver.scheduler.name",
        "hands the pods to another scheduler than the one that honours their placement",
    ),
    (
        "spark.kubernetes.executor.scheduler.name",
        "hands the pods to another scheduler than the one that honours their placement",
    ),
    ("spark.kubernetes.driver.pod.featureSteps", "runs code of the job's choosing that rewrites the pods"),
    ("spark.kubernetes.executor.pod.featureSteps", "runs code of the job's choosing that rewrites the pods"),
    (
        "spark.kubernetes.authenticate.",
        "changes the Kubernetes identity (service account, credentials) of the job's pods",
    ),
    ("spark.authenticate", "turns off authentication of the job's RPC and shuffle traffic"),
    ("spark.authenticate.", "weakens authentication of the job's RPC and shuffle traffic"),
    ("spark.network.crypto.", "weakens the encryption of the job's RPC and shuffle traffic"),
    ("spark.io.encryption.", "weakens the encryption of the job's shuffle and spill files"),
    ("spark.decommission.", "changes the platform's graceful decommissioning"),
    ("spark.kubernetes.decommission.", "changes the platform's graceful decommissioning"),
    ("spark.storage.decommission.", "changes the platform's graceful decommissioning"),
    ("spark.sparkplatform.", "is the job's team context the platform publishes (its data prefix and databases)"),
    (
        "spark.hadoop.hive.metastore.client.factory.class",
        "replaces the platform's metastore, the Glue Data Catalog that holds the team's databases",
    ),
    (
        "spark.sql.catalogImplementation",
        "replaces the platform's metastore, the Glue Data Catalog that holds the team's databases",
    ),
)


def refused_spark_setting(key: str) -> str | None:
    """Why a job may not set ``key``, or None when it may."""
    for refused, why in REFUSED_SPARK_SETTINGS:
        if key == refused or (refused.endswith(".") and key.startswith(refused)):
            return why
    return None

"""The pods EMR on EKS creates for one StartJobRun, as they reach the Kubernetes API server.

1. The job submitter ("job-runner") pod: EMR's ``job-runner`` container (spark-submit in
   cluster mode) and a log shipper. Pod templates never reach it; only the
   ``emr-job-submitter`` classification places it ("Using job submitter classification").
2. The driver pod: the team's driver pod template merged by Spark with the job's resources
   (spark_resources), Spark's labels, EMR's driver service account and EMR's log shipper
   (``emr-container-fluentd``) next to the ``spark-kubernetes-driver`` container.
3. One pod per executor, likewise from the executor template.

Service accounts follow EMR's pattern ``emr-containers-sa-spark-{client|driver|executor}-
<account>-<base36 role name>`` ("Using job execution roles with Amazon EMR on EKS"). The log
shippers request what EMR documents as defaults: 100m CPU and 200Mi for the job submitter's
(``jobsubmitter.logging.request.*``), 512Mi for the driver's and executors'
(``emr-containers-defaults`` ``logging.request.memory``; no CPU request). EMR documents no
resources for the ``job-runner`` container, so it gets the namespace's LimitRange defaults.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spark_platform.jobs.spark_resources import spark_container

EMR_LABEL = "emr-containers.amazonaws.com"
LOG_SHIPPER = "emr-container-fluentd"
SUBMITTER_SELECTOR = "jobsubmitter.node.selector."
SUBMITTER_TOLERATION = "jobsubmitter.node.toleration."
SUBMITTER_ANNOTATION = "jobsubmitter.annotation."
SUBMITTER_LABEL = "jobsubmitter.label."


class SubmitterPropertyError(ValueError):
    pass


@dataclass(frozen=True)
class JobSpec:
    """One job as submitted: what the pipeline model and the platform's settings say."""

    name: str  # <team>__<pipeline>.<job>, for messages
    release_label: str
    python: bool
    executors: int
    executor_cores: int
    executor_memory: str
    driver_cores: int
    driver_memory: str
    spark_conf: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class JobPods:
    job_runner: dict[str, Any]
    driver: dict[str, Any]
    executors: tuple[dict[str, Any], ...]

    def all(self) -> list[dict[str, Any]]:
        return [self.job_runner, self.driver, *self.executors]


def base36(text: str) -> str:
    """EMR on EKS's base36 form of ``text`` (part of its service account names): its bytes read
    as one big-endian number."""
    number = int.from_bytes(text.encode(), "big")
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
    return digits or "0"


def service_account(role: str, *, account: str, role_name: str) -> str:
    return f"emr-containers-sa-spark-{role}-{account}-{base36(role_name)}"


def _prefixed(properties: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {key[len(prefix) :]: value for key, value in properties.items() if key.startswith(prefix)}


def submitter_placement(properties: Mapping[str, str]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """nodeSelector and tolerations EMR gives the job-runner pod from the classification.

    A toleration is ``jobsubmitter.node.toleration.<key>`` = value (operator Equal; "" means
    Exists) with a required ``.effect`` and, for NoExecute, an optional ``.tolerationSeconds``.
    """
    selector = {k[len(SUBMITTER_SELECTOR) :]: v for k, v in properties.items() if k.startswith(SUBMITTER_SELECTOR)}
    toleration_props = {
        k[len(SUBMITTER_TOLERATION) :]: v for k, v in properties.items() if k.startswith(SUBMITTER_TOLERATION)
    }
    tolerations = []
    for key, value in sorted(toleration_props.items()):
        if key.endswith((".effect", ".tolerationSeconds")):
            continue
        effect = toleration_props.get(f"{key}.effect")
        if effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise SubmitterPropertyError(
                f"{SUBMITTER_TOLERATION}{key}.effect: {effect!r}; EMR requires NoSchedule, PreferNoSchedule or NoExecute"
            )
        toleration: dict[str, Any] = {"key": key, "effect": effect}
        toleration.update({"operator": "Equal", "value": value} if value else {"operator": "Exists"})
        seconds = toleration_props.get(f"{key}.tolerationSeconds")
        if seconds is not None:
            toleration["tolerationSeconds"] = int(seconds)
        tolerations.append(toleration)
    return selector, tolerations


def job_pods(
    job: JobSpec,
    *,
    namespace: str,
    driver_template: Mapping[str, Any],
    executor_template: Mapping[str, Any],
    submitter_properties: Mapping[str, str],
    account: str = "111122223333",
    role_name: str = "spark-team-emr-job",
    job_id: str = "0000000123abcdefghi",
) -> JobPods:
    image = f"{account}.dkr.ecr.eu-west-1.amazonaws.com/spark:{job.release_label}"
    accounts = {
        role: service_account(role, account=account, role_name=role_name) for role in ("client", "driver", "executor")
    }
    emr_labels = {f"{EMR_LABEL}/job.id": job_id, f"{EMR_LABEL}/resource.type": "job.run"}
    selector, tolerations = submitter_placement(submitter_properties)
    runner_metadata: dict[str, Any] = {
        "name": f"{job_id}-runner",
        "namespace": namespace,
        "labels": {
            **_prefixed(submitter_properties, SUBMITTER_LABEL),
            **emr_labels,
            f"{EMR_LABEL}/component": "job.submitter",
        },
    }
    if annotations := _prefixed(submitter_properties, SUBMITTER_ANNOTATION):
        runner_metadata["annotations"] = annotations
    runner = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": runner_metadata,
        "spec": {
            "serviceAccountName": accounts["client"],
            "restartPolicy": "Never",
            "nodeSelector": selector,
            "tolerations": tolerations,
            "containers": [
                {"name": "job-runner", "image": image},
                {
                    "name": LOG_SHIPPER,
                    "image": "emr-fluentd",
                    "resources": {"requests": {"cpu": "100m", "memory": "200Mi"}},
                },
            ],
        },
    }
    app = f"spark-{job_id}"
    common = {"job": job, "namespace": namespace, "image": image, "app": app, "emr_labels": emr_labels}
    driver = _spark_pod("driver", driver_template, name=f"{app}-driver", service_account=accounts["driver"], **common)
    executors = tuple(
        _spark_pod(
            "executor",
            executor_template,
            name=f"{app}-exec-{index}",
            service_account=accounts["executor"],
            extra_labels={"spark-exec-id": str(index)},
            **common,
        )
        for index in range(1, job.executors + 1)
    )
    return JobPods(job_runner=runner, driver=driver, executors=executors)


def _spark_pod(
    role: str,
    template: Mapping[str, Any],
    *,
    job: JobSpec,
    namespace: str,
    image: str,
    app: str,
    emr_labels: dict[str, str],
    name: str,
    service_account: str,
    extra_labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Spark's merge of a pod template with the job's settings (Spark 3.x feature steps)."""
    pod = copy.deepcopy(dict(template))
    metadata = pod.setdefault("metadata", {})
    metadata.update({"name": name, "namespace": namespace})
    metadata["labels"] = {
        **metadata.get("labels", {}),
        **{
            k[len(f"spark.kubernetes.{role}.label.") :]: v
            for k, v in job.spark_conf.items()
            if k.startswith(f"spark.kubernetes.{role}.label.")
        },
        "spark-app-selector": app,
        "spark-role": role,
        **(extra_labels or {}),
        **emr_labels,
        f"{EMR_LABEL}/component": role,
    }
    spec = pod.setdefault("spec", {})
    spec.update({"serviceAccountName": service_account, "restartPolicy": "Never"})
    for prefix in ("spark.kubernetes.node.selector.", f"spark.kubernetes.{role}.node.selector."):
        for key, value in job.spark_conf.items():
            if key.startswith(prefix):
                spec.setdefault("nodeSelector", {})[key[len(prefix) :]] = value
    resources = spark_container(
        role,
        release_label=job.release_label,
        python=job.python,
        cores=job.driver_cores if role == "driver" else job.executor_cores,
        memory=job.driver_memory if role == "driver" else job.executor_memory,
        spark_conf=job.spark_conf,
    ).as_kubernetes()
    container = spec["containers"][0]
    container["image"] = image
    kept = container.get("resources", {})
    container["resources"] = {
        "requests": {**kept.get("requests", {}), **resources["requests"]},
        "limits": {**kept.get("limits", {}), **resources["limits"]},
    }
    container.setdefault("volumeMounts", []).append(
        {"name": f"spark-conf-volume-{role}", "mountPath": "/opt/spark/conf"}
    )
    spec.setdefault("volumes", []).append(
        {"name": f"spark-conf-volume-{role}", "configMap": {"name": f"{app}-conf-map"}}
    )
    spec["containers"].append(
        {
            "name": LOG_SHIPPER,
            "image": "emr-fluentd",
            "resources": {"requests": {"memory": "512Mi"}, "limits": {"memory": "512Mi"}},
        }
    )
    return pod

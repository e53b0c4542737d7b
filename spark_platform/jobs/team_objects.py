"""A team's Kubernetes objects: namespace manifests and driver/executor pod templates.

Part of the job model: a job's pods are admitted by the team's LimitRange and ResourceQuota and
built from its pod templates, so the synth checks, the planner and the twin read them here; the
tenancy constructs apply the same objects to the cluster.
"""

from __future__ import annotations

import functools
from typing import Any

from spark_platform.config import TeamConfig
from spark_platform.config.cluster import DEFAULT_KUBERNETES_VERSION
from spark_platform.config.teams import POD_LOG_HEADROOM_GIB
from spark_platform.manifests import load_manifest, load_manifests

DRIVER_TEMPLATE = "pod_templates/driver.yaml"
EXECUTOR_TEMPLATE = "pod_templates/executor.yaml"
DRIVER_CONTAINER = "spark-kubernetes-driver"
EXECUTOR_CONTAINER = "spark-kubernetes-executor"


def _render(path: str, team: TeamConfig, local_storage_gib: int) -> dict[str, Any]:
    return load_manifest(
        path,
        {
            ("metadata", "labels", "spark-platform/team"): team.name,
            ("spec", "volumes", 0, "emptyDir", "sizeLimit"): f"{local_storage_gib}Gi",
            (
                "spec",
                "containers",
                0,
                "resources",
                "requests",
                "ephemeral-storage",
            ): f"{local_storage_gib + POD_LOG_HEADROOM_GIB}Gi",
        },
    )


def driver_template(team: TeamConfig) -> dict[str, Any]:
    return _render(DRIVER_TEMPLATE, team, team.driver_local_storage_gib)


def executor_template(team: TeamConfig) -> dict[str, Any]:
    return _render(EXECUTOR_TEMPLATE, team, team.executor_local_storage_gib)


PSA_MODES = ("enforce", "warn", "audit")
# For callers that only read a team's quota and limits (the job model, the planner): the
# Namespace's Pod Security versions never reach a cluster from there.
QUOTA_ONLY = DEFAULT_KUBERNETES_VERSION


def namespace_manifests(team: TeamConfig, *, kubernetes_version: str) -> list[dict[str, Any]]:
    """Namespace (with its Pod Security Admission labels), ResourceQuota and LimitRange of ``team``
    (manifests/team/namespace.yaml); the PSA versions follow the cluster's Kubernetes version."""
    quota = team.quota
    labels = ("metadata", "labels")
    return load_manifests(
        "manifests/team/namespace.yaml",
        [
            {
                ("metadata", "name"): team.namespace,
                (*labels, "spark-platform/team"): team.name,
                **{
                    (*labels, f"pod-security.kubernetes.io/{mode}-version"): f"v{kubernetes_version}"
                    for mode in PSA_MODES
                },
            },
            {
                ("metadata", "namespace"): team.namespace,
                ("spec", "hard", "requests.cpu"): str(quota.cpu),
                ("spec", "hard", "requests.memory"): f"{quota.memory_gib}Gi",
                ("spec", "hard", "limits.memory"): f"{quota.memory_gib}Gi",
                ("spec", "hard", "pods"): str(quota.pods),
            },
            {
                ("metadata", "namespace"): team.namespace,
                ("spec", "limits", 0, "default", "cpu"): str(quota.max_container_cpu),
                ("spec", "limits", 0, "max", "cpu"): str(quota.max_container_cpu),
                ("spec", "limits", 0, "max", "memory"): f"{quota.max_container_memory_gib}Gi",
            },
        ],
    )


@functools.cache
def team_objects(team: TeamConfig) -> tuple[dict, dict, list]:
    """The team's driver and executor templates and namespace objects, rendered once per team
    (job_pods copies the templates; the namespace objects are only read)."""
    return driver_template(team), executor_template(team), namespace_manifests(team, kubernetes_version=QUOTA_ONLY)

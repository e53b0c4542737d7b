"""Runs one job's pods through a real kube-apiserver and kube-scheduler and reports what happened."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spark_platform.jobs.capacity import InstanceShape, Resources, pool_shapes
from spark_platform.jobs.emr_pods import EMR_LABEL, JobPods

from .api import Api, ApiError
from .nodes import daemonset_pods, pool_node

ZONE = "eu-west-1a"


@dataclass
class Outcome:
    rejected: dict[str, str] = field(default_factory=dict)  # pod -> admission error
    admitted: dict[str, dict[str, Any]] = field(default_factory=dict)  # pod -> object as stored
    placed: dict[str, dict[str, str]] = field(default_factory=dict)  # pod -> its node's labels
    pending: dict[str, str] = field(default_factory=dict)  # pod -> the scheduler's reason


def team_namespace_objects(synth: Any, team: Any) -> list[dict[str, Any]]:
    """The team's Namespace, ResourceQuota and LimitRange exactly as the templates deploy them."""
    objects = [
        obj
        for obj in synth.manifests()
        if obj["kind"] in ("Namespace", "ResourceQuota", "LimitRange")
        and team.namespace in (obj["metadata"].get("namespace"), obj["metadata"]["name"])
    ]
    assert len(objects) == 3, team.name
    return objects


def install_team_namespaces(api: Api, synth: Any) -> dict[str, list[dict[str, Any]]]:
    """Every team's namespace objects of ``synth`` on the API server, by team name."""
    installed = {}
    for team in synth.config.teams:
        installed[team.name] = team_namespace_objects(synth, team)
        install_namespace(api, installed[team.name])
    return installed


def install_namespace(api: Api, objects: list[Mapping[str, Any]]) -> None:
    """Namespace, ResourceQuota and LimitRange as the platform deploys them."""
    for kind in ("Namespace", "ResourceQuota", "LimitRange"):
        for obj in objects:
            if obj["kind"] == kind:
                api.create(dict(obj))
    reset_quota(api, objects)


def reset_quota(api: Api, objects: list[Mapping[str, Any]]) -> None:
    """What the resource-quota controller does on its sync (no controller runs here): status.hard
    from spec, status.used recounted (zero: the previous job's pods are gone). Until a quota has
    a status, ResourceQuota admission refuses every pod in the namespace."""
    for obj in objects:
        if obj["kind"] == "ResourceQuota":
            quota = api.get(dict(obj))
            hard = quota["spec"]["hard"]
            quota["status"] = {"hard": hard, "used": {name: "0" for name in hard}}
            api.replace_status(quota)


def best_shape(pool: Any, field_path: str, needs: Resources, karpenter: Any) -> tuple[InstanceShape, int]:
    """The allowed instance type that holds the most such pods (fewest vCPUs on a tie)."""
    best = None
    for shape in pool_shapes(pool, field_path):
        room = shape.free_for_spark(max_pods=karpenter.max_pods, root_volume_gib=karpenter.root_volume_gib)
        per_node = min(
            room.cpu_milli // max(needs.cpu_milli, 1),
            room.memory_bytes // max(needs.memory_bytes, 1),
            room.ephemeral_bytes // needs.ephemeral_bytes if needs.ephemeral_bytes else room.pods,
            room.pods,
        )
        if best is None or (per_node, -shape.vcpus) > (best[1], -best[0].vcpus):
            best = (shape, per_node)
    assert best is not None
    return best


def provision(
    api: Api, karpenter: Any, pools: Mapping[str, Mapping[str, Any]], wanted: list[tuple[str, str, Resources, int]]
) -> list[dict]:
    """Create the nodes Karpenter would launch for ``wanted`` = [(pool, capacity type, pod
    requests, pod count)], each with its DaemonSet pods. Returns the nodes."""
    nodes = []
    for pool_name, capacity_type, needs, count in wanted:
        config_pool = karpenter.driver if pool_name == "spark-driver" else karpenter.executor
        shape, per_node = best_shape(config_pool, pool_name, needs, karpenter)
        for _ in range(max(1, math.ceil(count / max(per_node, 1)))):
            node = pool_node(
                pools[pool_name],
                shape,
                capacity_type=capacity_type,
                max_pods=karpenter.max_pods,
                root_volume_gib=karpenter.root_volume_gib,
                zone=ZONE,
            )
            nodes.append(api.create(node))
            for pod in daemonset_pods(node):
                api.create(pod)
    return nodes


def remove(api: Api, nodes: list[dict], pods: list[dict]) -> None:
    for pod in pods:
        api.delete(pod)
    for node in nodes:
        for pod in daemonset_pods(node):
            api.delete(pod)
        api.delete(node)


def submit(api: Api, pods: JobPods, *, timeout: float = 30, settle: float = 1.5) -> Outcome:
    """Create every pod of the job (admission), then wait until each is bound or unschedulable.

    "Unschedulable" only counts after ``settle`` seconds: the scheduler may try a pod before
    its informer has seen nodes created a moment earlier, and it retries when they arrive."""
    outcome = Outcome()
    started = time.monotonic()
    for pod in pods.all():
        name = pod["metadata"]["name"]
        try:
            outcome.admitted[name] = api.create(pod)
        except ApiError as error:
            outcome.rejected[name] = error.message
    deadline = time.monotonic() + timeout
    waiting = set(outcome.admitted)
    namespace = pods.driver["metadata"]["namespace"]
    job_label = f"{EMR_LABEL}/job.id={pods.driver['metadata']['labels'][f'{EMR_LABEL}/job.id']}"
    probe = {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": namespace}}
    while waiting and time.monotonic() < deadline:
        for pod in api.list(probe, label_selector=job_label):
            name = pod["metadata"]["name"]
            if name not in waiting:
                continue
            if pod["spec"].get("nodeName"):
                outcome.pending.pop(name, None)
                node = api.get({"apiVersion": "v1", "kind": "Node", "metadata": {"name": pod["spec"]["nodeName"]}})
                outcome.placed[name] = node["metadata"]["labels"]
                waiting.discard(name)
            else:
                for condition in pod.get("status", {}).get("conditions", []):
                    if condition["type"] == "PodScheduled" and condition.get("reason") == "Unschedulable":
                        outcome.pending[name] = condition.get("message", "")
        if not waiting - set(outcome.pending) and time.monotonic() - started > settle:
            break
        time.sleep(0.2)
    for name in waiting - set(outcome.pending):
        outcome.pending[name] = "not scheduled within the time limit"
    return outcome

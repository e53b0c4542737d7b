"""Will a job's pods be admitted and find a node? Checked at synth, proven by the job-run twin.

Admission is modelled as Kubernetes' LimitRanger does it (a container without a request or
limit gets the LimitRange's ``defaultRequest``/``default``; a request or limit above ``max``
is rejected) and ResourceQuota (the job's pods together within the namespace's hard limits).
Placement: each pod goes to the Spark pool whose role label it selects, and must fit the
largest instance type that pool allows, next to the DaemonSets (capacity.py). The twin in
tests/test_job_run_twin.py runs the same pods through a real kube-apiserver and kube-scheduler
and asserts this model agrees with them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from spark_platform.config import KarpenterConfig, NodePoolConfig, TeamConfig
from spark_platform.jobs.capacity import GIB, MIB, InstanceShape, Resources, gib, pool_shapes
from spark_platform.jobs.emr_pods import JobPods
from spark_platform.jobs.submission import DRIVER_ROLE, EXECUTOR_ROLE, ROLE_LABEL

_UNITS = {"Ki": 1024, "Mi": MIB, "Gi": GIB, "Ti": 1024 * GIB, "k": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4}


def quantity(value: Any) -> float:
    """A Kubernetes quantity (cpu in cores, anything else in bytes or units)."""
    text = str(value)
    if text.endswith("m"):
        return float(text[:-1]) / 1000
    for suffix in sorted(_UNITS, key=len, reverse=True):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * _UNITS[suffix]
    return float(text)


def limit_range_item(limit_range: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The Container item as the API server stores it: a resource with a ``max`` and no
    ``default`` defaults to the max, and ``defaultRequest`` to ``default`` (then ``min``)."""
    (item,) = [item for item in limit_range["spec"]["limits"] if item["type"] == "Container"]
    default = {**item.get("max", {}), **item.get("default", {})}
    default_request = {**item.get("min", {}), **default, **item.get("defaultRequest", {})}
    return {"max": dict(item.get("max", {})), "default": default, "defaultRequest": default_request}


def with_limit_range_defaults(
    container: Mapping[str, Any], limit_range: Mapping[str, Any]
) -> dict[str, dict[str, str]]:
    """The container's requests and limits once admitted.

    API defaulting first copies a limit the user set to a missing request; LimitRanger then
    gives a missing limit the ``default`` and a missing request the ``defaultRequest``.
    """
    item = limit_range_item(limit_range)
    resources = container.get("resources", {})
    limits = dict(resources.get("limits", {}))
    requests = {**limits, **resources.get("requests", {})}
    for name, value in item["default"].items():
        limits.setdefault(name, value)
    for name, value in item["defaultRequest"].items():
        requests.setdefault(name, value)
    return {"requests": requests, "limits": limits}


def pod_requests(pod: Mapping[str, Any], limit_range: Mapping[str, Any]) -> Resources:
    total = Resources(0, 0, 0, 1)
    for container in pod["spec"]["containers"]:
        requests = with_limit_range_defaults(container, limit_range)["requests"]
        total += Resources(
            round(quantity(requests.get("cpu", 0)) * 1000),
            int(quantity(requests.get("memory", 0))),
            int(quantity(requests.get("ephemeral-storage", 0))),
            0,
        )
    return total


# The team setting behind each LimitRange cap (config/teams.py QuotaConfig), for messages.
_LIMIT_FIELDS = {"cpu": "max_container_cpu", "memory": "max_container_memory_gib"}


def shown(resource: str, value: Any) -> str:
    """A quantity in the unit its setting uses: cpu in cores, memory and storage in GiB."""
    amount = quantity(value)
    if resource == "cpu":
        return f"{amount:g} cores"
    return gib(amount)


# The job field behind each resource of each pod: the one to change (the job runner's size is the platform's).
_JOB_FIELDS = {
    ("driver", "cpu"): ".driver_cores",
    ("driver", "memory"): ".driver_memory",
    ("executor", "cpu"): ".executor_cores",
    ("executor", "memory"): ".executor_memory",
}


def _job_field(kind: str, resource: str) -> str:
    return _JOB_FIELDS.get((kind, resource), "")


def limit_range_violations(pod: Mapping[str, Any], limit_range: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(resource, why) of every container of ``pod`` the LimitRange rejects."""
    maximum = limit_range_item(limit_range)["max"]
    problems = []
    for container in pod["spec"]["containers"]:
        resources = with_limit_range_defaults(container, limit_range)
        over_max = set()
        for name, cap in maximum.items():
            values = [resources[kind][name] for kind in ("requests", "limits") if name in resources[kind]]
            largest = max(values, key=quantity, default=None)
            if largest is not None and quantity(largest) > quantity(cap):
                over_max.add(name)
                setting = f" (quota.{_LIMIT_FIELDS[name]})" if name in _LIMIT_FIELDS else ""
                problems.append(
                    (
                        name,
                        f"container {container['name']} needs {name} {shown(name, largest)} > {shown(name, cap)}{setting}",
                    )
                )
        for name, request in resources["requests"].items():
            limit = resources["limits"].get(name)
            # A request over the cap also exceeds the limit the cap defaulted: said once, above.
            if limit is not None and name not in over_max and quantity(request) > quantity(limit):
                problems.append(
                    (
                        name,
                        f"container {container['name']} requests {name} {shown(name, request)} above its limit "
                        f"{shown(name, limit)}",
                    )
                )
    return problems


def pool_of(pod: Mapping[str, Any], karpenter: KarpenterConfig) -> tuple[str, NodePoolConfig]:
    role = pod["spec"].get("nodeSelector", {}).get(ROLE_LABEL)
    pools = {DRIVER_ROLE: ("driver", karpenter.driver), EXECUTOR_ROLE: ("executor", karpenter.executor)}
    if role not in pools:
        raise ValueError(f"pod {pod['metadata']['name']} selects no Spark pool ({ROLE_LABEL}={role!r})")
    return pools[role]


@functools.cache
def largest_room(
    pool: NodePoolConfig, field_path: str, karpenter: KarpenterConfig
) -> list[tuple[InstanceShape, Resources]]:
    return [
        (shape, shape.free_for_spark(max_pods=karpenter.max_pods, root_volume_gib=karpenter.root_volume_gib))
        for shape in pool_shapes(pool, field_path)
    ]


def job_problems(
    pods: JobPods,
    *,
    team: TeamConfig,
    namespace_objects: list[Mapping[str, Any]],
    karpenter: KarpenterConfig,
    executors: int | None = None,
) -> list[str]:
    """Why the job's pods would be rejected or stay Pending (empty: they run), each starting with
    the job's field that drives it (``.executor_memory: ...``; ``: ...`` for the job runner, whose
    size the platform sets).

    ``executors``: how many executors the job starts when ``pods`` renders fewer (identical
    executors need not all be built to be counted against the quota).
    """
    limit_range = next(obj for obj in namespace_objects if obj["kind"] == "LimitRange")
    problems = []
    shapes = [("job runner", pods.job_runner), ("driver", pods.driver)]
    if pods.executors:
        shapes.append(("executor", pods.executors[0]))
    for kind, pod in shapes:
        for resource, violation in limit_range_violations(pod, limit_range):
            problems.append(
                f"{_job_field(kind, resource)}: the {kind} pod breaks team {team.name}'s LimitRange: {violation}; "
                "make the job smaller or raise that setting of the team"
            )
        pool_name, pool = pool_of(pod, karpenter)
        needs = pod_requests(pod, limit_range)
        rooms = largest_room(pool, f"karpenter.{pool_name}", karpenter)
        if not any(needs.fits_in(room) for _, room in rooms):
            shape, room = max(rooms, key=lambda item: (item[1].cpu_milli, item[1].memory_bytes))
            for resource, gap in needs.short_of(room):
                problems.append(
                    f"{_job_field(kind, resource)}: the {kind} pod needs {gap} on the largest spark-{pool_name} node "
                    f"({shape.name}); make it smaller or allow larger karpenter.{pool_name}.instance_sizes"
                )
    quota = next(obj for obj in namespace_objects if obj["kind"] == "ResourceQuota")["spec"]["hard"]
    counted = [(pods.job_runner, 1), (pods.driver, 1)]
    if pods.executors:
        counted.append((pods.executors[0], executors if executors is not None else len(pods.executors)))
    total = Resources(0, 0, 0, 0)
    memory_limits = 0.0
    for pod, count in counted:
        requests = pod_requests(pod, limit_range)
        total += Resources(requests.cpu_milli * count, requests.memory_bytes * count, 0, count)
        memory_limits += count * sum(
            quantity(with_limit_range_defaults(c, limit_range)["limits"].get("memory", 0))
            for c in pod["spec"]["containers"]
        )
    peaks = {
        "requests.cpu": total.cpu_milli / 1000,
        "requests.memory": total.memory_bytes,
        "pods": total.pods,
        "limits.memory": memory_limits,
    }
    for name, peak in peaks.items():
        if name in quota and peak > quantity(quota[name]):
            unit = {"requests.cpu": "cpu", "requests.memory": "memory", "limits.memory": "memory"}.get(name)
            need = shown(unit, peak) if unit else f"{peak:g}"
            allowed = shown(unit, quota[name]) if unit else str(quota[name])
            setting = {"requests.cpu": "cpu", "pods": "pods"}.get(name, "memory_gib")
            problems.append(
                f".executors: its pods together need {name} {need} but team {team.name}'s quota allows {allowed} "
                f"(quota.{setting}); lower executors or raise the team's quota"
            )
    return problems

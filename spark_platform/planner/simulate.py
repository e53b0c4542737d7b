"""One day at one-minute resolution: jobs start, their pods find nodes, nodes come and go.

Each minute, in order: jobs that finished release their pods; nodes empty for the pool's
``consolidate_after`` are removed (the executor pool only ever consolidates empty nodes, and
drivers are never disrupted, so no running pod is repacked); pipeline runs that start and jobs
whose upstream jobs finished become ready; every ready job starts if its team's ResourceQuota
and the NodePools' limits hold all its pods at once, else it waits (queued minutes).

A starting job's pods go first to nodes with room (the kube-scheduler binds to existing nodes
before Karpenter reacts), then to nodes Karpenter launches (packing.PoolModel.launch_plan), in
the zone holding the fewest pod addresses. Pod addresses are counted as the VPC CNI hands them
out with prefix delegation: whole /28 prefixes, ``ceil(pods / 16)`` plus ``WARM_PREFIX_TARGET``
free ones per node (amazon-vpc-cni-k8s v1.9.0 release notes: "IPAMD will keep a free prefix in
warm pool"; AWS Knowledge Center "eks-configure-cni-plugin-use-ip-address"). Job runners,
drivers and executors all get a pod address; the DaemonSets (aws-node, kube-proxy) use the
node's. Each system node holds one prefix plus its warm prefixes for CoreDNS and Karpenter.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field

from spark_platform.jobs.capacity import Resources
from spark_platform.observability.cost import vcpu_hours
from spark_platform.planner.packing import NodeType, PoolModel
from spark_platform.planner.workload import MINUTES_PER_DAY, PlannedJob, PlannedPipeline

PREFIX = 16
MAX_MINUTES = 3 * MINUTES_PER_DAY
# Nodes with room a starting job's pods are offered before Karpenter launches new ones: the most
# recently opened first. Bounding the scan keeps a day linear in the number of job runs; on a
# cluster with more partly used nodes than this, the plan launches a little early.
SCAN_NODES = 24


class Node:
    __slots__ = (
        "alive",
        "cpu",
        "ephemeral",
        "memory",
        "node_type",
        "pods",
        "pool",
        "prefixes",
        "since",
        "started",
        "zone",
    )

    def __init__(self, node_type: NodeType, pool: PoolModel, zone: int, minute: int):
        self.node_type = node_type
        self.pool = pool
        self.zone = zone
        self.cpu = node_type.free.cpu_milli
        self.memory = node_type.free.memory_bytes
        self.ephemeral = node_type.free.ephemeral_bytes
        self.pods = 0
        self.prefixes = 0
        self.started = minute
        self.since = minute  # empty since
        self.alive = True


@dataclass
class Metrics:
    zones: int
    pools: tuple[str, ...]
    pod_ips_by_zone: list[list[int]] = field(default_factory=list)  # [minute][zone]
    vcpu_by_pool: dict[str, list[int]] = field(default_factory=dict)
    memory_gib_by_pool: dict[str, list[float]] = field(default_factory=dict)
    nodes: list[int] = field(default_factory=list)
    running_jobs: list[int] = field(default_factory=list)
    team_cpu: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    queued_minutes: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # by reason
    queued_by_job: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    peak_nodes_by_type: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    node_minutes_by_type: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    cost_usd: float = 0.0
    cost_by_pipeline_run: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # The same vCPU-hours the team dashboards show (observability/cost.py), and their cost.
    vcpu_hours_by_team: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    cost_by_team: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    never_started: list[str] = field(default_factory=list)


class Simulation:
    def __init__(
        self,
        pools: dict[str, PoolModel],
        *,
        zones: int,
        warm_prefixes: int,
        quotas: dict[str, tuple[int, int, int, int]],
        system_nodes: int = 0,
    ):
        self.pools = pools
        self.zones = zones
        self.warm = warm_prefixes
        self.quotas = quotas
        self.team_use: dict[str, list[int]] = {team: [0, 0, 0, 0] for team in quotas}
        self.zone_prefixes = [0] * zones
        for index in range(system_nodes):
            self.zone_prefixes[index % zones] += 1 + warm_prefixes
        self.pool_cpu = dict.fromkeys(pools, 0)
        self.pool_memory = dict.fromkeys(pools, 0)
        # Nodes with room for the smallest pod of their pool (insertion-ordered sets).
        self.open: dict[str, dict[Node, None]] = {name: {} for name in pools}
        self.smallest: dict[str, Resources] = {name: Resources(0, 0, 0, 1) for name in pools}
        self.node_count = 0
        self.type_counts: dict[str, int] = defaultdict(int)
        self.metrics = Metrics(zones, tuple(pools))
        self.expiring: list[tuple[int, int, Node]] = []
        self._serial = 0

    # -- nodes -------------------------------------------------------------------------------
    def _set_pods(self, node: Node, pods: int, minute: int) -> None:
        node.pods = pods
        prefixes = -(-pods // PREFIX) + self.warm
        self.zone_prefixes[node.zone] += prefixes - node.prefixes
        node.prefixes = prefixes
        if pods == 0:
            node.since = minute
            self._serial += 1
            heapq.heappush(self.expiring, (minute + node.pool.consolidate_after, self._serial, node))

    def _launch(self, node_type: NodeType, pool: PoolModel, minute: int) -> Node:
        zone = min(range(self.zones), key=lambda z: (self.zone_prefixes[z], z))
        node = Node(node_type, pool, zone, minute)
        self.pool_cpu[pool.name] += node_type.shape.vcpus * 1000
        self.pool_memory[pool.name] += int(node_type.shape.memory_gib * 1024**3)
        self.type_counts[node_type.shape.name] += 1
        name = node_type.shape.name
        self.metrics.peak_nodes_by_type[name] = max(self.metrics.peak_nodes_by_type[name], self.type_counts[name])
        self.open[pool.name][node] = None
        self.node_count += 1
        return node

    def _remove(self, node: Node, minute: int) -> None:
        shape = node.node_type.shape
        self.pool_cpu[node.pool.name] -= shape.vcpus * 1000
        self.pool_memory[node.pool.name] -= int(shape.memory_gib * 1024**3)
        self.type_counts[shape.name] -= 1
        self.zone_prefixes[node.zone] -= node.prefixes
        node.prefixes = 0
        node.alive = False
        self.open[node.pool.name].pop(node, None)
        self.node_count -= 1
        minutes = max(1, minute - node.started)
        self.metrics.node_minutes_by_type[shape.name] += minutes
        self.metrics.cost_usd += node.node_type.usd_per_hour * minutes / 60

    def _reopen(self, node: Node) -> None:
        small = self.smallest[node.pool.name]
        if (
            node.alive
            and node.cpu >= small.cpu_milli
            and node.memory >= small.memory_bytes
            and node.ephemeral >= small.ephemeral_bytes
            and node.pods < node.node_type.free.pods
        ):
            self.open[node.pool.name][node] = None
        else:
            self.open[node.pool.name].pop(node, None)

    def _expire(self, minute: int) -> None:
        while self.expiring and self.expiring[0][0] <= minute:
            _, _, node = heapq.heappop(self.expiring)
            if node.alive and node.pods == 0 and minute - node.since >= node.pool.consolidate_after:
                self._remove(node, minute)

    # -- jobs --------------------------------------------------------------------------------
    def _placement(self, job: PlannedJob) -> tuple[list, str | None]:
        """Where the job's pods would go, or why they cannot all start now."""
        use = self.team_use[job.team]
        quota = self.quotas[job.team]
        if any(use[i] + job.shape.quota_use[i] > quota[i] for i in range(4)):
            return [], f"quota:{job.team}"
        actions = []
        taken: dict[Node, list[int]] = {}
        new_cpu = dict.fromkeys(self.pools, 0)
        new_memory = dict.fromkeys(self.pools, 0)
        for group in job.shape.groups:
            pool = self.pools[group.pool]
            pod = group.requests
            remaining = group.count
            for scanned, node in enumerate(reversed(self.open[group.pool])):
                if not remaining or scanned == SCAN_NODES:
                    break
                used = taken.setdefault(node, [0, 0, 0, 0])
                room = node.node_type.free.pods - node.pods - used[3]
                if room <= 0:
                    continue
                room = min(
                    room,
                    (node.cpu - used[0]) // pod.cpu_milli if pod.cpu_milli else room,
                    (node.memory - used[1]) // pod.memory_bytes if pod.memory_bytes else room,
                    (node.ephemeral - used[2]) // pod.ephemeral_bytes if pod.ephemeral_bytes else room,
                )
                if room <= 0:
                    continue
                n = min(room, remaining)
                used[0] += n * pod.cpu_milli
                used[1] += n * pod.memory_bytes
                used[2] += n * pod.ephemeral_bytes
                used[3] += n
                actions.append((node, pod, n, group.pool))
                remaining -= n
            if remaining:
                plan = pool.launch_plan(pod, remaining)
                if not plan:
                    return [], f"fits-no-node:{group.pool}"
                for node_type, n in plan:
                    new_cpu[group.pool] += node_type.shape.vcpus * 1000
                    new_memory[group.pool] += int(node_type.shape.memory_gib * 1024**3)
                    actions.append((node_type, pod, n, group.pool))
        for name, pool in self.pools.items():
            if (
                self.pool_cpu[name] + new_cpu[name] > pool.cpu_limit_milli
                or self.pool_memory[name] + new_memory[name] > pool.memory_limit_bytes
            ):
                return [], f"nodepool:{name}"
        return actions, None

    def _start(self, job: PlannedJob, actions: list, minute: int) -> list:
        placed = []
        for target, pod, n, pool_name in actions:
            if isinstance(target, NodeType):
                target = self._launch(target, self.pools[pool_name], minute)
            target.cpu -= n * pod.cpu_milli
            target.memory -= n * pod.memory_bytes
            target.ephemeral -= n * pod.ephemeral_bytes
            self._set_pods(target, target.pods + n, minute)
            self._reopen(target)
            placed.append((target, pod, n))
        use = self.team_use[job.team]
        for i in range(4):
            use[i] += job.shape.quota_use[i]
        return placed

    def _finish(self, job: PlannedJob, placed: list, minute: int) -> float:
        cost = 0.0
        for node, pod, n in placed:
            node.cpu += n * pod.cpu_milli
            node.memory += n * pod.memory_bytes
            node.ephemeral += n * pod.ephemeral_bytes
            self._set_pods(node, node.pods - n, minute)
            self._reopen(node)
            # The pods' requested vCPU-hours at the node's price per vCPU-hour: the CPU share of the node.
            hours = vcpu_hours(n * pod.cpu_milli, job.minutes * 60)
            share_cost = hours * node.node_type.usd_per_hour / node.node_type.shape.vcpus
            self.metrics.vcpu_hours_by_team[job.team] += hours
            self.metrics.cost_by_team[job.team] += share_cost
            cost += share_cost
        use = self.team_use[job.team]
        for i in range(4):
            use[i] -= job.shape.quota_use[i]
        return cost

    # -- the day -----------------------------------------------------------------------------
    def run(self, pipelines: list[PlannedPipeline]) -> Metrics:
        m = self.metrics
        for name in self.pools:
            groups = [g.requests for p in pipelines for j in p.jobs for g in j.shape.groups if g.pool == name]
            if groups:
                self.smallest[name] = Resources(
                    min(r.cpu_milli for r in groups),
                    min(r.memory_bytes for r in groups),
                    min(r.ephemeral_bytes for r in groups),
                    1,
                )
        starts: dict[int, list[tuple[PlannedPipeline, int]]] = defaultdict(list)
        for pipeline in pipelines:
            for run, minute in enumerate(pipeline.starts):
                starts[minute].append((pipeline, run))
        ends: dict[int, list] = defaultdict(list)
        ready: list = []  # [pipeline, run state, job index, ready since]
        running = 0
        last_start = max(starts, default=0)
        minute = 0
        while minute < MAX_MINUTES and (minute <= max(last_start, MINUTES_PER_DAY - 1) or running or ready):
            for pipeline, state, index, placed in ends.pop(minute, ()):
                job = pipeline.jobs[index]
                state["cost"] += self._finish(job, placed, minute)
                running -= 1
                state["left"] -= 1
                for downstream, other in enumerate(pipeline.jobs):
                    if index in other.upstream:
                        state["waiting"][downstream] -= 1
                        if state["waiting"][downstream] == 0:
                            ready.append((pipeline, state, downstream))
                if state["left"] == 0:
                    m.cost_by_pipeline_run[pipeline.dag_id].append(state["cost"])
            self._expire(minute)
            for pipeline, _run in starts.get(minute, ()):
                state = {"left": len(pipeline.jobs), "cost": 0.0, "waiting": [len(j.upstream) for j in pipeline.jobs]}
                ready.extend((pipeline, state, i) for i, job in enumerate(pipeline.jobs) if not job.upstream)
            still = []
            for pipeline, state, index in ready:
                job = pipeline.jobs[index]
                actions, reason = self._placement(job)
                if reason:
                    m.queued_minutes[reason] += 1
                    m.queued_by_job[job.name] += 1
                    still.append((pipeline, state, index))
                    continue
                placed = self._start(job, actions, minute)
                ends[minute + job.minutes].append((pipeline, state, index, placed))
                running += 1
            ready = still
            m.pod_ips_by_zone.append([prefixes * PREFIX for prefixes in self.zone_prefixes])
            for name in self.pools:
                m.vcpu_by_pool.setdefault(name, []).append(self.pool_cpu[name] // 1000)
                m.memory_gib_by_pool.setdefault(name, []).append(self.pool_memory[name] / 1024**3)
            m.nodes.append(self.node_count)
            m.running_jobs.append(running)
            for team, use in self.team_use.items():
                m.team_cpu[team].append(use[0] / 1000)
            minute += 1
        m.never_started = sorted({pipeline.jobs[index].name for pipeline, _, index in ready})
        for _, _, node in sorted(self.expiring, key=lambda item: item[1]):
            if node.alive:
                self._remove(node, minute)
        return m

"""vCPU-hours: the one definition the dashboards and the capacity planner share.

A team's vCPU-hours are the CPU its pods request, integrated over the time they hold it: the basis
EMR on EKS bills on (vCPU and memory requested by the job's pods, from image pull to pod end:
"Amazon EMR on EKS pricing") and the basis on which EKS split cost allocation data divides a node's
cost among its pods (the larger of request and use). The planner sums each pod's request x its
minutes; the dashboards sum the Container Insights pod events, one per pod per collection interval
carrying ``pod_cpu_request`` in millicores (the CloudWatch agent's pod store adds the containers'
requests as Kubernetes milli-values), so a sum of millicores x interval is the same integral.
"""

from __future__ import annotations

MILLICORES_PER_VCPU = 1000
# The agent's metrics_collection_interval: its default (60 s; translator/translate/otel/receiver/
# awscontainerinsight/utils.go), set explicitly in the add-on configuration so it cannot drift.
COLLECTION_INTERVAL_SECONDS = 60


def vcpu_hours(cpu_request_millicores: float, seconds: float) -> float:
    """Requested CPU held for ``seconds``, in vCPU-hours."""
    return cpu_request_millicores / MILLICORES_PER_VCPU * seconds / 3600


def vcpu_hours_expression(metric_id: str) -> str:
    """CloudWatch metric math turning the SUM of pod events' millicores into vCPU-hours."""
    factor = MILLICORES_PER_VCPU * 3600 // COLLECTION_INTERVAL_SECONDS
    return f"{metric_id} / {factor}"

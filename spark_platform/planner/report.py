"""plan.json, the PNG charts and the Markdown report of a day's plan.

Charts need matplotlib (requirements-plan.txt); the figures and ``--check`` do not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spark_platform.planner.plan import DayPlan

COMPARED = ("peak_pod_ips", "peak_nodes", "peak_vcpu_by_pool", "queued_job_minutes", "cost_per_day_usd")


def plan_document(staggered: DayPlan, unstaggered: DayPlan | None) -> dict[str, Any]:
    document = dict(staggered.summary)
    document["problems"] = staggered.problems
    if unstaggered is not None:
        document["all_at_minute_0"] = {key: unstaggered.summary[key] for key in COMPARED}
        document["all_at_minute_0"]["problems"] = unstaggered.problems
    return document


def write_json(document: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def draw_charts(staggered: DayPlan, unstaggered: DayPlan, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    summary = staggered.summary
    zones = list(summary["peak_pod_ips_by_zone"])
    figure, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
    for axis, plan, title in ((axes[0], unstaggered, "all pipelines at minute 0"), (axes[1], staggered, "staggered")):
        series = plan.metrics.pod_ips_by_zone
        for index, zone in enumerate(zones):
            axis.plot([minute[index] for minute in series], label=zone, linewidth=0.8)
        axis.axhline(summary["pod_ip_capacity_by_zone"], color="red", linestyle="--", label="pod subnet (per zone)")
        axis.set_title(f"Pod IPs per zone: {title}")
        axis.set_xlabel("minute of the day")
    axes[0].set_ylabel("pod addresses held (/28 prefixes x 16)")
    axes[1].legend(loc="upper right", fontsize="small")
    figure.tight_layout()
    figure.savefig(out / "pod_ips.png", dpi=90)
    plt.close(figure)
    names.append("pod_ips.png")

    figure, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
    for axis, plan, title in ((axes[0], unstaggered, "all pipelines at minute 0"), (axes[1], staggered, "staggered")):
        for pool, series in plan.metrics.vcpu_by_pool.items():
            line = axis.plot(series, label=f"spark-{pool}", linewidth=0.8)[0]
            axis.axhline(
                summary["vcpu_limit_by_pool"][pool], color=line.get_color(), linestyle="--", label=f"{pool} limit"
            )
        axis.set_title(f"NodePool vCPU: {title}")
        axis.set_xlabel("minute of the day")
    axes[0].set_ylabel("vCPU of the pool's nodes")
    axes[1].legend(loc="upper right", fontsize="small")
    figure.tight_layout()
    figure.savefig(out / "vcpu.png", dpi=90)
    plt.close(figure)
    names.append("vcpu.png")
    return names


def markdown(document: dict[str, Any], charts: list[str]) -> str:
    minute0 = document.get("all_at_minute_0", {})
    lines = [
        f"# Capacity plan: {document['pipelines']} pipelines, {document['job_runs']} job runs a day ({document['region']})",
        "",
        "| | staggered (deployed) | all at minute 0 |",
        "|---|---|---|",
        f"| peak pod IPs (capacity {document['pod_ip_capacity']}) | {document['peak_pod_ips']} | {minute0.get('peak_pod_ips', '')} |",
        f"| peak nodes | {document['peak_nodes']} | {minute0.get('peak_nodes', '')} |",
    ]
    for pool, peak in document["peak_vcpu_by_pool"].items():
        lines.append(
            f"| peak vCPU spark-{pool} (limit {document['vcpu_limit_by_pool'][pool]}) | {peak} | "
            f"{minute0.get('peak_vcpu_by_pool', {}).get(pool, '')} |"
        )
    lines += [
        f"| queued job-minutes | {document['queued_job_minutes']} | {minute0.get('queued_job_minutes', '')} |",
        f"| cost per day (USD) | {document['cost_per_day_usd']} | {minute0.get('cost_per_day_usd', '')} |",
        "",
        *[f"![{name}]({name})" for name in charts],
        "",
        "## Per pipeline run (USD)",
        "",
        *[f"- {dag_id}: {cost}" for dag_id, cost in document["cost_per_pipeline_run_usd"].items()],
        "",
        "## Packing of each job's executors on an empty pool",
        "",
        "| job | instance types | cpu requested/allocatable | memory |",
        "|---|---|---|---|",
        *[
            f"| {job} | {item['instance_types']} | {item['cpu']} | {item['memory']} |"
            for job, item in document["packing_efficiency_by_job"].items()
        ],
        "",
        "## Prices",
        "",
        f"{document['prices']['region']} table checked {document['prices']['checked']}; "
        f"on-demand: {document['prices']['on_demand_source']}; spot: {document['prices']['spot_source']}.",
        *[f"- {note}" for note in document["prices"]["notes"]],
        "",
        "## Problems (make plan CHECK=1 fails on these)",
        "",
        *([f"- {problem}" for problem in document["problems"]] or ["None."]),
        "",
    ]
    return "\n".join(lines)

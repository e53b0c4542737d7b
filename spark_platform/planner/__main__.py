"""``python -m spark_platform.planner [--config PATH] [--out DIR] [--check] [--no-charts]``.

Simulates the day twice (the deployed, staggered schedules and the same pipelines all started
at minute 0), writes plan.json, plan.md and the charts to ``--out``, prints the headline
figures; with ``--check`` exits 1 when the staggered day exceeds the pod address space, a
NodePool limit or a team quota. A bad configuration exits 2 with one line naming the field.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spark_platform.config import ConfigError, load_config
from spark_platform.jobs.pipelines import check_pipelines
from spark_platform.planner.fixed_cost import fixed_monthly_cost
from spark_platform.planner.fixed_cost import markdown as fixed_markdown
from spark_platform.planner.plan import simulate_day
from spark_platform.planner.report import draw_charts, markdown, plan_document, write_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spark_platform.planner", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="", help="platform YAML (default: the built-in sandbox)")
    parser.add_argument("--out", default="plan", help="output folder (default: plan/)")
    parser.add_argument("--check", action="store_true", help="exit 1 when the day overflows a limit")
    parser.add_argument("--no-charts", action="store_true", help="skip the PNG charts (no matplotlib needed)")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        pipelines = check_pipelines(config)
        staggered = simulate_day(config, pipelines=pipelines)
        unstaggered = simulate_day(config, stagger=False, pipelines=pipelines)
    except ConfigError as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    document = plan_document(staggered, unstaggered)
    fixed = fixed_monthly_cost(config)
    document["fixed_cost"] = fixed.document()
    write_json(document, out / "plan.json")
    charts = [] if args.no_charts else draw_charts(staggered, unstaggered, out)
    (out / "plan.md").write_text(markdown(document, charts) + "\n" + fixed_markdown(fixed), encoding="utf-8")
    print(
        f"plan: {document['pipelines']} pipelines, peak pod IPs {document['peak_pod_ips']}/{document['pod_ip_capacity']}, "
        f"peak nodes {document['peak_nodes']}, peak vCPU {document['peak_vcpu_by_pool']} "
        f"(limits {document['vcpu_limit_by_pool']}), queued job-minutes {document['queued_job_minutes']}, "
        f"USD {document['cost_per_day_usd']}/day for the jobs, plus USD {fixed.monthly_usd:,.2f}/month for the "
        f"platform itself -> {out / 'plan.json'}"
    )
    for problem in document["problems"]:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if args.check and document["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())

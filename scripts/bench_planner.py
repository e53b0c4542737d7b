"""Planner benchmark (`make bench`): a day of 250, 500 and 1,000 generated pipelines of 5 jobs.

Each size runs `python -m spark_platform.planner --no-charts` in a fresh process, exactly what
`make plan` runs minus the charts: load and check every pipeline as synth does, simulate the
day staggered and all at minute 0, write plan.json. One JSON object per line:

    pipelines, jobs, job_runs, seconds (the whole command), planning_seconds (after the imports:
    reading and checking the pipelines, two simulated days, plan.json), peak_rss_mb (the
    planner's process), ms_per_pipeline (planning_seconds per pipeline)

The goal is under 10 s for 1,000 pipelines on 2 cores, and ms_per_pipeline staying flat
(linear growth). A first line gives the fixed cost of importing the planner (it imports the
CDK, which starts Node.js).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spark_platform.planner.synthetic import synthetic_platform  # noqa: E402

SIZES = (250, 500, 1000)
# The planner's own process, reporting its peak resident memory (the Node.js process jsii starts
# when the platform's modules import aws_cdk is not counted).
MEASURED = (
    "import resource, runpy, sys, time\n"
    "import spark_platform.planner.plan\n"
    "started = time.perf_counter()\n"
    "sys.argv[0] = 'spark_platform.planner'\n"
    "try:\n    runpy.run_module('spark_platform.planner', run_name='__main__')\n"
    "except SystemExit as e:\n    assert not e.code, e.code\n"
    "print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
)
JOBS = 5


def run(pipelines: int, work: Path) -> dict:
    config = synthetic_platform(work / f"pipelines-{pipelines}", pipelines=pipelines, teams=20, jobs=JOBS)
    path = work / f"platform-{pipelines}.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    out = work / f"plan-{pipelines}"
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", MEASURED, "--config", str(path), "--out", str(out), "--no-charts"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    planning, peak_kb = child.stdout.split()[-2:]
    plan = json.loads((out / "plan.json").read_text())
    return {
        "pipelines": pipelines,
        "jobs": pipelines * JOBS,
        "job_runs": plan["job_runs"],
        "seconds": round(seconds, 2),
        "planning_seconds": round(float(planning), 2),
        "peak_rss_mb": round(int(peak_kb) / 1024),
        "ms_per_pipeline": round(float(planning) * 1000 / pipelines, 2),
    }


def startup() -> float:
    """Importing the planner (and with it the CDK, which starts Node.js): a fixed cost."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import spark_platform.planner.plan"], cwd=ROOT, check=True)
    return round(time.perf_counter() - started, 2)


def main() -> None:
    print(json.dumps({"startup_seconds": startup()}), flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for size in SIZES:
            print(json.dumps(run(size, Path(folder))), flush=True)


if __name__ == "__main__":
    main()

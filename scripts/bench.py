"""Synth benchmark: the platform with 1, 10, 50 and 200 generated teams (`make bench`).

Each size is synthesized by `python app.py` in a fresh process (exactly what `cdk synth` runs),
with a generated configuration; one JSON object per line is printed per size:

    teams, synth_seconds, peak_rss_mb, stacks, max_resources_per_stack, max_template_bytes,
    lambda_functions, custom_resources, cdk_out_bytes

peak_rss_mb is the peak of the summed resident memory of the synth process tree (Python and the
Node.js process jsii runs), sampled every 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spark_platform.config.teams import MAX_TEAMS_PER_STACK  # noqa: E402
from spark_platform.planner.synthetic import SSO_ADMIN_PATTERN  # noqa: E402

SIZES = (1, 10, 50, 200)


def generated_config(teams: int, pipelines_dir: Path) -> dict:
    """The sandbox settings with ``teams`` typical teams (two Glue databases, a shared read)."""
    return {
        "name_prefix": "bench",
        "environment": {"region": "eu-west-1", "availability_zones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"]},
        "cluster": {"admin_role": {"trusted_principal_arn_patterns": [SSO_ADMIN_PATTERN]}},
        # MWAA included, with no pipelines (the sample pipelines name the sandbox's teams).
        "orchestration": {"pipelines_dir": str(pipelines_dir)},
        "teams": [
            {
                "name": f"team-{index:03d}",
                "namespace": f"spark-team-{index:03d}",
                "release_labels": ["emr-7.12.0-latest"],
                "glue_databases": [f"team_{index:03d}_raw", f"team_{index:03d}_curated"],
                "s3_read": [f"s3://bench-landing-zone/team-{index:03d}/"],
                **({"read_team_data": ["team-000"]} if index else {}),
                # Pinned as a platform team would, the stacks filled in order.
                "stack": 1 + index // MAX_TEAMS_PER_STACK,
            }
            for index in range(teams)
        ],
    }


def _tree_rss_kb(pid: int) -> int:
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def synth(teams: int, workdir: Path) -> dict:
    config_file = workdir / f"teams-{teams}.yaml"
    empty = workdir / "no-pipelines"
    empty.mkdir(exist_ok=True)
    config_file.write_text(yaml.safe_dump(generated_config(teams, empty)))
    outdir = workdir / f"cdk.out-{teams}"
    # The CLI passes cdk.json's context (feature flags) to the app; do the same.
    context = {**json.loads((ROOT / "cdk.json").read_text())["context"], "config": str(config_file)}
    env = {**os.environ, "CDK_OUTDIR": str(outdir), "CDK_CONTEXT_JSON": json.dumps(context)}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak = 0

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, _tree_rss_kb(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"synth with {teams} teams failed:\n{stderr.decode()[-3000:]}")
    return {"teams": teams, "synth_seconds": round(elapsed, 1), "peak_rss_mb": round(peak / 1024), **measure(outdir)}


def measure(outdir: Path) -> dict:
    manifest = json.loads((outdir / "manifest.json").read_text())
    resources, sizes, functions, custom = [], [], 0, 0
    for artifact in manifest["artifacts"].values():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        path = outdir / artifact["properties"]["templateFile"]
        template = json.loads(path.read_text())
        types = [resource["Type"] for resource in template.get("Resources", {}).values()]
        resources.append(len(types))
        sizes.append(path.stat().st_size)
        functions += types.count("AWS::Lambda::Function")
        custom += sum(1 for t in types if t.startswith("Custom::") or t == "AWS::CloudFormation::CustomResource")
    return {
        "stacks": len(resources),
        "max_resources_per_stack": max(resources),
        "max_template_bytes": max(sizes),
        "lambda_functions": functions,
        "custom_resources": custom,
        "cdk_out_bytes": sum(f.stat().st_size for f in outdir.rglob("*") if f.is_file()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(SIZES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="spark-platform-bench-") as workdir:
        for teams in args.sizes:
            print(json.dumps(synth(teams, Path(workdir))), flush=True)


if __name__ == "__main__":
    main()

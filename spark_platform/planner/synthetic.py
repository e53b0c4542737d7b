"""Generated platforms for the planner's benchmark and tests: many teams, many pipelines.

``synthetic_platform(pipelines, ...)`` writes one pipelines file per team into ``directory`` and
returns the platform configuration (a mapping for ``config.from_mapping``) that points at it.
Every pipeline has ``jobs`` jobs in a diamond of dependencies; one pipeline in
``hourly_every`` runs hourly, the others daily at an hour of their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from spark_platform.config.teams import MAX_TEAMS_PER_STACK

RELEASE = "emr-7.12.0-latest"


SSO_ADMIN_PATTERN = "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_PlatformAdmin_*"


def _jobs(seed: int, count: int, *, executors: int, executor_cores: int, minutes: int) -> list[dict[str, Any]]:
    jobs = []
    for index in range(count):
        upstream = [] if index == 0 else ([f"step_{index - 1}"] if index % 2 else ["step_0"])
        jobs.append(
            {
                "id": f"step_{index}",
                "job_type": "pyspark-analytics",
                "release_label": RELEASE,
                "entry_point": f"jobs/step_{index}.py",
                "executors": executors + (seed + index) % 3,
                "executor_cores": executor_cores,
                "executor_memory": f"{executor_cores * 2}g",
                "expected_minutes": minutes + (seed * 7 + index * 3) % 10,
                **({"depends_on": upstream} if upstream else {}),
            }
        )
    return jobs


def synthetic_platform(
    directory: Path,
    *,
    pipelines: int,
    teams: int = 10,
    jobs: int = 5,
    hourly_every: int = 5,
    executors: int = 4,
    executor_cores: int = 2,
    minutes: int = 15,
    pod_cidr: str = "100.64.0.0/16",
    pool_cpu_limit: int = 100000,
) -> dict[str, Any]:
    directory.mkdir(parents=True, exist_ok=True)
    per_team: dict[int, list[dict[str, Any]]] = {team: [] for team in range(teams)}
    for index in range(pipelines):
        per_team[index % teams].append(
            {
                "id": f"p{index:04d}",
                "schedule": "hourly" if index % hourly_every == 0 else "daily",
                "hour": index % 24,
                "jobs": _jobs(index, jobs, executors=executors, executor_cores=executor_cores, minutes=minutes),
            }
        )
    for team, entries in per_team.items():
        (directory / f"team{team:03d}.yaml").write_text(
            yaml.safe_dump({"team": f"team-{team:03d}", "pipelines": entries}, sort_keys=False), encoding="utf-8"
        )
    pool = {"cpu_limit": pool_cpu_limit, "memory_limit_gib": pool_cpu_limit * 8}
    return {
        "name_prefix": "plan",
        "environment": {"region": "eu-west-1", "availability_zones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"]},
        "network": {"pod_cidr": pod_cidr},
        # Any valid administrator: the planner never deploys, but the configuration must be whole.
        "cluster": {"admin_role": {"trusted_principal_arn_patterns": [SSO_ADMIN_PATTERN]}},
        "karpenter": {"driver": pool, "executor": pool},
        "orchestration": {"pipelines_dir": str(directory)},
        "images": [{"job_type": "pyspark-analytics", "release_labels": [RELEASE]}],
        "teams": [
            {
                "name": f"team-{team:03d}",
                "namespace": f"spark-team-{team:03d}",
                "release_labels": [RELEASE],
                "quota": {"cpu": 20000, "memory_gib": 80000, "pods": 50000},
                "stack": 1 + team // MAX_TEAMS_PER_STACK,
            }
            for team in range(teams)
        ],
    }

"""Check a hand-written StartJobRun's configurationOverrides before submitting it.

    python -m spark_platform.orchestration.check_overrides team-document.json overrides.json

The ad-hoc `aws emr-containers start-job-run` of docs/orchestration.md builds its overrides from the team
document (/<prefix>/teams/<team>); this refuses, with the same rules and messages as the DAG
factory, any spark-defaults setting that would escape the team's pod templates or turn off the
platform's encryption, unless it is exactly the value the team document sets. Exit 1 with one
line per refused setting. (The namespace's Pod Security Admission still refuses hostPath and
privileged pods of a submission that skips this check.)
"""

from __future__ import annotations

import json
import sys
from typing import Any

from spark_platform.jobs.dag_package import pipeline_model


def refused_overrides(document: dict[str, Any], overrides: dict[str, Any]) -> list[str]:
    platform = document["spark_conf"]
    refused = []
    for entry in overrides.get("applicationConfiguration", []):
        if entry.get("classification") != "spark-defaults":
            continue
        for key, value in sorted(entry.get("properties", {}).items()):
            why = pipeline_model().refused_spark_setting(key)
            if why and platform.get(key) != value and key != "spark.kubernetes.container.image":
                refused.append(f"spark-defaults: sets {key!r}, which {why}; remove it or use the team document's value")
    return refused


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as document, open(argv[1], encoding="utf-8") as overrides:
        problems = refused_overrides(json.load(document), json.load(overrides))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

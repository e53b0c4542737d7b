"""Print a short summary of a synthesized cloud assembly (what `make synth` produced)."""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

SETTINGS_FILE = "platform-settings.json"


def summarize(assembly: Path) -> dict:
    manifest = json.loads((assembly / "manifest.json").read_text())
    stacks = {}
    totals: Counter[str] = Counter()
    for name, artifact in sorted(manifest["artifacts"].items()):
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        template = json.loads((assembly / artifact["properties"]["templateFile"]).read_text())
        types = Counter(resource["Type"] for resource in template.get("Resources", {}).values())
        stacks[name] = sum(types.values())
        totals.update(types)
    return {
        "stacks": stacks,
        "lambda_functions": totals["AWS::Lambda::Function"],
        "custom_resources": sum(
            n for t, n in totals.items() if t.startswith("Custom::") or t == "AWS::CloudFormation::CustomResource"
        ),
        "settings": json.loads((assembly / SETTINGS_FILE).read_text()) if (assembly / SETTINGS_FILE).exists() else {},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("assembly", type=Path)
    parser.add_argument("--started-at", type=float, help="epoch seconds when synth started")
    args = parser.parse_args()
    summary = summarize(args.assembly)
    print()
    print(f"Synthesized {len(summary['stacks'])} stacks into {args.assembly}/", end="")
    print(f" in {time.time() - args.started_at:.1f} s" if args.started_at else "")
    for name, count in summary["stacks"].items():
        print(f"  {name:<32} {count:>4} resources")
    print(f"  Lambda functions: {summary['lambda_functions']}, custom resources: {summary['custom_resources']}")
    for key, value in summary["settings"].items():
        print(f"  {key:<32} {value}")


if __name__ == "__main__":
    main()

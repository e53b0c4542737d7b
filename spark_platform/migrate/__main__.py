"""``python -m spark_platform.migrate SOURCE... --team NAME [--config PATH] [--out DIR] [--check]``.

Writes ``DIR/pipelines/<team>.yaml`` (the platform's pipelines format, checked as ``cdk synth``
checks it) and ``DIR/migration.md`` (jobs, what changed, what cannot move by itself, cost before
and after). ``--check`` writes nothing and exits 1 when either file differs from what the
sources translate to now (CI keeps a committed migration current). A bad input exits 2 with
one line per problem, naming the file and the field.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from spark_platform.config import ConfigError, load_config
from spark_platform.config.schemas import SCHEMA_DIR
from spark_platform.migrate.assistant import migrate
from spark_platform.migrate.model import SourceError
from spark_platform.migrate.report import markdown, pipelines_yaml


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spark_platform.migrate", description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="+", type=Path, help="DAG files (.py), RunJobFlow / CLI output (.json, .yaml)")
    parser.add_argument("--team", required=True, help="the team whose pipelines these become")
    parser.add_argument("--config", default="", help="platform YAML (default: the built-in sandbox)")
    parser.add_argument("--out", default="migration", type=Path, help="output folder (default: migration/)")
    parser.add_argument("--job-type", default="pyspark-analytics", help="job type when no other fits the step")
    parser.add_argument("--schedule", default=None, help="schedule for inputs without a DAG (default @daily)")
    parser.add_argument("--bootstrap-dir", type=Path, default=None, help="local copies of the bootstrap scripts")
    parser.add_argument("--check", action="store_true", help="exit 1 when the written files are stale")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        result = migrate(
            args.sources,
            config=config,
            team_name=args.team,
            job_type=args.job_type,
            schedule=args.schedule,
            bootstrap_dir=args.bootstrap_dir,
        )
    except (SourceError, ConfigError) as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    pipelines = args.out / "pipelines" / f"{args.team}.yaml"
    schema = Path(os.path.relpath(SCHEMA_DIR / "pipeline.schema.json", pipelines.parent.absolute())).as_posix()
    files = {
        pipelines: pipelines_yaml(result, [path.name for path in args.sources], schema),
        args.out / "migration.md": markdown(result),
    }
    if args.check:
        stale = [path for path, text in files.items() if not path.is_file() or path.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"{path} is stale: run `make migrate` (python -m spark_platform.migrate ...) again", file=sys.stderr)
        return 1 if stale else 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    jobs = sum(len(m.translation.pipeline["jobs"]) for m in result.workflows)
    items = sum(len(m.items) + len(m.translation.items) + len(m.translation.refused) for m in result.workflows)
    print(
        f"migrate: {jobs} jobs in {len(result.workflows)} pipelines for team {args.team}, {items} items need action, "
        f"USD {sum(m.before.cost_per_day_usd for m in result.workflows):.2f}/day before, "
        f"{result.after.cost_per_day_usd:.2f}/day after -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

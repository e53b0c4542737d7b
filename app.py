#!/usr/bin/env python3
"""CDK entry point: read the configuration, compose the platform, check it, synthesize.

The YAML file is one front end: build_platform creates SparkPlatform and adds each configured
team (see examples/python-app/app.py for the same platform composed in Python).
"""

import json
import sys
from pathlib import Path

from aws_cdk import App

import spark_platform  # noqa: F401  (first: selects the pinned Node.js before aws_cdk loads)
from spark_platform.compliance import apply_compliance_checks
from spark_platform.config import ConfigError, load_config
from spark_platform.planner.fixed_cost import fixed_monthly_cost
from spark_platform.planner.fixed_cost import summary as fixed_cost_summary
from spark_platform.stacks import build_platform


def main() -> None:
    app = App()
    try:
        config = load_config(app.node.try_get_context("config"))
        build_platform(app, config)
    except ConfigError as error:
        problems = str(error).splitlines()
        if len(problems) == 1:
            sys.exit(f"error: invalid platform configuration: {problems[0]}")
        sys.exit(f"error: invalid platform configuration, {len(problems)} problems:\n" + "\n".join(problems))
    apply_compliance_checks(app)
    assembly = app.synth()
    # Read by `make synth` for its summary; not a CloudFormation input.
    settings = config.describe()
    settings.update(fixed_cost_summary(fixed_monthly_cost(config)))
    Path(assembly.directory, "platform-settings.json").write_text(json.dumps(settings, indent=2) + "\n")


if __name__ == "__main__":
    main()

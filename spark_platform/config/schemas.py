"""JSON Schemas of platform.yaml and pipelines/*.yaml, generated from the models.

    python -m spark_platform.config.schemas          # rewrite schemas/*.schema.json
    python -m spark_platform.config.schemas --check  # fail if they are stale (make test does)

Editors validate and complete the files as you type through the `yaml-language-server` modeline
at the top of each example. The platform schema comes from the pydantic models; a section given
in part keeps its defaults (from_mapping), so no field of a defaulted section is required there.
The pipelines schema comes from the DAG package's own dataclasses (pydantic reads those too), so
it cannot drift from what the DAG factory parses.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import typing
from pathlib import Path

from pydantic import TypeAdapter

from spark_platform.config.generated import regenerate
from spark_platform.config.platform import PlatformConfig
from spark_platform.jobs.dag_package import pipeline_model

SCHEMA_DIR = Path(__file__).resolve().parent.parent.parent / "schemas"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCALAR = {"type": ["string", "number", "boolean"]}


def _defaulted_sections(cls: type, found: set[str]) -> set[str]:
    """Names of the section types that a file may give in part (they have a default)."""
    for item in dataclasses.fields(cls):
        hint = typing.get_type_hints(cls)[item.name]
        for kind in (hint, *typing.get_args(hint)):
            if dataclasses.is_dataclass(kind):
                if item.default_factory is not dataclasses.MISSING:
                    found.add(kind.__name__)
                _defaulted_sections(kind, found)
    return found


def platform_schema() -> dict:
    schema = TypeAdapter(PlatformConfig).json_schema()
    for name in _defaulted_sections(PlatformConfig, set()):
        schema["$defs"][name].pop("required", None)
    return {"$schema": DRAFT, "title": "Spark on EMR on EKS platform configuration", **schema}


def pipeline_schema() -> dict:
    model = pipeline_model()
    job = TypeAdapter(model.SparkJob).json_schema()
    nested = job.pop("$defs", {})  # Shadow: hoisted to the root, where its $ref points
    for schema in nested.values():
        schema["additionalProperties"] = False
    job["additionalProperties"] = False
    # The parser turns arguments and spark_conf values into strings: numbers are fine in YAML.
    job["properties"]["arguments"]["items"] = SCALAR
    job["properties"]["spark_conf"]["additionalProperties"] = SCALAR
    pipeline = TypeAdapter(model.Pipeline).json_schema()
    pipeline.pop("$defs", None)
    pipeline["properties"].pop("team")
    pipeline["properties"].pop("source")  # where the parser found it, not a field of the file
    pipeline["properties"]["jobs"] = {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/SparkJob"}}
    pipeline["required"] = ["id", "jobs"]
    pipeline["additionalProperties"] = False
    return {
        "$schema": DRAFT,
        "title": "A team's pipelines (orchestration/dags/pipelines/<team>.yaml)",
        "type": "object",
        "properties": {
            "team": {"type": "string"},
            "pipelines": {"type": "array", "items": {"$ref": "#/$defs/Pipeline"}},
        },
        "required": ["team", "pipelines"],
        "additionalProperties": False,
        "$defs": {"SparkJob": job, "Pipeline": pipeline, **nested},
    }


def rendered() -> dict[Path, str]:
    return {
        SCHEMA_DIR / name: json.dumps(schema, indent=2, sort_keys=True) + "\n"
        for name, schema in (("platform.schema.json", platform_schema()), ("pipeline.schema.json", pipeline_schema()))
    }


def main(argv: list[str]) -> int:
    return regenerate(rendered(), argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The JSON Schemas editors use for platform.yaml and pipelines/*.yaml: current, and they agree
with the loaders on the files the project ships."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from spark_platform.config import ConfigError, from_mapping, load_config
from spark_platform.config.schemas import SCHEMA_DIR, main
from spark_platform.jobs.dag_package import pipeline_model

from .conftest import ROOT

PLATFORM_FILES = sorted(ROOT.glob("examples/**/platform.yaml"))
PIPELINE_FILES = sorted([*ROOT.glob("orchestration/dags/pipelines/*.yaml"), *ROOT.glob("examples/**/pipelines/*.yaml")])


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_checked_in_schemas_are_generated_from_the_current_models():
    assert main(["--check"]) == 0, "run `make schemas` and commit schemas/"


@pytest.mark.parametrize("path", PLATFORM_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_platform_file_passes_the_schema_and_the_loader(path: Path):
    assert list(validator("platform.schema.json").iter_errors(yaml.safe_load(path.read_text()))) == []
    load_config(str(path))
    modeline = path.read_text().splitlines()[0]
    assert modeline.startswith("# yaml-language-server: $schema=")
    assert (path.parent / modeline.split("=", 1)[1]).resolve() == SCHEMA_DIR / "platform.schema.json"


@pytest.mark.parametrize("path", PIPELINE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_pipelines_file_passes_the_schema_and_the_dag_model(path: Path):
    data = yaml.safe_load(path.read_text())
    assert list(validator("pipeline.schema.json").iter_errors(data)) == []
    assert pipeline_model().parse_pipelines(data, path.name)
    modeline = path.read_text().splitlines()[0]
    assert (path.parent / modeline.split("=", 1)[1]).resolve() == SCHEMA_DIR / "pipeline.schema.json"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["cluster"].update(kubernetes_verison="1.36"), r"^cluster: unknown field 'kubernetes_verison'"),
        (lambda d: d["teams"][0]["quota"].update(cpu="lots"), r"^teams\[0\]\.quota\.cpu: expected an integer"),
        (
            lambda d: d["karpenter"]["executor"].update(cpu_limit=True),
            r"^karpenter\.executor\.cpu_limit: expected an integer",
        ),
        (lambda d: d.update(teams={"name": "x"}), r"^teams: expected a list"),
    ],
)
def test_the_schema_and_the_loader_refuse_the_same_mistakes(change, message):
    data = yaml.safe_load((ROOT / "examples" / "platform.yaml").read_text())
    data["teams"][0]["quota"] = {}
    change(data)
    assert list(validator("platform.schema.json").iter_errors(data)), "the schema accepts it"
    with pytest.raises(ConfigError, match=message):
        from_mapping(data)


def test_the_pipelines_schema_refuses_an_unknown_job_field_as_the_dag_model_does():
    data = {"team": "t", "pipelines": [{"id": "p", "jobs": [{"id": "a", "entry_point": "a.py", "job_type": "x",
                                                          "release_label": "emr-7.12.0-latest", "executorz": 3}]}]}  # fmt: skip
    assert list(validator("pipeline.schema.json").iter_errors(data))
    with pytest.raises(pipeline_model().PipelineError, match="unknown field 'executorz'"):
        pipeline_model().parse_pipelines(data, "t.yaml")

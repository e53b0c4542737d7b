"""docs/api.md is generated from the docstrings and every public member has one."""

from __future__ import annotations

import importlib.util
import sys

from .conftest import ROOT


def _generator():
    spec = importlib.util.spec_from_file_location("api_reference", ROOT / "scripts" / "api_reference.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("api_reference", module)
    spec.loader.exec_module(module)
    return module


def test_the_api_reference_is_current():
    generator = _generator()
    assert generator.REFERENCE.read_text() == generator.rendered(), "docs/api.md is stale: run `make docs`"


def test_every_public_class_method_and_property_has_a_docstring():
    assert _generator().undocumented() == []


def test_the_verbs_a_platform_team_uses_are_in_the_reference():
    text = (ROOT / "docs" / "api.md").read_text()
    for verb in ("SparkPlatform.add_team(", "SparkPlatform.add_pipelines(", "SparkPlatform.grant_start_job_run("):
        assert verb in text

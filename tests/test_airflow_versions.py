"""Every accepted Airflow version is one MWAA runs, tested with what MWAA installs for it."""

from __future__ import annotations

import copy
import re

import pytest

from spark_platform.config import ConfigError, from_mapping
from spark_platform.orchestration.airflow import mwaa_requirements
from spark_platform.orchestration.mwaa_versions import (
    DEFAULT_AIRFLOW_VERSION,
    MWAA_AIRFLOW,
    OLDEST_AIRFLOW_VERSION,
    airflow_configuration_options,
    upgrade_steps,
)

from .conftest import ROOT, VARIANT

ENVS = ROOT / "tests_airflow" / "envs"


def makefile_variable(name: str) -> str:
    (value,) = re.findall(rf"^{name} := (.*)$", (ROOT / "Makefile").read_text(), flags=re.MULTILINE)
    return value.strip()


def orchestration(**settings):
    data = copy.deepcopy(VARIANT)
    data["orchestration"] = {"enabled": True, **settings}
    return from_mapping(data).orchestration


def test_the_makefile_tests_exactly_the_accepted_versions_and_make_test_the_default_and_oldest():
    assert makefile_variable("AIRFLOW_VERSIONS").split() == list(MWAA_AIRFLOW)
    assert makefile_variable("AIRFLOW_DEFAULT") == DEFAULT_AIRFLOW_VERSION == orchestration().airflow_version
    assert makefile_variable("AIRFLOW_OLDEST") == OLDEST_AIRFLOW_VERSION == min(MWAA_AIRFLOW, key=_key)


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@pytest.mark.parametrize("version", list(MWAA_AIRFLOW))
def test_each_version_is_tested_with_the_airflow_and_amazon_provider_mwaa_installs(version):
    mwaa = MWAA_AIRFLOW[version]
    requirements = (ENVS / version / "requirements.txt").read_text().splitlines()
    constraints = (ENVS / version / "constraints.txt").read_text().splitlines()
    for pin in (f"apache-airflow=={version}", f"apache-airflow-providers-amazon=={mwaa.amazon_provider}"):
        assert pin in requirements and pin in constraints, f"{version}: {pin}"
    # ... and MWAA gets the same provider from the generated requirements.txt.
    assert (
        f"apache-airflow-providers-amazon=={mwaa.amazon_provider}"
        in mwaa_requirements(orchestration(airflow_version=version)).splitlines()
    )


@pytest.mark.parametrize(
    ("version", "python"),
    [("2.9.2", "3.11"), ("2.10.1", "3.11"), ("2.10.3", "3.11"), ("2.11.0", "3.12"), ("3.0.6", "3.12")],
)
def test_requirements_name_the_constraints_of_the_python_mwaa_runs_the_version_on(version, python):
    first = mwaa_requirements(orchestration(airflow_version=version)).splitlines()[0]
    assert first == (
        f'--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-{version}/constraints-{python}.txt"'
    )


def test_airflow_settings_use_the_names_of_the_version(sandbox):
    (environment,) = sandbox.resources("AWS::MWAA::Environment").values()
    assert environment["Properties"]["AirflowConfigurationOptions"] == {
        "core.load_examples": "False",
        "dag_processor.dag_file_processor_timeout": "120",  # Airflow 3's name; core.* would be ignored
    }
    assert airflow_configuration_options("2.11.0") == {
        "core.load_examples": "False",
        "core.dag_file_processor_timeout": "120",
    }


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("2.7.2", r"'2\.7\.2' is not supported by the platform \(MWAA installs amazon provider 8\.7\.1, "),
        ("2.8.1", r"'2\.8\.1' is not supported by the platform \(MWAA installs amazon provider 8\.16\.0, "),
        ("3.1.0", r"'3\.1\.0' is not offered by MWAA"),
    ],
)
def test_an_unsupported_version_fails_naming_the_supported_ones(version, message):
    with pytest.raises(
        ConfigError,
        match=rf"^orchestration\.airflow_version: {message}.*use one of 2\.9\.2, 2\.10\.1, 2\.10\.3, 2\.11\.0, 3\.0\.6$",
    ):
        orchestration(airflow_version=version)


@pytest.mark.parametrize(
    ("current", "target", "steps"),
    [
        ("2.10.3", "2.11.0", ["2.11.0"]),  # a minor upgrade in place
        ("2.11.0", "2.9.2", ["2.9.2"]),  # minor versions move down in place too
        ("2.11.0", "3.0.6", ["3.0.6"]),
        ("2.9.2", "3.0.6", ["2.11.0", "3.0.6"]),  # 2 -> 3 only from the latest 2.11
        ("3.0.6", "2.10.3", ["2.11.0", "2.10.3"]),
        ("3.0.6", "3.0.6", []),
    ],
)
def test_an_airflow_upgrade_takes_the_steps_mwaa_can_make_in_place(current, target, steps):
    assert upgrade_steps(current, target) == steps


def test_an_upgrade_to_a_version_mwaa_does_not_run_is_refused_with_the_versions_there_are():
    with pytest.raises(ValueError, match=r"'2\.8\.1' is not supported .* use one of 2\.9\.2, "):
        upgrade_steps("2.9.2", "2.8.1")

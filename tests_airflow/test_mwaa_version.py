"""This environment is the MWAA version it claims to be, and the platform's settings fit it.

Each Airflow version the platform accepts has its own environment (.venv-airflow-<version>,
from tests_airflow/envs/<version>/); `make test-airflow-matrix` runs this suite in every one.
"""

from __future__ import annotations

import os
from importlib.metadata import version

import pytest
from airflow.configuration import retrieve_configuration_description
from packaging.version import Version
from spark_platform_dags.model import PipelineError
from spark_platform_dags.provider import REGION_NAME_SINCE, emr_container_kwargs

from spark_platform.orchestration.mwaa_versions import (
    MWAA_AIRFLOW,
    airflow_configuration_options,
)

INSTALLED = version("apache-airflow")
MWAA = MWAA_AIRFLOW.get(INSTALLED)


def test_this_environment_runs_an_accepted_airflow_with_the_provider_mwaa_installs():
    assert MWAA is not None, f"Airflow {INSTALLED} is not an accepted version: {', '.join(MWAA_AIRFLOW)}"
    assert os.environ.get("MWAA_AIRFLOW_VERSION", INSTALLED) == INSTALLED  # the Makefile's venv is the right one
    assert version("apache-airflow-providers-amazon") == MWAA.amazon_provider


def test_the_platform_sets_airflow_options_under_names_this_version_reads():
    description = retrieve_configuration_description()
    for name in airflow_configuration_options(INSTALLED):
        section, option = name.split(".")
        assert option in description.get(section, {}).get("options", {}), f"{name} is not an Airflow {INSTALLED} option"


def test_the_old_dag_processor_timeout_name_would_be_ignored_on_airflow_3():
    options = retrieve_configuration_description()
    if MWAA.major >= 3:
        assert "dag_file_processor_timeout" not in options["core"]["options"]
        assert "dag_processor.dag_file_processor_timeout" in airflow_configuration_options(INSTALLED)
    else:
        assert "core.dag_file_processor_timeout" in airflow_configuration_options(INSTALLED)


def test_region_name_is_passed_only_to_providers_that_take_it():
    kwargs = emr_container_kwargs(job_retry_max_attempts=2, region="eu-west-1")
    assert kwargs["job_retry_max_attempts"] == 2
    installed = Version(MWAA.amazon_provider)
    assert ("region_name" in kwargs) == (installed >= REGION_NAME_SINCE)
    with pytest.raises(PipelineError, match=r"cannot set job_retry_max_attempts"):
        emr_container_kwargs(job_retry_max_attempts=2, region="eu-west-1", provider=Version("8.7.1"))

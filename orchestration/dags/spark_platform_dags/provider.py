"""EmrContainerOperator arguments the installed amazon provider understands.

MWAA installs a different provider for each Airflow version (8.24.0 on 2.9.2 ... 9.12.0 on 3.0.6),
and an argument the provider does not know fails the import of every DAG. Verified per version
by ``make test-airflow-matrix``.
"""

from __future__ import annotations

from importlib.metadata import version

from packaging.version import Version

from spark_platform_dags.model import PipelineError

PROVIDER = Version(version("apache-airflow-providers-amazon"))
# EmrContainerOperator(job_retry_max_attempts=...): provider 8.18.0 and later.
JOB_RETRIES_SINCE = Version("8.18.0")
# region_name on every AWS operator (AwsBaseOperator): provider 9.7.0 and later. Before it the
# hook takes the Region of the worker's environment (AWS_REGION, which MWAA sets to its own).
REGION_NAME_SINCE = Version("9.7.0")


def emr_container_kwargs(*, job_retry_max_attempts: int, region: str, provider: Version = PROVIDER) -> dict:
    if provider < JOB_RETRIES_SINCE:
        raise PipelineError(
            f"apache-airflow-providers-amazon {provider} cannot set job_retry_max_attempts; "
            f"use an Airflow version whose provider is {JOB_RETRIES_SINCE} or newer"
        )
    kwargs: dict = {"job_retry_max_attempts": job_retry_max_attempts}
    if provider >= REGION_NAME_SINCE:
        kwargs["region_name"] = region
    return kwargs

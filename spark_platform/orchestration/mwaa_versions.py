"""The Airflow versions the platform accepts on MWAA and what MWAA runs for each.

No CDK import: the Airflow test environments read this table too, and check that they run
exactly the Airflow and amazon provider listed here.

Sources, checked on ``CHECKED_ON`` (docs/orchestration.md, "Airflow versions"):

* MWAA guide, "Apache Airflow versions on Amazon MWAA": the versions MWAA offers and the
  Python each runs on (2.9.2-2.10.3 on 3.11, 2.11.0 and 3.0.6 on 3.12). The MWAA API reference
  (CreateEnvironment, ``AirflowVersion``; also in botocore 1.44.5's model) lists 2.7.2, 2.8.1,
  2.9.2, 2.10.1, 2.10.3, 2.11.0 and 3.0.6.
* MWAA guide, "Apache Airflow provider packages installed on Amazon MWAA environments": MWAA
  installs the providers of Airflow's constraints file for the version; the amazon provider
  below is the one that file pins (also what AWS's MWAA images install:
  aws/amazon-mwaa-docker-images, ``images/airflow/<version>/etc/airflow_constraints.txt``; the
  same images' ``Dockerfiles/Dockerfile.base`` confirm the Python of each version).
"""

from __future__ import annotations

from dataclasses import dataclass

CHECKED_ON = "2026-11-22"


@dataclass(frozen=True)
class MwaaAirflow:
    version: str
    python: str  # the Python MWAA runs this version on (names the constraints file)
    amazon_provider: str  # apache-airflow-providers-amazon that MWAA installs

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


MWAA_AIRFLOW: dict[str, MwaaAirflow] = {
    entry.version: entry
    for entry in (
        MwaaAirflow("2.9.2", python="3.11", amazon_provider="8.24.0"),
        MwaaAirflow("2.10.1", python="3.11", amazon_provider="8.28.0"),
        MwaaAirflow("2.10.3", python="3.11", amazon_provider="9.0.0"),
        MwaaAirflow("2.11.0", python="3.12", amazon_provider="9.8.0"),
        MwaaAirflow("3.0.6", python="3.12", amazon_provider="9.12.0"),
    )
}
DEFAULT_AIRFLOW_VERSION = "3.0.6"
OLDEST_AIRFLOW_VERSION = "2.9.2"

# Offered by MWAA, refused here: the provider MWAA installs has no EmrContainerOperator
# job_retry_max_attempts (added in 8.18.0), so EMR-side retries would silently disappear;
# raising it would mean replacing the boto3/botocore pins of Airflow's tested constraint set.
REFUSED_AIRFLOW_VERSIONS: dict[str, str] = {
    "2.7.2": "MWAA installs amazon provider 8.7.1, which cannot set EMR job retries",
    "2.8.1": "MWAA installs amazon provider 8.16.0, which cannot set EMR job retries",
}


def airflow_version_error(version: str) -> str | None:
    """Why ``version`` cannot be used, in one line naming the supported versions; None if it can."""
    if version in MWAA_AIRFLOW:
        return None
    supported = ", ".join(MWAA_AIRFLOW)
    if version in REFUSED_AIRFLOW_VERSIONS:
        return f"{version!r} is not supported by the platform ({REFUSED_AIRFLOW_VERSIONS[version]}); use one of {supported}"
    return f"{version!r} is not offered by MWAA; use one of {supported}"


def constraints_url(version: str) -> str:
    """Airflow's constraints file for the version and the Python MWAA runs it on."""
    python = MWAA_AIRFLOW[version].python
    return f"https://raw.githubusercontent.com/apache/airflow/constraints-{version}/constraints-{python}.txt"


def airflow_configuration_options(version: str) -> dict[str, str]:
    """Airflow settings for MWAA, under the names this version reads.

    Airflow 3 moved the DAG processor's settings out of ``core`` (``core.dag_file_processor_timeout``
    became ``dag_processor.dag_file_processor_timeout``); an old name would be ignored.
    """
    processor = "dag_processor" if MWAA_AIRFLOW[version].major >= 3 else "core"
    return {
        "core.load_examples": "False",
        f"{processor}.dag_file_processor_timeout": "120",  # the platform's DAG file builds many DAGs
    }


def upgrade_steps(current: str, target: str) -> list[str]:
    """The Airflow versions to deploy, in order, to move an MWAA environment from ``current`` to
    ``target`` in place (docs/operations.md, "Upgrade Airflow").

    MWAA guide, "Changing the Apache Airflow version" (upgrading-environment.html, formerly
    "Upgrading the Apache Airflow version"; checked 2026-11-29): an environment moves
    between minor versions of one major in either direction in place; to move from Airflow 2 to 3
    it first upgrades to the latest 2.11.x, then to 3.x; from 3.x it may go back to 2.11.x. MWAA
    snapshots the metadata database and restores it on failure. Each step is one `cdk deploy` of
    the orchestration stack (AirflowVersion is updated in place, not replaced).
    """
    for version in (current, target):
        if error := airflow_version_error(version):
            raise ValueError(error)
    if current == target:
        return []
    old, new = MWAA_AIRFLOW[current], MWAA_AIRFLOW[target]
    if old.major == new.major:
        return [target]
    latest_2 = max((v for v in MWAA_AIRFLOW.values() if v.major == 2), key=lambda v: _release(v.version)).version
    if old.major == 2:  # 2 -> 3 through the latest 2.11
        return [*([latest_2] if current != latest_2 else []), target]
    return [latest_2, *([target] if target != latest_2 else [])]  # 3 -> 2 through 2.11


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))

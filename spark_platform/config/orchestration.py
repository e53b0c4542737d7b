"""The MWAA environment that runs the teams' pipelines."""

from __future__ import annotations

from pydantic import StrictBool, StrictInt, StrictStr
from pydantic.dataclasses import dataclass

from spark_platform.config.errors import MODEL_CONFIG, check, fail, parse_cidr
from spark_platform.orchestration.mwaa_versions import (
    DEFAULT_AIRFLOW_VERSION,
    MWAA_AIRFLOW,
    airflow_version_error,
    constraints_url,
)

# Versions MWAA offers and the platform is tested with (spark_platform/orchestration/mwaa_versions.py);
# cfn-lint does not know them, so a typo would only fail at deploy.
MWAA_AIRFLOW_VERSIONS = tuple(MWAA_AIRFLOW)
MWAA_ENVIRONMENT_CLASSES = ("mw1.micro", "mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge")
MWAA_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class OrchestrationConfig:
    """The MWAA environment that runs the teams' pipelines."""

    enabled: StrictBool = True
    """Deploy the MWAA environment and its DAG bucket. False: no Airflow; submit jobs with the
    team documents (docs/orchestration.md)."""
    pipelines_dir: StrictStr | None = None
    """Where the teams' ``<team>.yaml`` pipeline files are (relative to the repository root, or
    absolute); synth checks every file against its team. Null: no pipelines yet, MWAA runs the DAG
    package alone. The sandbox uses the sample pipelines, orchestration/dags/pipelines."""
    artifacts_dir: StrictStr = "orchestration/artifacts"
    """The teams' job scripts and jars: its ``<team>/`` folder is uploaded to the team's artifacts
    prefix (``teams/<team>/`` of the artifacts bucket) on deploy, and synth refuses a pipeline of that
    team whose relative entry point or jar is missing from it. A team without a folder uploads its
    own. The default holds the sample pipelines' scripts (docs/observability.md)."""
    airflow_version: StrictStr = DEFAULT_AIRFLOW_VERSION
    """The Airflow version MWAA runs, quoted; one MWAA offers and the DAG tests run on
    (spark_platform/orchestration/mwaa_versions.py). Upgrades follow MWAA's in-place paths."""
    environment_class: StrictStr = "mw1.small"
    """MWAA environment class: mw1.micro, mw1.small, mw1.medium, mw1.large, mw1.xlarge or
    mw1.2xlarge (scheduler and worker size, and the monthly price)."""
    min_workers: StrictInt = 1
    """Fewest Airflow workers; at least 1, at most ``max_workers``."""
    max_workers: StrictInt = 10
    """Most Airflow workers MWAA scales to; at most 25 (1 on mw1.micro)."""
    schedulers: StrictInt = 2
    """Airflow schedulers: between 2 and 5 (exactly 1 on mw1.micro)."""
    webserver_access_mode: StrictStr = "PRIVATE_ONLY"
    """``PRIVATE_ONLY``: the Airflow UI is reachable only from inside the VPC (VPN, bastion);
    ``PUBLIC_ONLY``: from the internet, behind IAM sign-in."""
    webserver_allowed_cidrs: tuple[StrictStr, ...] = ()
    """Who may reach the private UI endpoint on 443, as CIDRs (never 0.0.0.0/0). Empty: the VPC
    only."""
    log_level: StrictStr = "INFO"
    """Level of every MWAA log (DAG processing, scheduler, task, webserver, worker): CRITICAL,
    ERROR, WARNING, INFO or DEBUG."""

    def __post_init__(self) -> None:
        with check():  # one group: every_problem reports the other sections too
            if error := airflow_version_error(self.airflow_version):
                fail("orchestration.airflow_version", error)
            if self.environment_class not in MWAA_ENVIRONMENT_CLASSES:
                fail(
                    "orchestration.environment_class",
                    f"{self.environment_class!r} is not one of {', '.join(MWAA_ENVIRONMENT_CLASSES)}",
                )
            if not 1 <= self.min_workers <= self.max_workers <= 25:
                fail(
                    "orchestration",
                    f"workers must satisfy 1 <= min_workers ({self.min_workers}) <= max_workers ({self.max_workers}) <= 25",
                )
            micro = self.environment_class == "mw1.micro"
            if micro and (self.schedulers != 1 or self.max_workers != 1):
                fail(
                    "orchestration",
                    "mw1.micro runs exactly 1 scheduler and 1 worker; set schedulers and max_workers to 1",
                )
            if not micro and not 2 <= self.schedulers <= 5:
                fail(
                    "orchestration.schedulers",
                    f"{self.schedulers} must be between 2 and 5 for {self.environment_class}",
                )
            if self.webserver_access_mode not in ("PRIVATE_ONLY", "PUBLIC_ONLY"):
                fail(
                    "orchestration.webserver_access_mode",
                    f"{self.webserver_access_mode!r} must be PRIVATE_ONLY or PUBLIC_ONLY",
                )
            for index, cidr in enumerate(self.webserver_allowed_cidrs):
                if parse_cidr(f"orchestration.webserver_allowed_cidrs[{index}]", cidr).prefixlen == 0:
                    fail(
                        f"orchestration.webserver_allowed_cidrs[{index}]",
                        "0.0.0.0/0 is not allowed; list the CIDRs of your users",
                    )
            if self.log_level not in MWAA_LOG_LEVELS:
                fail("orchestration.log_level", f"{self.log_level!r} is not one of {', '.join(MWAA_LOG_LEVELS)}")

    @property
    def python_version(self) -> str:
        """The Python MWAA runs this Airflow version on (from MWAA's versions page, not a rule)."""
        return MWAA_AIRFLOW[self.airflow_version].python

    @property
    def amazon_provider_version(self) -> str:
        """The apache-airflow-providers-amazon version MWAA installs with this Airflow version."""
        return MWAA_AIRFLOW[self.airflow_version].amazon_provider

    @property
    def constraints_url(self) -> str:
        """The Airflow constraints file MWAA's requirements are installed against."""
        return constraints_url(self.airflow_version)

"""Multi-team tenancy: shared storage and one SparkTeam per onboarded team."""

from spark_platform.tenancy.storage import TenantStorage, team_prefix
from spark_platform.tenancy.team import ClusterAccess, SparkTeam, team_parameter_name
from spark_platform.tenancy.trust import base36, irsa_trust_document, job_service_account_pattern

__all__ = [
    "ClusterAccess",
    "SparkTeam",
    "TenantStorage",
    "base36",
    "irsa_trust_document",
    "job_service_account_pattern",
    "team_parameter_name",
    "team_prefix",
]

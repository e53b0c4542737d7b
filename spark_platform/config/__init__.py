"""Platform configuration: typed models (pydantic), the built-in sandbox and the YAML loader.

One module per concern: environment (Region, zones, VPC), cluster (control plane, admins, system
nodes), karpenter, images, teams (and tenancy), orchestration (MWAA), platform (the whole, and
reading plain data); errors holds ConfigError and pydantic's errors in one-line form.
"""

from spark_platform.config.alerts import AlertsConfig, ObservabilityConfig
from spark_platform.config.cluster import AdminRoleConfig, ClusterConfig, SystemNodesConfig
from spark_platform.config.environment import EnvironmentConfig, NetworkConfig
from spark_platform.config.errors import ConfigError
from spark_platform.config.images import ImageConfig
from spark_platform.config.karpenter import KarpenterConfig, NodePoolConfig
from spark_platform.config.loader import load_config, sandbox_config
from spark_platform.config.orchestration import OrchestrationConfig
from spark_platform.config.platform import PlatformConfig, from_mapping
from spark_platform.config.teams import (
    EgressRule,
    QuotaConfig,
    S3Location,
    TeamConfig,
    TenancyConfig,
    glue_database_name,
    s3_location_parts,
    uses_pod_identity,
)

__all__ = [
    "AdminRoleConfig",
    "AlertsConfig",
    "ClusterConfig",
    "ConfigError",
    "EgressRule",
    "EnvironmentConfig",
    "ImageConfig",
    "KarpenterConfig",
    "NetworkConfig",
    "NodePoolConfig",
    "ObservabilityConfig",
    "OrchestrationConfig",
    "PlatformConfig",
    "QuotaConfig",
    "S3Location",
    "SystemNodesConfig",
    "TeamConfig",
    "TenancyConfig",
    "from_mapping",
    "glue_database_name",
    "load_config",
    "s3_location_parts",
    "sandbox_config",
    "uses_pod_identity",
]

"""Platform configuration: the typed settings, the built-in sandbox and the loader."""

from spark_platform.config.loader import load_config, sandbox_config
from spark_platform.config.settings import (
    AdminRoleConfig,
    ClusterConfig,
    ConfigError,
    EgressRule,
    EnvironmentConfig,
    ImageConfig,
    KarpenterConfig,
    NetworkConfig,
    NodePoolConfig,
    OrchestrationConfig,
    PlatformConfig,
    QuotaConfig,
    SystemNodesConfig,
    TeamConfig,
    TenancyConfig,
    from_mapping,
    s3_location_parts,
)

__all__ = [
    "AdminRoleConfig",
    "ClusterConfig",
    "ConfigError",
    "EgressRule",
    "EnvironmentConfig",
    "ImageConfig",
    "KarpenterConfig",
    "NetworkConfig",
    "NodePoolConfig",
    "OrchestrationConfig",
    "PlatformConfig",
    "QuotaConfig",
    "SystemNodesConfig",
    "TeamConfig",
    "TenancyConfig",
    "from_mapping",
    "load_config",
    "s3_location_parts",
    "sandbox_config",
]

"""A team's NetworkPolicies (manifests/team/network-policies.yaml), filled in for one platform."""

from __future__ import annotations

import ipaddress
from typing import Any

from spark_platform.config import NetworkConfig, TeamConfig
from spark_platform.config.environment import POD_CIDR_PARENTS, PRIVATE_PARENTS
from spark_platform.manifests import load_manifests

NETWORK_POLICIES = "manifests/team/network-policies.yaml"
POD_IDENTITY_AGENT_POLICY = "manifests/team/pod-identity-agent.yaml"

# Never reachable through the "public addresses" rule: every private range (other teams' pods,
# peered and on-premises networks), the carrier-grade NAT and benchmarking ranges pod CIDRs are
# drawn from, and link-local (the instance metadata service).
CLOSED_RANGES: tuple[str, ...] = (
    *(str(parent) for parent in PRIVATE_PARENTS),
    *(str(parent) for parent in POD_CIDR_PARENTS),
    "169.254.0.0/16",
)


def kubernetes_service_ip(service_cidr: str) -> str:
    """The `kubernetes` Service's address: Kubernetes gives it the first host of the range."""
    return str(next(ipaddress.IPv4Network(service_cidr).hosts()))


def network_policies(team: TeamConfig, network: NetworkConfig) -> list[dict[str, Any]]:
    """Default deny, then same-namespace traffic, DNS, AWS APIs over HTTPS and the team's egress
    (a Pod Identity team's agent policy is pod_identity_agent_policy, applied with its associations)."""
    namespace = {("metadata", "namespace"): team.namespace}
    egress = [
        {
            "to": [{"ipBlock": {"cidr": rule.cidr}}],
            "ports": [{"protocol": rule.protocol, "port": port} for port in rule.ports],
        }
        for rule in team.egress
    ]
    policies = load_manifests(
        NETWORK_POLICIES,
        [
            namespace,
            namespace,
            namespace,
            {
                **namespace,
                ("spec", "egress", 0, "to", 0, "ipBlock", "cidr"): network.vpc_cidr,
                ("spec", "egress", 0, "to", 1, "ipBlock", "cidr"): f"{kubernetes_service_ip(network.service_cidr)}/32",
                ("spec", "egress", 0, "to", 2, "ipBlock", "except"): list(CLOSED_RANGES),
            },
            {**namespace, ("spec", "egress"): egress or [{}]},
        ],
    )
    # No egress configured: no team-egress policy at all (an empty rule would allow everything).
    return policies if team.egress else policies[:-1]


def pod_identity_agent_policy(namespace: str) -> dict[str, Any]:
    """The policy that lets a Pod Identity team's pods reach the node's Pod Identity agent."""
    (policy,) = load_manifests(POD_IDENTITY_AGENT_POLICY, [{("metadata", "namespace"): namespace}])
    return policy

"""Which connections a set of Kubernetes NetworkPolicies allows: the rules of the API, in code.

Written from the Kubernetes documentation ("Network Policies", concepts/services-networking, and
the networking.k8s.io/v1 NetworkPolicy API reference), for tests only:
- a pod is isolated for ingress (egress) when any policy of its namespace selects it and lists
  Ingress (Egress) in policyTypes; policyTypes defaults to Ingress, plus Egress when the policy
  has egress rules;
- policies add up: a connection is allowed when the source may send it (not egress-isolated, or
  some policy selecting it allows the destination) and the destination may receive it;
- a rule with no peers matches every peer, and with no ports every port;
- a peer is a podSelector (pods of the policy's own namespace), a namespaceSelector (all pods
  of the matching namespaces), both in one element (matching pods of matching namespaces), or
  an ipBlock (addresses in cidr and in no except range);
- an empty label selector matches everything.
No Python library evaluates NetworkPolicy; this one is itself tested against the worked
example of the Kubernetes documentation in tests/test_network_policy.py.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Endpoint:
    ip: str
    namespace: str | None = None  # None: outside the cluster (an AWS endpoint, the internet)
    labels: Mapping[str, str] = field(default_factory=dict)


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    if selector is None:
        return True
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        matched = {
            "In": present and labels[key] in values,
            "NotIn": not present or labels[key] not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }[operator]
        if not matched:
            return False
    return True


class Cluster:
    def __init__(self, policies: Iterable[Mapping[str, Any]], namespaces: Mapping[str, Mapping[str, str]]) -> None:
        self.policies = [p for p in policies if p["kind"] == "NetworkPolicy"]
        # Kubernetes labels every namespace with its own name (kubernetes.io/metadata.name).
        self.namespaces = {name: {**labels, "kubernetes.io/metadata.name": name} for name, labels in namespaces.items()}

    def _selecting(self, pod: Endpoint, direction: str) -> list[Mapping[str, Any]]:
        if pod.namespace is None:
            return []
        chosen = []
        for policy in self.policies:
            spec = policy["spec"]
            types = spec.get("policyTypes") or (["Ingress", "Egress"] if "egress" in spec else ["Ingress"])
            if (
                policy["metadata"]["namespace"] == pod.namespace
                and direction in types
                and selects(spec.get("podSelector", {}), pod.labels)
            ):
                chosen.append(policy)
        return chosen

    def _peer_matches(self, peer: Mapping[str, Any], policy_namespace: str, other: Endpoint) -> bool:
        if "ipBlock" in peer:
            address = ipaddress.ip_address(other.ip)
            block = peer["ipBlock"]
            return address in ipaddress.ip_network(block["cidr"]) and not any(
                address in ipaddress.ip_network(excluded) for excluded in block.get("except", [])
            )
        if other.namespace is None:
            return False
        if "namespaceSelector" in peer:
            if not selects(peer["namespaceSelector"], self.namespaces[other.namespace]):
                return False
        elif other.namespace != policy_namespace:
            return False
        return selects(peer.get("podSelector"), other.labels)

    @staticmethod
    def _port_matches(ports: list[Mapping[str, Any]] | None, protocol: str, port: int) -> bool:
        return not ports or any(
            p.get("protocol", "TCP") == protocol and ("port" not in p or p["port"] == port) for p in ports
        )

    def _allowed(self, pod: Endpoint, other: Endpoint, direction: str, protocol: str, port: int) -> bool:
        policies = self._selecting(pod, direction)
        if not policies:
            return True  # not isolated in this direction
        key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        for policy in policies:
            for rule in policy["spec"].get(key) or []:
                peers = rule.get(peers_key)
                peer_ok = not peers or any(
                    self._peer_matches(peer, policy["metadata"]["namespace"], other) for peer in peers
                )
                if peer_ok and self._port_matches(rule.get("ports"), protocol, port):
                    return True
        return False

    def allows(self, source: Endpoint, destination: Endpoint, port: int, protocol: str = "TCP") -> bool:
        return self._allowed(source, destination, "Egress", protocol, port) and self._allowed(
            destination, source, "Ingress", protocol, port
        )

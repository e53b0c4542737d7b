"""Tenant network isolation: the NetworkPolicies every team namespace deploys, and what they allow.

The policies are read from the synthesized templates (what `cdk deploy` applies) and evaluated
with tests/netpol.py, whose rules are first checked against the Kubernetes documentation's own
worked example. The real API server of the twin admits them unchanged
(tests/test_network_policy_twin.py); the VPC CNI's agent enforcing them is AWS's part.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from spark_platform.config import ConfigError, EgressRule, from_mapping
from spark_platform.tenancy.network_policy import network_policies

from .conftest import render, synthesize
from .netpol import Cluster, Endpoint

# --- The evaluator against the Kubernetes documentation --------------------------------------

# "Network Policies", section "The NetworkPolicy resource": the example policy and its
# explanation (role=db pods of namespace default, ingress on TCP 6379 from three kinds of
# peer, egress to 10.0.0.0/24 on TCP 5978).
DOCS_EXAMPLE = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "test-network-policy", "namespace": "default"},
    "spec": {
        "podSelector": {"matchLabels": {"role": "db"}},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [
            {
                "from": [
                    {"ipBlock": {"cidr": "172.17.0.0/16", "except": ["172.17.1.0/24"]}},
                    {"namespaceSelector": {"matchLabels": {"project": "myproject"}}},
                    {"podSelector": {"matchLabels": {"role": "frontend"}}},
                ],
                "ports": [{"protocol": "TCP", "port": 6379}],
            }
        ],
        "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/24"}}], "ports": [{"protocol": "TCP", "port": 5978}]}],
    },
}
DB = Endpoint("192.168.5.10", "default", {"role": "db"})


@pytest.mark.parametrize(
    ("source", "destination", "port", "allowed"),
    [
        (Endpoint("192.168.5.20", "default", {"role": "frontend"}), DB, 6379, True),
        (Endpoint("192.168.5.21", "default", {"role": "backend"}), DB, 6379, False),
        (Endpoint("192.168.5.20", "default", {"role": "frontend"}), DB, 6380, False),
        (Endpoint("192.168.6.1", "myproject", {"any": "pod"}), DB, 6379, True),
        (Endpoint("192.168.7.1", "other", {"role": "frontend"}), DB, 6379, False),
        (Endpoint("172.17.0.5"), DB, 6379, True),
        (Endpoint("172.17.1.5"), DB, 6379, False),  # in the except range
        (Endpoint("172.17.2.5"), DB, 6379, True),
        (DB, Endpoint("10.0.0.7"), 5978, True),
        (DB, Endpoint("10.0.0.7"), 5979, False),
        (DB, Endpoint("10.0.1.7"), 5978, False),
        # Pods the policy does not select stay open both ways.
        (Endpoint("192.168.5.21", "default", {"role": "backend"}), Endpoint("8.8.8.8"), 53, True),
    ],
)
def test_the_evaluator_reads_the_kubernetes_documentation_example_as_the_documentation_does(
    source, destination, port, allowed
):
    cluster = Cluster([DOCS_EXAMPLE], {"default": {}, "myproject": {"project": "myproject"}, "other": {}})
    assert cluster.allows(source, destination, port) is allowed


def test_the_evaluator_ands_a_namespace_and_a_pod_selector_in_one_peer():
    # "Behavior of to and from selectors": one element with both selectors is an AND.
    policy = json.loads(json.dumps(DOCS_EXAMPLE))
    policy["spec"]["ingress"][0]["from"] = [
        {"namespaceSelector": {"matchLabels": {"user": "alice"}}, "podSelector": {"matchLabels": {"role": "client"}}}
    ]
    cluster = Cluster([policy], {"default": {}, "alice": {"user": "alice"}})
    assert cluster.allows(Endpoint("192.168.9.1", "alice", {"role": "client"}), DB, 6379)
    assert not cluster.allows(Endpoint("192.168.9.2", "alice", {"role": "other"}), DB, 6379)
    assert not cluster.allows(Endpoint("192.168.9.3", "default", {"role": "client"}), DB, 6379)


# --- The platform's policies -------------------------------------------------------------------

DATABASE = "10.99.4.20"  # a team's database in a peered network
SCENARIO_TEAMS = ("analytics", "ingestion")


@pytest.fixture(scope="module")
def scenario(sandbox, tmp_path_factory):
    """The sandbox with analytics also allowed to reach its database (teams[].egress), and
    ingestion's job role kept on IRSA (analytics' is handed out by EKS Pod Identity)."""
    config = sandbox.config
    teams = tuple(
        dataclasses.replace(team, egress=(EgressRule(cidr="10.99.4.0/24", ports=(5432,)),))
        if team.name == "analytics"
        else dataclasses.replace(team, job_credentials="irsa")
        for team in config.teams
    )
    synth = synthesize(dataclasses.replace(config, teams=teams), tmp_path_factory.mktemp("netpol"))
    namespaces = {team.name: team.namespace for team in teams}
    cluster = Cluster(synth.manifests("NetworkPolicy"), {**{ns: {} for ns in namespaces.values()}, "kube-system": {}})
    return synth, cluster, namespaces


def pods(namespaces: dict[str, str]) -> dict[str, Endpoint]:
    """A job's pods in each team (labels as EMR and the pod templates set them), and CoreDNS."""
    found = {}
    for index, (team, namespace) in enumerate(namespaces.items()):
        base = f"100.64.{index * 8}"
        found[f"{team} driver"] = Endpoint(
            f"{base}.10", namespace, {"spark-role": "driver", "spark-platform/team": team}
        )
        found[f"{team} executor"] = Endpoint(f"{base}.11", namespace, {"spark-role": "executor"})
        found[f"{team} job runner"] = Endpoint(f"{base}.12", namespace, {"job-name": "runner"})
    found["CoreDNS"] = Endpoint("100.64.40.2", "kube-system", {"k8s-app": "kube-dns"})
    found["other kube-system pod"] = Endpoint("100.64.40.3", "kube-system", {"app": "metrics"})
    return found


# (source, destination, port, protocol, allowed, why)
FLOWS = [
    ("analytics executor", "analytics driver", 7078, "TCP", True, "driver and executors of one team"),
    ("analytics driver", "analytics executor", 7079, "TCP", True, "block manager, any port"),
    ("analytics job runner", "analytics driver", 7078, "TCP", True, "spark-submit reaches its driver"),
    ("analytics executor", "ingestion driver", 7078, "TCP", False, "another team's driver"),
    ("ingestion executor", "analytics driver", 7078, "TCP", False, "another team's driver"),
    ("analytics driver", "ingestion executor", 443, "TCP", False, "another team's pod, even on 443"),
    ("other kube-system pod", "analytics driver", 4040, "TCP", False, "nothing outside the namespace gets in"),
    ("analytics driver", "CoreDNS", 53, "UDP", True, "DNS"),
    ("analytics driver", "CoreDNS", 53, "TCP", True, "DNS over TCP"),
    ("analytics driver", "other kube-system pod", 53, "UDP", False, "only CoreDNS answers DNS"),
    ("analytics driver", "10.0.12.7", 443, "TCP", True, "API server endpoint ENI / interface endpoint in the VPC"),
    ("analytics driver", "172.20.0.1", 443, "TCP", True, "the kubernetes Service"),
    ("analytics executor", "52.218.132.10", 443, "TCP", True, "S3 through the gateway endpoint (public prefix list)"),
    ("analytics executor", "52.218.132.10", 80, "TCP", False, "plain HTTP to the internet"),
    ("analytics driver", "169.254.169.254", 80, "TCP", False, "instance metadata"),
    ("analytics executor", "169.254.170.23", 80, "TCP", True, "the EKS Pod Identity agent (a Pod Identity team)"),
    ("analytics executor", "169.254.170.23", 2703, "TCP", False, "the agent's other port"),
    ("ingestion executor", "169.254.170.23", 80, "TCP", False, "the agent, for an IRSA team"),
    ("analytics driver", "10.0.12.7", 22, "TCP", False, "other ports in the VPC"),
    ("analytics executor", DATABASE, 5432, "TCP", True, "analytics' configured egress"),
    ("analytics executor", DATABASE, 22, "TCP", False, "only the configured port"),
    ("ingestion executor", DATABASE, 5432, "TCP", False, "not configured for ingestion"),
]


@pytest.mark.parametrize(("source", "destination", "port", "protocol", "allowed", "why"), FLOWS)
def test_a_team_reaches_its_own_pods_dns_and_aws_apis_and_nothing_of_another_team(
    scenario, source, destination, port, protocol, allowed, why
):
    _, cluster, namespaces = scenario
    everyone = pods(namespaces)
    endpoint = everyone.get(destination) or Endpoint(destination)
    assert cluster.allows(everyone[source], endpoint, port, protocol) is allowed, why


def test_print_the_flow_table(scenario, capsys):
    """The allowed and denied flows, as the closing note quotes them (pytest -s shows it)."""
    _, cluster, namespaces = scenario
    everyone = pods(namespaces)
    rows = [
        f"{'allowed' if cluster.allows(everyone[s], everyone.get(d) or Endpoint(d), p, proto) else 'denied':8}"
        f"{s} -> {d} {proto}/{p} ({why})"
        for s, d, p, proto, _, why in FLOWS
    ]
    with capsys.disabled():
        print("\nNetworkPolicy flows:\n" + "\n".join(rows))
    assert sum(row.startswith("allowed") for row in rows) == sum(flow[4] for flow in FLOWS)


def test_every_team_namespace_starts_from_default_deny_in_the_same_manifest_as_the_namespace(sandbox):
    """One custom resource applies the namespace and its policies: it never exists unprotected."""
    for team in sandbox.config.teams:
        objects = [
            obj
            for resource in sandbox.resources("Custom::AWSCDK-EKS-KubernetesResource").values()
            if any(
                obj["kind"] == "Namespace" and obj["metadata"]["name"] == team.namespace
                for obj in json.loads(render(resource["Properties"]["Manifest"]))
            )
            for obj in json.loads(render(resource["Properties"]["Manifest"]))
        ]
        policies = {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == "NetworkPolicy"}
        assert set(policies) == {"default-deny", "same-namespace", "dns", "aws-apis"}
        assert all(p["metadata"]["namespace"] == team.namespace for p in policies.values())
        assert policies["default-deny"]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_the_vpc_cni_add_on_enforces_network_policies(sandbox):
    (addon,) = [a for a in sandbox.resources("AWS::EKS::Addon").values() if a["Properties"]["AddonName"] == "vpc-cni"]
    # A Fn::Join (the pod subnets are tokens); the setting is a literal part of it.
    assert '\\"enableNetworkPolicy\\":\\"true\\"' in json.dumps(addon["Properties"]["ConfigurationValues"])


def test_a_team_without_egress_rules_gets_no_team_egress_policy(sandbox):
    team = sandbox.config.teams[0]
    assert not team.egress
    names = [p["metadata"]["name"] for p in network_policies(team, sandbox.config.network)]
    assert "team-egress" not in names  # an empty egress rule would allow everything


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"cidr": "10.99.0.0/33", "ports": [5432]}, r"^teams\[0\]\.egress\[0\]\.cidr: .* is not an IPv4 network"),
        ({"cidr": "10.99.0.0/16", "ports": []}, r"^teams\[0\]\.egress\[0\]\.ports: list at least one port"),
        ({"cidr": "10.99.0.0/16", "ports": [0]}, r"^teams\[0\]\.egress\[0\]\.ports\[0\]: 0 is not a port"),
        ({"cidr": "10.99.0.0/16", "ports": [53], "protocol": "ICMP"}, r"^teams\[0\]\.egress\[0\]\.protocol: 'ICMP'"),
        ({"cidr": "169.254.169.254/32", "ports": [80]}, r"^teams\[0\]\.egress\[0\]\.cidr: .* is link-local"),
    ],
)
def test_bad_egress_rules_are_refused_with_the_field_named(rule, expected):
    data = {
        "name_prefix": "spark",
        "environment": {"region": "eu-west-1", "availability_zones": ["eu-west-1a", "eu-west-1b"]},
        "cluster": {"admin_role_arns": ["arn:aws:iam::123456789012:role/admins"]},
        "teams": [{"name": "analytics", "namespace": "spark-analytics", "egress": [rule]}],
    }
    with pytest.raises(ConfigError, match=expected):
        from_mapping(data)

"""The teams' NetworkPolicies on the twin's real kube-apiserver: admitted and stored unchanged.

An API server silently drops fields it does not know (for example `endPort` before 1.22), and
a policy that lost a field would enforce something else than what was reviewed; so the stored
spec must equal the one the templates deploy. Validation is real too: a malformed policy is
refused. (Enforcement itself is the VPC CNI's network policy agent on the nodes; the policies'
meaning is evaluated in tests/test_network_policy.py.)
"""

from __future__ import annotations

import copy
import dataclasses

import pytest

from spark_platform.config import EgressRule
from spark_platform.tenancy.network_policy import network_policies

from .twin.api import ApiError
from .twin.run import team_namespace_objects
from .twin.servers import KubeTwin

pytestmark = pytest.mark.twin


@pytest.fixture(scope="module")
def api(sandbox):
    """A twin API server with the teams' namespaces."""
    with KubeTwin(scheduler=False) as twin:
        for team in sandbox.config.teams:
            namespace = next(o for o in team_namespace_objects(sandbox, team) if o["kind"] == "Namespace")
            twin.api.create(dict(namespace))
        yield twin.api


def test_every_teams_network_policies_are_admitted_and_stored_unchanged(api, sandbox):
    policies = sandbox.manifests("NetworkPolicy")
    # Four per team, and the Pod Identity agent's for each Pod Identity team (both, in the sandbox).
    assert len(policies) == 5 * len(sandbox.config.teams)
    for policy in policies:
        stored = api.create(copy.deepcopy(policy))
        assert stored["spec"] == policy["spec"], policy["metadata"]["name"]


def test_a_malformed_network_policy_is_refused(api, sandbox):
    policy = copy.deepcopy(next(p for p in sandbox.manifests("NetworkPolicy") if p["metadata"]["name"] == "aws-apis"))
    policy["metadata"]["name"] = "broken"
    policy["spec"]["egress"][0]["to"][2]["ipBlock"]["except"] = [
        "8.8.8.0/24"
    ]  # not inside 0.0.0.0/0? it is; use a bad CIDR
    policy["spec"]["egress"][0]["to"][2]["ipBlock"]["cidr"] = "10.0.0.0/8"
    with pytest.raises(ApiError, match="except"):
        api.create(policy)


def test_a_teams_configured_egress_is_admitted_and_stored_unchanged(api, sandbox):
    team = dataclasses.replace(
        sandbox.config.teams[0],
        egress=(
            EgressRule(cidr="10.99.4.0/24", ports=(5432, 6432)),
            EgressRule(cidr="0.0.0.0/0", ports=(53,), protocol="UDP"),
        ),
    )
    (policy,) = [p for p in network_policies(team, sandbox.config.network) if p["metadata"]["name"] == "team-egress"]
    stored = api.create(copy.deepcopy(policy))
    assert stored["spec"] == policy["spec"]

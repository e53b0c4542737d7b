"""Karpenter's NodePools and EC2NodeClass on a real API server with Karpenter's own CRDs.

jsonschema checks the structure (tests/test_karpenter.py); the CRDs' CEL rules
(x-kubernetes-validations) only run in an API server. apiextensions-apiserver 1.36 with the
Karpenter 1.14.1 CRDs from ../shared/schemas runs them: what the platform deploys is accepted,
and a manifest that breaks a rule is rejected with that rule's message.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT
from .twin.api import ApiError
from .twin.servers import CrdServer

pytestmark = pytest.mark.twin
CRDS = ROOT.parent / "shared" / "schemas" / "karpenter-v1.14"


@pytest.fixture(scope="module")
def crd_api():
    with CrdServer() as server:
        api = server.api
        names = []
        for path in sorted(Path(CRDS).glob("*.yaml")):
            crd = yaml.safe_load(path.read_text())
            api.create(crd)
            names.append(crd["metadata"]["name"])
        deadline = time.monotonic() + 30
        for name in names:
            probe = {
                "apiVersion": "apiextensions.k8s.io/v1",
                "kind": "CustomResourceDefinition",
                "metadata": {"name": name},
            }
            while not any(
                c["type"] == "Established" and c["status"] == "True"
                for c in api.get(probe).get("status", {}).get("conditions", [])
            ):
                assert time.monotonic() < deadline, f"{name} not established"
                time.sleep(0.1)
        yield api


def deployable(manifest: dict) -> dict:
    """A synthesized manifest with CloudFormation tokens as the values they resolve to."""
    return json.loads(json.dumps(manifest).replace("<token>", "spark-eks-karpenter-node"))


def created_then_deleted(api, manifest: dict) -> dict:
    stored = api.create(manifest)
    api.delete(manifest)
    return stored


@pytest.mark.parametrize("fixture", ["sandbox", "variant"])
def test_every_synthesized_node_pool_and_node_class_is_admitted_by_the_crds(crd_api, fixture, request):
    synth = request.getfixturevalue(fixture)
    manifests = synth.manifests("EC2NodeClass") + synth.manifests("NodePool")
    assert len(manifests) == 3
    for manifest in manifests:
        stored = created_then_deleted(crd_api, deployable(manifest))
        assert stored["spec"]["template" if manifest["kind"] == "NodePool" else "amiSelectorTerms"]


def test_the_server_fills_the_defaults_the_platform_relies_on(crd_api, sandbox):
    """What the server stores is what Karpenter acts on: our settings survive defaulting."""
    (executor,) = [pool for pool in sandbox.manifests("NodePool") if pool["metadata"]["name"] == "spark-executor"]
    stored = created_then_deleted(crd_api, deployable(executor))
    assert stored["spec"]["disruption"]["consolidationPolicy"] == "WhenEmpty"
    # The drift budget by reason survives the CRD's schema and CEL rules unchanged.
    assert stored["spec"]["disruption"]["budgets"] == [{"nodes": "0", "reasons": ["Drifted"]}, {"nodes": "10%"}]
    assert stored["spec"]["template"]["spec"]["taints"] == executor["spec"]["template"]["spec"]["taints"]


def broken_pool(sandbox) -> dict:
    (pool,) = [pool for pool in sandbox.manifests("NodePool") if pool["metadata"]["name"] == "spark-driver"]
    return deployable(copy.deepcopy(pool))


def test_a_node_pool_that_breaks_a_cel_rule_is_rejected_with_its_message(crd_api, sandbox):
    restricted = broken_pool(sandbox)
    restricted["spec"]["template"]["spec"]["requirements"].append(
        {"key": "karpenter.sh/nodepool", "operator": "In", "values": ["spark-driver"]}
    )
    with pytest.raises(ApiError, match=r'label "karpenter.sh/nodepool" is restricted') as rejected:
        crd_api.create(restricted)
    assert rejected.value.status == 422
    empty = broken_pool(sandbox)
    empty["spec"]["template"]["spec"]["requirements"][0]["values"] = []
    with pytest.raises(ApiError, match=r"requirements with operator 'In' must have a value defined"):
        crd_api.create(empty)


def test_a_node_class_that_breaks_a_cel_rule_is_rejected_with_its_message(crd_api, sandbox):
    (node_class,) = sandbox.manifests("EC2NodeClass")
    broken = deployable(copy.deepcopy(node_class))
    broken["spec"]["amiSelectorTerms"][0]["id"] = "ami-0123456789abcdef0"  # next to the alias
    with pytest.raises(ApiError, match=r"'alias' is mutually exclusive") as rejected:
        crd_api.create(broken)
    assert rejected.value.status == 422

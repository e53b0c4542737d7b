"""Karpenter: controller, interruption handling, node class, NodePools and teardown order."""

from __future__ import annotations

import json

import pytest

from spark_platform.config import from_mapping, sandbox_config
from spark_platform.karpenter import INTERRUPTION_EVENTS, node_class_manifest, node_pool_manifests
from spark_platform.kubernetes_versions import version_pins

from .conftest import VARIANT, render
from .k8s_schemas import schema_errors

KARPENTER = "spark-karpenter"


def by_id(synth, logical_id_part: str) -> tuple[str, dict]:
    (match,) = [(lid, r) for lid, r in synth.templates[KARPENTER]["Resources"].items() if logical_id_part in lid]
    return match


def node_pools(synth) -> dict[str, dict]:
    return {pool["metadata"]["name"]: pool for pool in synth.manifests("NodePool")}


def requirement(pool: dict, key: str) -> dict:
    (found,) = [r for r in pool["spec"]["template"]["spec"]["requirements"] if r["key"] == key]
    return found


# --- 1. Controller -----------------------------------------------------------------------------


def test_controller_comes_from_the_official_oci_chart_pinned_to_1_14(sandbox):
    charts = {
        r["Properties"]["Chart"]: r["Properties"] for r in sandbox.resources("Custom::AWSCDK-EKS-HelmChart").values()
    }
    assert charts["karpenter"]["Repository"] == "oci://public.ecr.aws/karpenter/karpenter"
    assert charts["karpenter-crd"]["Repository"] == "oci://public.ecr.aws/karpenter/karpenter-crd"
    assert charts["karpenter"]["Version"] == charts["karpenter-crd"]["Version"] == "1.14.1"
    assert charts["karpenter"]["Namespace"] == "kube-system"
    assert charts["karpenter"]["SkipCrds"] is True


def test_controller_runs_on_the_tainted_system_nodes(sandbox):
    (chart,) = [
        r for r in sandbox.resources("Custom::AWSCDK-EKS-HelmChart").values() if r["Properties"]["Chart"] == "karpenter"
    ]
    values = json.loads(render(chart["Properties"]["Values"]))
    nodegroup = next(iter(sandbox.resources("AWS::EKS::Nodegroup").values()))["Properties"]
    assert values["nodeSelector"] == nodegroup["Labels"]
    (taint,) = nodegroup["Taints"]
    assert {"key": taint["Key"], "operator": "Exists", "effect": "NoSchedule"} in values["tolerations"]
    assert values["settings"] == {"clusterName": "spark-eks", "interruptionQueue": "<token>"}
    assert {"name": "AWS_REGION", "value": "eu-west-1"} in values["controller"]["env"]


def test_controller_authenticates_with_pod_identity_for_its_service_account_only(sandbox):
    _, association = by_id(sandbox, "KarpenterPodIdentity")
    props = association["Properties"]
    assert (props["Namespace"], props["ServiceAccount"]) == ("kube-system", "karpenter")
    role_id = props["RoleArn"]["Fn::GetAtt"][0]
    (statement,) = sandbox.resources("AWS::IAM::Role")[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert "aws:SourceArn" in statement["Condition"]["ArnEquals"]


def controller_statements(synth) -> dict[str, dict]:
    _, policy = by_id(synth, "KarpenterControllerPolicy")
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def test_controller_policy_is_scoped_to_this_cluster(sandbox):
    statements = controller_statements(sandbox)
    for sid in ("CreateTaggedForThisCluster", "TagOnCreate"):
        assert statements[sid]["Condition"]["StringEquals"]["aws:RequestTag/kubernetes.io/cluster/spark-eks"] == "owned"
        assert statements[sid]["Condition"]["StringEquals"]["aws:RequestTag/eks:eks-cluster-name"] == "spark-eks"
    for sid in ("DeleteOwnInstancesAndTemplates", "TagOwnInstancesWithNodeClaim", "LaunchWithOwnLaunchTemplates"):
        assert (
            statements[sid]["Condition"]["StringEquals"]["aws:ResourceTag/kubernetes.io/cluster/spark-eks"] == "owned"
        )
        assert statements[sid]["Condition"]["StringLike"]["aws:ResourceTag/karpenter.sh/nodepool"] == "*"
    assert statements["ReadEc2InThisRegion"]["Condition"] == {
        "StringEquals": {"aws:RequestedRegion": {"Ref": "AWS::Region"}}
    }
    pass_role = statements["PassNodeRoleToEc2Only"]
    assert pass_role["Resource"] == {"Fn::GetAtt": [by_id(sandbox, "KarpenterNodeRole")[0], "Arn"]}
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    assert statements["ConsumeInterruptionQueue"]["Resource"] == {
        "Fn::GetAtt": [by_id(sandbox, "InterruptionQueue6")[0], "Arn"]
    }
    assert statements["DiscoverApiServerEndpoint"]["Resource"]["Fn::ImportValue"].startswith("spark-cluster:")
    for statement in statements.values():
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions), statement["Sid"]
        read_or_pass = ("iam:PassRole", "iam:GetInstanceProfile", "iam:ListInstanceProfiles")
        assert not any(a.startswith("iam:") and a not in read_or_pass for a in actions)


def test_karpenter_nodes_join_through_an_ec2_linux_access_entry(sandbox):
    _, entry = by_id(sandbox, "KarpenterNodeAccess")
    assert entry["Properties"]["Type"] == "EC2_LINUX"
    assert entry["Properties"]["PrincipalArn"] == {"Fn::GetAtt": [by_id(sandbox, "KarpenterNodeRole")[0], "Arn"]}
    assert entry["Properties"].get("AccessPolicies", []) == []


# --- 2. Interruption handling ------------------------------------------------------------------


def karpenter_rules(sandbox) -> dict[str, dict]:
    """The Karpenter stack's rules (the observability stacks have rules of their own)."""
    resources = sandbox.templates["spark-karpenter"]["Resources"]
    return {key: r for key, r in resources.items() if r["Type"] == "AWS::Events::Rule"}


def test_interruption_rules_use_the_exact_source_and_detail_type_aws_emits(sandbox):
    patterns = sorted(
        json.dumps(rule["Properties"]["EventPattern"], sort_keys=True) for rule in karpenter_rules(sandbox).values()
    )
    expected = sorted(
        json.dumps({"detail-type": [detail_type], "source": [source]}, sort_keys=True)
        for source, detail_type in [
            ("aws.ec2", "EC2 Spot Instance Interruption Warning"),
            ("aws.ec2", "EC2 Instance Rebalance Recommendation"),
            ("aws.ec2", "EC2 Instance State-change Notification"),
            ("aws.health", "AWS Health Event"),
            ("aws.ec2", "EC2 Capacity Reservation Instance Interruption Warning"),
        ]
    )
    # Exact equality: no "detail" key in place of "detail-type", no "aws.ec2 " typo.
    assert patterns == expected
    assert len(INTERRUPTION_EVENTS) == 5


def test_every_interruption_rule_delivers_to_the_queue_the_controller_reads(sandbox):
    queue_id, _ = by_id(sandbox, "InterruptionQueue6")
    (dead_letters,) = [
        lid
        for lid, r in sandbox.templates[KARPENTER]["Resources"].items()
        if r["Type"] == "AWS::SQS::Queue" and r["Properties"]["QueueName"].endswith("-karpenter-dead-letters")
    ]
    for rule in karpenter_rules(sandbox).values():
        assert rule["Properties"]["State"] == "ENABLED"
        (target,) = rule["Properties"]["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
        # What EventBridge cannot deliver is kept and alarmed (spark_platform/observability).
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dead_letters, "Arn"]}}


def test_interruption_queue_is_encrypted_and_refuses_plain_http(sandbox):
    _, queue = by_id(sandbox, "InterruptionQueue6")
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["Properties"]["MessageRetentionPeriod"] == 300
    _, policy = by_id(sandbox, "InterruptionQueuePolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    deny = [s for s in statements if s["Effect"] == "Deny"]
    assert deny and deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    senders = [s for s in statements if s["Effect"] == "Allow"]
    assert {s["Principal"]["Service"] for s in senders} == {"events.amazonaws.com"}
    # Each rule may send, and only on its own behalf (no blanket grant to EventBridge).
    rule_ids = set(karpenter_rules(sandbox))
    assert {s["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::GetAtt"][0] for s in senders} == rule_ids
    assert all("sqs:SendMessage" in s["Action"] and "sqs:ReceiveMessage" not in s["Action"] for s in senders)


# --- 3. EC2NodeClass ---------------------------------------------------------------------------


def test_node_class_requires_imdsv2_encrypts_disks_and_stripes_nvme(sandbox):
    (node_class,) = sandbox.manifests("EC2NodeClass")
    spec = node_class["spec"]
    # Pinned to the AMI release reviewed for the cluster's Kubernetes version, never @latest.
    assert spec["amiSelectorTerms"] == [{"alias": version_pins("1.36").karpenter_ami_alias}]
    assert spec["amiSelectorTerms"][0]["alias"].startswith("al2023@v2")
    assert spec["metadataOptions"]["httpTokens"] == "required"
    assert spec["metadataOptions"]["httpPutResponseHopLimit"] == 1
    assert spec["instanceStorePolicy"] == "RAID0"
    (root,) = spec["blockDeviceMappings"]
    assert root["rootVolume"] is True
    assert root["ebs"]["encrypted"] is True
    assert root["ebs"]["volumeType"] == "gp3"
    assert root["ebs"]["volumeSize"] == "150Gi"
    assert spec["kubelet"]["maxPods"] == 110
    assert spec["instanceProfile"] == "<token>"


def test_node_class_selects_subnets_by_the_tag_the_network_stack_sets(sandbox):
    (node_class,) = sandbox.manifests("EC2NodeClass")
    (term,) = node_class["spec"]["subnetSelectorTerms"]
    ((key, value),) = term["tags"].items()
    tagged = [
        s["Properties"]["CidrBlock"]
        for s in sandbox.resources("AWS::EC2::Subnet").values()
        if {"Key": key, "Value": value} in s["Properties"].get("Tags", [])
    ]
    # Exactly the three node subnets: never the public ones, never the pod subnets.
    assert sorted(tagged) == ["10.0.128.0/18", "10.0.192.0/18", "10.0.64.0/18"]
    (sg_term,) = node_class["spec"]["securityGroupSelectorTerms"]
    assert sg_term == {"tags": {"aws:eks:cluster-name": "spark-eks"}}


def test_imds_hop_limit_is_configurable(variant):
    (node_class,) = variant.manifests("EC2NodeClass")
    assert node_class["spec"]["metadataOptions"]["httpPutResponseHopLimit"] == 2


# --- 4. NodePools ------------------------------------------------------------------------------


def test_driver_pool_is_graviton_on_demand_only_and_never_consolidates_a_busy_node(sandbox):
    driver = node_pools(sandbox)["spark-driver"]
    assert requirement(driver, "kubernetes.io/arch")["values"] == ["arm64"]
    assert requirement(driver, "karpenter.sh/capacity-type") == {
        "key": "karpenter.sh/capacity-type",
        "operator": "In",
        "values": ["on-demand"],
    }
    assert set(requirement(driver, "karpenter.k8s.aws/instance-family")["values"]) <= {"m6g", "m7g", "m8g"}
    disruption = driver["spec"]["disruption"]
    assert disruption["consolidationPolicy"] == "WhenEmpty"
    assert {"nodes": "0", "reasons": ["Drifted"]} in disruption["budgets"]
    # On expiry a node waits this long for do-not-disrupt driver pods to finish.
    assert driver["spec"]["template"]["spec"]["terminationGracePeriod"] == "24h"


def test_executor_pool_mixes_spot_and_on_demand_over_many_graviton_types(sandbox):
    executor = node_pools(sandbox)["spark-executor"]
    assert requirement(executor, "kubernetes.io/arch")["values"] == ["arm64"]
    assert set(requirement(executor, "karpenter.sh/capacity-type")["values"]) == {"spot", "on-demand"}
    families = requirement(executor, "karpenter.k8s.aws/instance-family")["values"]
    assert len(families) >= 10 and all("g" in f for f in families)
    assert len(requirement(executor, "karpenter.k8s.aws/instance-size")["values"]) >= 4
    spec = executor["spec"]
    # Live executors are never repacked; empty nodes go (see the pool's YAML for why).
    assert spec["disruption"]["consolidationPolicy"] == "WhenEmpty"
    assert spec["disruption"]["consolidateAfter"] == "10m"
    # A drifted node (new AMI, Kubernetes upgrade) is never replaced while it runs executors: it
    # goes when empty or at expiry. Karpenter drifts nodes despite do-not-disrupt pods when the
    # pool sets a terminationGracePeriod ("Disruption"), so the budget is what protects jobs.
    assert spec["disruption"]["budgets"] == [{"nodes": "0", "reasons": ["Drifted"]}, {"nodes": "10%"}]
    assert spec["template"]["spec"]["expireAfter"] == "24h"


def test_pools_only_accept_spark_pods_that_ask_for_them(sandbox):
    for name, pool in node_pools(sandbox).items():
        template = pool["spec"]["template"]
        role = template["metadata"]["labels"]["spark-platform/role"]
        assert template["spec"]["taints"] == [{"key": "spark-platform/role", "value": role, "effect": "NoSchedule"}], (
            name
        )
        assert pool["spec"]["limits"]["cpu"] > 0 and pool["spec"]["limits"]["memory"].endswith("Gi")
    roles = {
        name: pool["spec"]["template"]["metadata"]["labels"]["spark-platform/role"]
        for name, pool in node_pools(sandbox).items()
    }
    assert roles == {"spark-driver": "spark-driver", "spark-executor": "spark-executor"}


def test_every_spark_pool_is_arm64_like_the_images(sandbox, variant):
    """Job images are built for linux/arm64 only: an x86 pool would get pods it cannot run."""
    for synth in (sandbox, variant):
        for pool in node_pools(synth).values():
            assert requirement(pool, "kubernetes.io/arch")["values"] == ["arm64"]
    assert requirement(node_pools(variant)["spark-executor"], "karpenter.sh/capacity-type")["values"] == ["spot"]


def test_pool_parameters_come_from_configuration():
    config = from_mapping(
        {
            **VARIANT,
            "karpenter": {"executor": {"instance_families": ["r7g"], "cpu_limit": 64, "expire_after": "12h"}},
        }
    )
    executor = node_pool_manifests(config.karpenter)["spark-executor"]
    assert requirement(executor, "karpenter.k8s.aws/instance-family")["values"] == ["r7g"]
    assert executor["spec"]["limits"]["cpu"] == 64
    assert executor["spec"]["template"]["spec"]["expireAfter"] == "12h"
    # Fields not overridden keep the executor defaults, not generic ones.
    assert set(requirement(executor, "karpenter.sh/capacity-type")["values"]) == {"spot", "on-demand"}


# --- 5. Validation against the CRD schemas -----------------------------------------------------


@pytest.mark.parametrize("fixture", ["sandbox", "variant"])
def test_every_synthesized_karpenter_manifest_validates_against_the_crd_schemas(fixture, request):
    manifests = [m for m in request.getfixturevalue(fixture).manifests() if m["apiVersion"].startswith("karpenter")]
    kinds = sorted(m["kind"] for m in manifests)
    assert kinds.count("EC2NodeClass") == 1 and kinds.count("NodePool") >= 2
    for manifest in manifests:
        assert schema_errors(manifest) == [], manifest["metadata"]["name"]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda pool: pool["spec"]["disruption"].update(consolidateAftr="5m"), "'consolidateAftr' was unexpected"),
        (
            lambda pool: pool["spec"]["template"]["spec"].update(expireAfter="1 day"),
            "expireAfter: '1 day' does not match",
        ),
        (lambda pool: pool["spec"]["disruption"].update(consolidationPolicy="WhenUnderutilized"), "is not one of"),
    ],
)
def test_schema_validation_catches_misspelled_fields_and_bad_values(mutate, expected):
    pool = node_pool_manifests(sandbox_config().karpenter)["spark-executor"]
    mutate(pool)
    assert any(expected in error for error in schema_errors(pool))


def test_schema_validation_catches_a_misspelled_node_class_field():
    node_class = node_class_manifest(
        sandbox_config().karpenter, ami_alias="al2023@v20260714", cluster_name="c", instance_profile="p"
    )
    node_class["spec"]["metadataOptions"]["httpTokenz"] = "required"
    assert any("'httpTokenz' was unexpected" in error for error in schema_errors(node_class))


def test_node_class_names_exactly_one_of_role_and_instance_profile():
    """A CEL rule of the CRD that jsonschema does not evaluate, checked explicitly."""
    spec = node_class_manifest(
        sandbox_config().karpenter, ami_alias="al2023@v20260714", cluster_name="c", instance_profile="p"
    )["spec"]
    assert ("role" in spec) != ("instanceProfile" in spec)


# --- 6. Teardown order -------------------------------------------------------------------------


def test_teardown_deletes_pools_then_node_class_then_controller(sandbox):
    resources = sandbox.templates[KARPENTER]["Resources"]
    node_class_id, node_class = by_id(sandbox, "KarpenterNodeClass")
    chart_id, chart = by_id(sandbox, "KarpenterChart")
    pool_ids = [lid for lid in resources if "KarpenterNodePool" in lid]
    assert len(pool_ids) == 2
    # CloudFormation deletes dependents first: every NodePool before the EC2NodeClass ...
    for pool_id in pool_ids:
        assert resources[pool_id]["DependsOn"] == [node_class_id]
    # ... the EC2NodeClass (whose finalizer waits for Karpenter's nodes to terminate) before
    # the controller chart ...
    assert node_class["DependsOn"] == [chart_id]
    # ... and the controller before what it needs to terminate nodes: its credentials, its
    # queue, the node role's access entry and instance profile, and the CRDs.
    needed = {
        lid
        for lid in resources
        if any(part in lid for part in ("PodIdentity", "ControllerPolicy", "NodeAccess", "InstanceProfile", "CrdChart"))
    }
    assert needed <= set(chart["DependsOn"])


def test_karpenter_stack_goes_before_the_cluster_and_network_stacks(sandbox):
    manifest = json.loads((sandbox.directory / "manifest.json").read_text())
    dependencies = {name: set(artifact.get("dependencies", [])) for name, artifact in manifest["artifacts"].items()}
    assert "spark-cluster" in dependencies["spark-karpenter"]
    assert "spark-network" in dependencies["spark-cluster"]
    # The kubectl provider that deletes the manifests lives in the cluster stack, so it is
    # still there when the Karpenter stack is destroyed.
    service_tokens = {
        r["Properties"]["ServiceToken"]["Fn::ImportValue"]
        for r in sandbox.resources("Custom::AWSCDK-EKS-KubernetesResource").values()
    }
    assert all(token.startswith("spark-cluster:") for token in service_tokens)


def test_an_ami_left_at_latest_is_warned_about_at_synth(tmp_path):
    """@latest drifts every node on every AMI release (Karpenter "Managing AMIs": pre-production
    only); it stays possible for a sandbox, with a warning in `cdk synth`'s output."""
    from aws_cdk import App
    from aws_cdk.assertions import Annotations, Match

    from spark_platform.stacks import build_platform

    from .conftest import CDK_CONTEXT

    config = from_mapping({**VARIANT, "karpenter": {"ami_alias": "al2023@latest"}})
    app = App(outdir=str(tmp_path), context=CDK_CONTEXT)
    platform = build_platform(app, config)
    annotations = Annotations.from_stack(platform.karpenter)
    annotations.has_warning("*", Match.string_like_regexp("every new AMI release drifts every Karpenter node"))

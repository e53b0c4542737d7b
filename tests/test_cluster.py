"""The cluster stack: control plane, access, add-ons, and where system pods may run."""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import replace

from aws_cdk.assertions import Match

from spark_platform import kubernetes_versions
from spark_platform.cluster.spark_cluster import system_nodegroup_name
from spark_platform.config import SystemNodesConfig
from spark_platform.config.cluster import SUPPORTED_KUBERNETES_VERSIONS
from spark_platform.kubernetes_versions import KUBECTL_MINOR, KUBERNETES_VERSION_PINS, version_pins

from .conftest import ROOT

CLUSTER = "spark-cluster"


def only(resources: dict[str, dict]) -> tuple[str, dict]:
    assert len(resources) == 1, sorted(resources)
    return next(iter(resources.items()))


def addon(synth, name: str) -> tuple[str, dict]:
    return only(
        {lid: r for lid, r in synth.resources("AWS::EKS::Addon").items() if r["Properties"]["AddonName"] == name}
    )


def addon_configuration(synth, name: str) -> dict:
    """Configuration values with every CloudFormation token replaced by a marker."""
    value = addon(synth, name)[1]["Properties"]["ConfigurationValues"]
    if isinstance(value, str):
        return json.loads(value)
    parts = value["Fn::Join"][1]
    return json.loads("".join(p if isinstance(p, str) else "<token>" for p in parts))


def test_cluster_runs_the_configured_kubernetes_version_in_the_mode_emr_documents(sandbox, variant):
    _, cluster = only(sandbox.resources("AWS::EKS::Cluster"))
    props = cluster["Properties"]
    assert props["Version"] == "1.36"  # the newest version in EKS standard support and Karpenter 1.14
    # EMR on EKS's access-entry integration is documented for API_AND_CONFIG_MAP; EKS can still
    # move the cluster to API later, but never back from API.
    assert props["AccessConfig"] == {
        "AuthenticationMode": "API_AND_CONFIG_MAP",
        "BootstrapClusterCreatorAdminPermissions": False,
    }
    assert props["BootstrapSelfManagedAddons"] is False
    assert props["KubernetesNetworkConfig"]["ServiceIpv4Cidr"] == "172.20.0.0/16"
    assert only(variant.resources("AWS::EKS::Cluster"))[1]["Properties"]["Version"] == "1.35"


def test_api_endpoint_is_private_by_default(sandbox):
    vpc_config = only(sandbox.resources("AWS::EKS::Cluster"))[1]["Properties"]["ResourcesVpcConfig"]
    assert vpc_config["EndpointPrivateAccess"] is True
    assert vpc_config["EndpointPublicAccess"] is False


def test_public_endpoint_is_open_only_to_the_configured_cidrs(variant):
    vpc_config = only(variant.resources("AWS::EKS::Cluster"))[1]["Properties"]["ResourcesVpcConfig"]
    assert vpc_config["EndpointPublicAccess"] is True
    assert vpc_config["EndpointPrivateAccess"] is True
    assert vpc_config["PublicAccessCidrs"] == ["203.0.113.0/24"]


def test_secrets_are_encrypted_with_a_rotating_customer_key(sandbox):
    template = sandbox.template(CLUSTER)
    key_id = only(
        {
            lid: r
            for lid, r in sandbox.templates[CLUSTER]["Resources"].items()
            if r["Type"] == "AWS::KMS::Key" and "Secrets" in lid
        }
    )[0]
    template.has_resource_properties(
        "AWS::EKS::Cluster",
        {"EncryptionConfig": [{"Provider": {"KeyArn": {"Fn::GetAtt": [key_id, "Arn"]}}, "Resources": ["secrets"]}]},
    )
    template.has_resource(
        "AWS::KMS::Key", {"Properties": Match.object_like({"EnableKeyRotation": True}), "DeletionPolicy": "Retain"}
    )


def test_all_control_plane_logs_go_to_a_precreated_encrypted_log_group(sandbox):
    _cluster_id, cluster = only(sandbox.resources("AWS::EKS::Cluster"))
    types = [t["Type"] for t in cluster["Properties"]["Logging"]["ClusterLogging"]["EnabledTypes"]]
    assert sorted(types) == ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    groups = {
        lid: r
        for lid, r in sandbox.resources("AWS::Logs::LogGroup").items()
        if r["Properties"].get("LogGroupName") == "/aws/eks/spark-eks/cluster"
    }
    group_id, group = only(groups)
    assert group["Properties"]["RetentionInDays"] == 365
    assert "KmsKeyId" in group["Properties"]
    # Created before the cluster, or EKS creates it first without retention or encryption.
    assert group_id in cluster["DependsOn"]


def test_admin_access_entry_grants_cluster_admin_to_the_platform_admin_role(sandbox):
    template = sandbox.template(CLUSTER)
    role_id = only(
        {
            lid: r
            for lid, r in sandbox.resources("AWS::IAM::Role").items()
            if r["Properties"].get("RoleName") == "spark-eks-admin"
        }
    )[0]
    template.has_resource_properties(
        "AWS::EKS::AccessEntry",
        {
            "PrincipalArn": {"Fn::GetAtt": [role_id, "Arn"]},
            "AccessPolicies": [
                {
                    "AccessScope": {"Type": "cluster"},
                    "PolicyArn": {
                        "Fn::Join": [
                            "",
                            [
                                "arn:",
                                {"Ref": "AWS::Partition"},
                                ":eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                            ],
                        ]
                    },
                }
            ],
        },
    )
    # Only the configured principals of this account can assume it: the account root delegates to
    # IAM, and the condition narrows it to the IAM Identity Center PlatformAdmin permission set.
    (statement,) = sandbox.resources("AWS::IAM::Role")[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"AWS": {"Fn::Join": ["", ["arn:aws:iam::", {"Ref": "AWS::AccountId"}, ":root"]]}}
    assert set(statement["Condition"]) == {"ArnLike"}
    patterns = statement["Condition"]["ArnLike"]["aws:PrincipalArn"]
    sso = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_{}_0123abcd"
    may_assume = {
        sso.format("PlatformAdmin"): True,
        sso.format("PlatformAdminReadOnly"): False,
        sso.format("DataEngineer"): False,
        "arn:aws:iam::111122223333:role/spark-analytics-emr-job": False,
        "arn:aws:iam::111122223333:role/PlatformAdmin": False,
        "arn:aws:iam::111122223333:user/ci": False,
    }
    assert {arn: any(arn_like(p, arn) for p in patterns) for arn in may_assume} == may_assume


def arn_like(pattern: str, arn: str) -> bool:
    """IAM's ArnLike: each of the six colon-separated parts matched on its own, * and ? wildcards.

    (IAM User Guide, "IAM JSON policy elements: Condition operators", Amazon Resource Name (ARN)
    condition operators.)
    """
    pattern_parts, arn_parts = pattern.split(":", 5), arn.split(":", 5)
    return len(pattern_parts) == len(arn_parts) == 6 and all(
        fnmatch.fnmatchcase(part, want) for want, part in zip(pattern_parts, arn_parts, strict=True)
    )


def test_configured_admin_roles_get_access_entries_and_no_role_is_created(variant):
    entries = {
        lid: e for lid, e in variant.resources("AWS::EKS::AccessEntry").items() if "EksClusterAdminAccess" in lid
    }
    assert [e["Properties"]["PrincipalArn"] for e in entries.values()] == [
        "arn:aws:iam::210987654321:role/platform-admins"
    ]
    assert not [
        r for r in variant.resources("AWS::IAM::Role").values() if "admin" in str(r["Properties"].get("RoleName", ""))
    ]


def test_no_aws_auth_configmap_and_cluster_admin_only_for_admins_and_the_kubectl_provider(sandbox):
    assert "aws-auth" not in json.dumps(sandbox.templates)
    admin = [
        lid
        for lid, entry in sandbox.resources("AWS::EKS::AccessEntry").items()
        if "AmazonEKSClusterAdminPolicy" in json.dumps(entry["Properties"].get("AccessPolicies", []))
    ]
    # The platform admin role, and the kubectl provider's role that applies charts and manifests.
    assert len(admin) == 2
    assert [lid for lid in admin if not lid.startswith("EksClusterAdminAccess")] == [
        lid for lid in admin if lid.startswith("EksClusterClusterAdminRoleAccess")
    ]


def test_vpc_cni_uses_prefix_delegation_and_the_pod_subnets_of_each_zone(sandbox, variant):
    config = addon_configuration(sandbox, "vpc-cni")
    assert config["env"] == {
        "ENABLE_PREFIX_DELEGATION": "true",
        "WARM_PREFIX_TARGET": "1",
        "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": "true",
        "ENI_CONFIG_LABEL_DEF": "topology.kubernetes.io/zone",
    }
    assert config["eniConfig"]["create"] is True
    assert config["eniConfig"]["region"] == "eu-west-1"
    assert sorted(config["eniConfig"]["subnets"]) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert addon_configuration(variant, "vpc-cni")["env"]["WARM_PREFIX_TARGET"] == "2"


def test_eni_configs_point_each_zone_at_its_own_pod_subnet_with_the_cluster_security_group(sandbox):
    raw = addon(sandbox, "vpc-cni")[1]["Properties"]["ConfigurationValues"]["Fn::Join"][1]
    imports = [p["Fn::ImportValue"] for p in raw if isinstance(p, dict) and "Fn::ImportValue" in p]
    assert [name.split("PodSubnet")[1][0] for name in imports] == ["1", "2", "3"]
    attrs = [p["Fn::GetAtt"][1] for p in raw if isinstance(p, dict) and "Fn::GetAtt" in p]
    assert attrs == ["ClusterSecurityGroupId"] * 3


def test_vpc_cni_credentials_come_from_pod_identity_not_from_the_node_role(sandbox):
    _, cni = addon(sandbox, "vpc-cni")
    (association,) = cni["Properties"]["PodIdentityAssociations"]
    assert association["ServiceAccount"] == "aws-node"
    role_id = association["RoleArn"]["Fn::GetAtt"][0]
    role = sandbox.resources("AWS::IAM::Role")[role_id]["Properties"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert sorted(statement["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == {
        "Fn::GetAtt": [only(sandbox.resources("AWS::EKS::Cluster"))[0], "Arn"]
    }
    assert "AmazonEKS_CNI_Policy" in json.dumps(role["ManagedPolicyArns"])
    node_role = sandbox.resources("AWS::IAM::Role")[
        only(sandbox.resources("AWS::EKS::Nodegroup"))[1]["Properties"]["NodeRole"]["Fn::GetAtt"][0]
    ]
    assert "AmazonEKS_CNI_Policy" not in json.dumps(node_role)


def test_networking_add_ons_exist_before_any_node_joins_and_coredns_after(sandbox):
    nodegroup_id, nodegroup = only(sandbox.resources("AWS::EKS::Nodegroup"))
    for name in ("vpc-cni", "kube-proxy", "eks-pod-identity-agent"):
        assert addon(sandbox, name)[0] in nodegroup["DependsOn"], name
    _coredns_id, coredns = addon(sandbox, "coredns")
    assert nodegroup_id in coredns["DependsOn"]
    assert addon(sandbox, "eks-pod-identity-agent")[0] in addon(sandbox, "vpc-cni")[1]["DependsOn"]
    for _, add_on in sandbox.resources("AWS::EKS::Addon").items():
        assert add_on["Properties"]["ResolveConflicts"] == "OVERWRITE"


def test_system_nodes_are_graviton_on_demand_and_tainted_against_spark_pods(sandbox):
    _, nodegroup = only(sandbox.resources("AWS::EKS::Nodegroup"))
    props = nodegroup["Properties"]
    assert props["AmiType"] == "AL2023_ARM_64_STANDARD"
    assert props["CapacityType"] == "ON_DEMAND"
    assert all(t.split(".")[0].endswith("g") for t in props["InstanceTypes"])
    assert props["Taints"] == [{"Key": "CriticalAddonsOnly", "Value": "true", "Effect": "NO_SCHEDULE"}]
    assert props["ScalingConfig"] == {"MinSize": 2, "DesiredSize": 2, "MaxSize": 4}
    subnet_exports = [s["Fn::ImportValue"] for s in props["Subnets"]]
    assert all("nodesSubnet" in name for name in subnet_exports)


def test_system_nodes_require_imdsv2_block_pods_from_imds_and_encrypt_their_disk(sandbox):
    _, template = only(sandbox.resources("AWS::EC2::LaunchTemplate"))
    data = template["Properties"]["LaunchTemplateData"]
    assert data["MetadataOptions"] == {"HttpTokens": "required", "HttpPutResponseHopLimit": 1}
    (device,) = data["BlockDeviceMappings"]
    assert device["Ebs"]["Encrypted"] is True
    assert device["Ebs"]["VolumeType"] == "gp3"


# --- What moves with the Kubernetes version (spark_platform/kubernetes_versions.py) ---------------


def test_nodes_and_every_add_on_are_pinned_to_the_cluster_version(sandbox, variant):
    """EKS upgrades neither the node group nor an add-on when the control plane moves, and refuses
    the next control-plane upgrade while a managed node group is a minor behind
    (UpdateClusterVersion): everything follows cluster.kubernetes_version."""
    for synth in (sandbox, variant):
        version = synth.config.cluster.kubernetes_version
        pins = version_pins(version)
        _, nodegroup = only(synth.resources("AWS::EKS::Nodegroup"))
        assert nodegroup["Properties"]["Version"] == version
        assert nodegroup["Properties"]["ReleaseVersion"] == pins.node_release_version
        assert pins.node_release_version.startswith(version + ".")
        versions = {
            r["Properties"]["AddonName"]: r["Properties"]["AddonVersion"]
            for r in synth.resources("AWS::EKS::Addon").values()
        }
        assert versions == pins.addons
    assert sandbox.config.cluster.kubernetes_version != variant.config.cluster.kubernetes_version


def test_the_version_table_covers_exactly_the_versions_a_cluster_may_use():
    assert tuple(KUBERNETES_VERSION_PINS) == SUPPORTED_KUBERNETES_VERSIONS
    for version, pins in KUBERNETES_VERSION_PINS.items():
        # kube-proxy is built per Kubernetes minor; the AMI release carries that minor's kubelet.
        assert pins.addons["kube-proxy"].startswith(f"v{version}."), version
        assert re.fullmatch(r"v\d{8}", pins.ami_release)
        assert pins.node_release_version.endswith("-" + pins.ami_release[1:])
        assert set(pins.addons) == {
            "vpc-cni",
            "kube-proxy",
            "eks-pod-identity-agent",
            "coredns",
            "amazon-cloudwatch-observability",
        }


def test_the_upgrade_docs_name_every_pinned_add_on_and_count_them_right():
    """docs/operations.md ("Upgrade Kubernetes"), docs/architecture.md and the table's own upgrade
    order (its docstring) move exactly the add-ons the table pins."""
    words = lambda text: " ".join(text.split())  # noqa: E731
    names = {name for pins in KUBERNETES_VERSION_PINS.values() for name in pins.addons}
    assert all(set(pins.addons) == names for pins in KUBERNETES_VERSION_PINS.values())
    count = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"][len(names)]
    upgrade = (ROOT / "docs" / "operations.md").read_text().split("## Upgrade Kubernetes")[1].split("\n## ")[0]
    assert f"pins, per minor, the {count} EKS add-ons" in words(upgrade)
    assert f"the {count} add-on versions" in words((ROOT / "docs" / "architecture.md").read_text())
    step_1 = words(upgrade.split("1. **Cluster stack**")[1].split("2. **Karpenter stack**")[0])
    said_as = {
        "vpc-cni": "VPC CNI",
        "kube-proxy": "kube-proxy",
        "eks-pod-identity-agent": "Pod Identity agent",
        "coredns": "CoreDNS",
        "amazon-cloudwatch-observability": "amazon-cloudwatch-observability",
    }
    assert set(said_as) == names
    for name, said in said_as.items():
        assert said in step_1, f"docs/operations.md, Upgrade Kubernetes step 1, does not say when {name} moves"
        assert said in words(kubernetes_versions.__doc__ or ""), f"kubernetes_versions.py does not order {name}"


def test_the_kubectl_the_provider_runs_is_within_one_minor_of_every_allowed_cluster():
    """kubectl supports one minor of skew with the API server ("Version Skew Policy", kubectl)."""
    minor = lambda version: int(version.split(".")[1])  # noqa: E731
    assert all(abs(minor(version) - minor(KUBECTL_MINOR)) <= 1 for version in SUPPORTED_KUBERNETES_VERSIONS)


def test_a_node_group_update_waits_for_pod_disruption_budgets(sandbox):
    _, nodegroup = only(sandbox.resources("AWS::EKS::Nodegroup"))
    assert nodegroup["Properties"]["ForceUpdateEnabled"] is False


def test_the_system_node_group_is_named_after_what_only_its_creation_can_set():
    """A type change makes a new name, so CloudFormation can create the new group before it deletes
    the old one; a size change keeps the name and updates in place."""
    base = SystemNodesConfig()
    bigger = replace(base, min_size=3, desired_size=3, max_size=6, disk_size_gib=100)
    other_types = replace(base, instance_types=("m8g.large",))
    assert system_nodegroup_name(base) == system_nodegroup_name(bigger)
    assert system_nodegroup_name(base) != system_nodegroup_name(other_types)
    assert re.fullmatch(r"system-[0-9a-f]{8}", system_nodegroup_name(base))

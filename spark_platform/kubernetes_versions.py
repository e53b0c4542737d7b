"""What moves with the Kubernetes version: one reviewed table, per Kubernetes minor.

A Kubernetes upgrade is one configuration change (``cluster.kubernetes_version``) that moves, in
one deploy of the cluster stack and then of the Karpenter stack:

1. the control plane (AWS::EKS::Cluster ``Version``);
2. kube-proxy, the EKS Pod Identity agent and the VPC CNI (``AddonVersion``), which nodes need
   when they join and so are ordered before the node group;
3. the system node group (``Version`` and ``ReleaseVersion``: a rolling update that respects
   PodDisruptionBudgets);
4. CoreDNS and amazon-cloudwatch-observability (Container Insights), after the nodes: both run
   Deployments (and the latter a DaemonSet) that need nodes, and AWS updates add-ons after nodes;
5. Karpenter's nodes: the EC2NodeClass alias resolves per cluster version, so each node is
   drifted; drift replaces it only once it is empty (kubernetes/karpenter/*.yaml budgets), and a
   node busy until its ``expireAfter`` is drained then, running job or not (docs/operations.md,
   "Upgrade Kubernetes").

AWS documents nodes before add-ons ("Update existing cluster to new Kubernetes version", step 4).
CloudFormation applies an update in the order of a create, and at create kube-proxy and the Pod
Identity agent must run before nodes join (aws-node reaches the API server through kube-proxy's
rules and gets its credentials through the agent). They therefore move right after the control
plane and before the nodes, which the Kubernetes version skew policy allows: kube-proxy must not
be newer than kube-apiserver (already upgraded) and may be newer than the kubelet by up to three
minors (kubernetes.io "Version Skew Policy", kube-proxy).

Sources, checked on ``CHECKED``; ``make check-versions`` compares the table with
``aws eks describe-addon-versions`` for whoever has credentials. Entries marked ``observed`` come
from EKS's default for a new cluster of that version as reported publicly, not from an AWS table
(no AWS page lists them); verify them before a production upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass

CHECKED = "2026-11-29"

SOURCES = {
    "kube-proxy": "https://docs.aws.amazon.com/eks/latest/userguide/managing-kube-proxy.html (kube-proxy versions)",
    "coredns": "https://docs.aws.amazon.com/eks/latest/userguide/managing-coredns.html (CoreDNS versions)",
    "vpc-cni": "https://docs.aws.amazon.com/eks/latest/userguide/managing-vpc-cni.html (Amazon VPC CNI versions): "
    "1.35; 1.36 observed",
    "eks-pod-identity-agent": "observed (EKS's default on new 1.35/1.36 clusters); no AWS version table",
    "amazon-cloudwatch-observability": "observed: the add-on is the aws-observability/helm-charts chart "
    "amazon-cloudwatch-observability, released as 6.4.0 on 2026-08-06 (Chart.yaml); EKS publishes no version table "
    "(EKS User Guide, 'Verify Amazon EKS add-on version compatibility with a cluster' points to describe-addon-versions); "
    "Pod Identity from add-on 3.1.0 (CloudWatch User Guide, 'Install the Amazon CloudWatch Observability EKS add-on')",
    "ami": "https://github.com/awslabs/amazon-eks-ami/blob/main/CHANGELOG.md (AMI release v20260714: "
    "amazon-eks-node-al2023-arm64-standard-1.36-v20260714 = 1.36.2-20260714, -1.35- = 1.35.6-20260714)",
}


@dataclass(frozen=True)
class KubernetesVersionPins:
    """Everything pinned for one Kubernetes minor."""

    addons: dict[str, str]  # EKS add-on name -> AddonVersion
    # amazon-eks-ami release: Karpenter's alias al2023@<ami_release> and the system node group's
    # ReleaseVersion <kubelet version>-<date> come from the same AMI release.
    ami_release: str
    node_release_version: str

    @property
    def karpenter_ami_alias(self) -> str:
        return f"al2023@{self.ami_release}"


KUBERNETES_VERSION_PINS: dict[str, KubernetesVersionPins] = {
    "1.35": KubernetesVersionPins(
        addons={
            "vpc-cni": "v1.21.1-eksbuild.7",
            "kube-proxy": "v1.35.3-eksbuild.13",
            "eks-pod-identity-agent": "v1.3.10-eksbuild.3",
            "coredns": "v1.14.3-eksbuild.3",
            "amazon-cloudwatch-observability": "v6.4.0-eksbuild.1",
        },
        ami_release="v20260714",
        node_release_version="1.35.6-20260714",
    ),
    "1.36": KubernetesVersionPins(
        addons={
            # One VPC CNI minor per Kubernetes minor: AWS recommends moving the CNI one minor
            # at a time ("Amazon VPC CNI versions").
            "vpc-cni": "v1.22.4-eksbuild.3",
            "kube-proxy": "v1.36.0-eksbuild.14",
            "eks-pod-identity-agent": "v1.3.10-eksbuild.3",
            "coredns": "v1.14.3-eksbuild.3",
            "amazon-cloudwatch-observability": "v6.4.0-eksbuild.1",
        },
        ami_release="v20260714",
        node_release_version="1.36.2-20260714",
    ),
}

# The kubectl the kubectl/Helm provider runs (aws-cdk.lambda-layer-kubectl-v35): kubectl supports
# one minor of skew either way with the API server ("Version Skew Policy", kubectl).
KUBECTL_MINOR = "1.35"


def version_pins(kubernetes_version: str) -> KubernetesVersionPins:
    return KUBERNETES_VERSION_PINS[kubernetes_version]

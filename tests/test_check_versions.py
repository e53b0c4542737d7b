"""`make check-versions` against canned replies in the shape of EKS's DescribeAddonVersions (EKS API
reference: addons[].addonVersions[].compatibilities[].clusterVersion / defaultVersion)."""

from __future__ import annotations

from spark_platform.kubernetes_versions import KUBERNETES_VERSION_PINS
from spark_platform.lifecycle.check_versions import addon_findings, ami_parameter, check


def reply(*versions: tuple[str, str, bool]) -> dict:
    """(addon version, cluster version, default) rows as one DescribeAddonVersions reply."""
    return {
        "addons": [
            {
                "addonName": "kube-proxy",
                "addonVersions": [
                    {"addonVersion": v, "compatibilities": [{"clusterVersion": c, "defaultVersion": d}]}
                    for v, c, d in versions
                ],
            }
        ]
    }


def test_a_pinned_add_on_eks_does_not_offer_for_the_version_is_an_error_naming_what_it_offers():
    findings = addon_findings("1.36", "kube-proxy", "v1.35.3-eksbuild.13", reply(("v1.36.0-eksbuild.14", "1.36", True)))
    assert findings == [
        "error: 1.36 kube-proxy v1.35.3-eksbuild.13 is not offered for Kubernetes 1.36; offered: v1.36.0-eksbuild.14"
    ]


def test_a_newer_default_is_reported_but_is_not_an_error():
    findings = addon_findings(
        "1.36",
        "kube-proxy",
        "v1.36.0-eksbuild.14",
        reply(("v1.36.0-eksbuild.14", "1.36", False), ("v1.36.0-eksbuild.21", "1.36", True)),
    )
    assert findings == ["note: 1.36 kube-proxy pinned v1.36.0-eksbuild.14, EKS's default is now v1.36.0-eksbuild.21"]


def test_the_whole_table_passes_when_eks_offers_every_pin_and_every_ami_exists():
    def describe(version, addon):
        return reply((KUBERNETES_VERSION_PINS[version].addons[addon], version, True))

    assert check(KUBERNETES_VERSION_PINS, describe, lambda name: True) == []
    missing = check(KUBERNETES_VERSION_PINS, describe, lambda name: "1.36" not in name)
    assert missing == [f"error: 1.36: no AL2023 arm64 AMI of release v20260714 ({ami_parameter('1.36', 'v20260714')})"]


def test_the_ami_parameter_is_the_one_karpenter_resolves_an_alias_through():
    assert ami_parameter("1.36", "v20260714") == (
        "/aws/service/eks/optimized-ami/1.36/amazon-linux-2023/arm64/standard/"
        "amazon-eks-node-al2023-arm64-standard-1.36-v20260714/image_id"
    )

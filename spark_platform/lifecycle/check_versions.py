"""Compare the reviewed version table (spark_platform/kubernetes_versions.py) with what AWS offers.

For whoever has credentials (``make check-versions``, boto3 in .venv-aws); the suite feeds the
same functions canned replies. For each Kubernetes version in the table:

* every pinned add-on version must be one EKS lists as compatible with that cluster version
  (``eks describe-addon-versions --kubernetes-version``), and a newer default is reported;
* the pinned AMI release must exist for that version: Karpenter resolves ``al2023@<release>``
  through the public SSM parameter ``/aws/service/eks/optimized-ami/<version>/amazon-linux-2023/
  arm64/standard/amazon-eks-node-al2023-arm64-standard-<version>-<release>/image_id``
  (karpenter-provider-aws, pkg/providers/amifamily/al2023.go), and the node group's
  ReleaseVersion must match the recommended one of that release.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from spark_platform.kubernetes_versions import KUBERNETES_VERSION_PINS, KubernetesVersionPins


def ami_parameter(kubernetes_version: str, ami_release: str) -> str:
    name = f"amazon-eks-node-al2023-arm64-standard-{kubernetes_version}-{ami_release}"
    return f"/aws/service/eks/optimized-ami/{kubernetes_version}/amazon-linux-2023/arm64/standard/{name}/image_id"


def addon_findings(kubernetes_version: str, addon: str, pinned: str, reply: Mapping[str, Any]) -> list[str]:
    """Problems and news about one pinned add-on, from a DescribeAddonVersions reply."""
    compatible, default = set(), None
    for entry in reply.get("addons", []):
        for version in entry.get("addonVersions", []):
            for compatibility in version.get("compatibilities", []):
                if compatibility.get("clusterVersion") == kubernetes_version:
                    compatible.add(version["addonVersion"])
                    if compatibility.get("defaultVersion"):
                        default = version["addonVersion"]
    where = f"{kubernetes_version} {addon}"
    if pinned not in compatible:
        offered = ", ".join(sorted(compatible)) or "none"
        return [f"error: {where} {pinned} is not offered for Kubernetes {kubernetes_version}; offered: {offered}"]
    if default and default != pinned:
        return [f"note: {where} pinned {pinned}, EKS's default is now {default}"]
    return []


def check(
    table: Mapping[str, KubernetesVersionPins],
    describe_addon_versions: Callable[[str, str], Mapping[str, Any]],
    parameter_exists: Callable[[str], bool],
) -> list[str]:
    findings = []
    for version, pins in table.items():
        for addon, pinned in pins.addons.items():
            findings += addon_findings(version, addon, pinned, describe_addon_versions(version, addon))
        if not parameter_exists(ami_parameter(version, pins.ami_release)):
            findings.append(
                f"error: {version}: no AL2023 arm64 AMI of release {pins.ami_release} ({ami_parameter(version, pins.ami_release)})"
            )
    return findings


def main(argv: Iterable[str] | None = None) -> int:
    import boto3  # only here: the checks above run without it

    eks, ssm = boto3.client("eks"), boto3.client("ssm")

    def describe(version: str, addon: str) -> Mapping[str, Any]:
        return eks.describe_addon_versions(kubernetesVersion=version, addonName=addon)

    def exists(name: str) -> bool:
        try:
            ssm.get_parameter(Name=name)
        except ssm.exceptions.ParameterNotFound:
            return False
        return True

    findings = check(KUBERNETES_VERSION_PINS, describe, exists)
    print("\n".join(findings) or "the version table matches what EKS offers")
    return 1 if any(line.startswith("error:") for line in findings) else 0


if __name__ == "__main__":
    sys.exit(main())

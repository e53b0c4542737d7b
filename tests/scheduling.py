"""Where can a pod land? A model of how Kubernetes and Karpenter match pods to NodePools.

Implements what decides placement for Spark pods: taints and tolerations, nodeSelector and
required node affinity against a pool's labels and requirements. A pod that names a label the
pool neither sets nor constrains (and Karpenter does not know) fits nowhere: it stays Pending.
"""

from __future__ import annotations

from typing import Any

# Labels Karpenter fills in on every node it launches, with the values it can choose from.
WELL_KNOWN = {
    "kubernetes.io/arch": {"amd64", "arm64"},
    "kubernetes.io/os": {"linux", "windows"},
    "karpenter.sh/capacity-type": {"spot", "on-demand", "reserved"},
}


def tolerates(toleration: dict[str, Any], taint: dict[str, Any]) -> bool:
    if toleration.get("effect") and toleration["effect"] != taint["effect"]:
        return False
    if toleration.get("operator", "Equal") == "Exists":
        return not toleration.get("key") or toleration["key"] == taint["key"]
    return toleration.get("key") == taint["key"] and toleration.get("value", "") == taint.get("value", "")


def node_values(key: str, pool: dict[str, Any]) -> set[str]:
    """Values a node of ``pool`` can carry for label ``key`` (empty: never carries it)."""
    template = pool["spec"]["template"]
    labels = template.get("metadata", {}).get("labels", {})
    if key in labels:
        return {labels[key]}
    for requirement in template["spec"].get("requirements", []):
        if requirement["key"] == key:
            universe = WELL_KNOWN.get(key, set(requirement.get("values", [])))
            if requirement["operator"] == "In":
                return set(requirement["values"])
            if requirement["operator"] == "NotIn":
                return universe - set(requirement["values"])
    return set(WELL_KNOWN.get(key, set()))


def allowed_values(key: str, pod: dict[str, Any], pool: dict[str, Any]) -> set[str]:
    """Values of ``key`` on the nodes of ``pool`` that ``pod`` accepts."""
    spec = pod["spec"]
    values = node_values(key, pool)
    if key in spec.get("nodeSelector", {}):
        values &= {spec["nodeSelector"][key]}
    affinity = spec.get("affinity", {}).get("nodeAffinity", {}).get("requiredDuringSchedulingIgnoredDuringExecution")
    for term in (affinity or {}).get("nodeSelectorTerms", []):
        for expression in term.get("matchExpressions", []):
            if expression["key"] == key and expression["operator"] == "In":
                values &= set(expression["values"])
            elif expression["key"] == key and expression["operator"] == "NotIn":
                values -= set(expression["values"])
    return values


def fits(pod: dict[str, Any], pool: dict[str, Any]) -> bool:
    spec = pod["spec"]
    for taint in pool["spec"]["template"]["spec"].get("taints", []):
        if not any(tolerates(toleration, taint) for toleration in spec.get("tolerations", [])):
            return False
    keys = set(spec.get("nodeSelector", {}))
    affinity = spec.get("affinity", {}).get("nodeAffinity", {}).get("requiredDuringSchedulingIgnoredDuringExecution")
    terms = (affinity or {}).get("nodeSelectorTerms", [])
    if len(terms) > 1:
        raise NotImplementedError("pod templates use a single nodeSelectorTerm")
    for term in terms:
        keys |= {expression["key"] for expression in term.get("matchExpressions", [])}
    return all(allowed_values(key, pod, pool) for key in keys)


def as_pool(
    name: str, *, labels: dict[str, str], taints: list[dict[str, str]], requirements: list[dict] | None = None
) -> dict:
    """A managed node group written as a pool, so the same matcher can check it."""
    return {
        "metadata": {"name": name},
        "spec": {
            "template": {"metadata": {"labels": labels}, "spec": {"taints": taints, "requirements": requirements or []}}
        },
    }

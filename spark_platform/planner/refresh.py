"""Turn AWS's answers into the planner's price table (``make refresh-prices``).

Pure functions over the replies of three APIs, so the tests feed them canned replies and never
call AWS (scripts/refresh_prices.py makes the calls):

- Price List Query API ``GetProducts`` (service AmazonEC2; "Using the AWS Price List Query
  API", AWS Billing User Guide): every ``PriceList`` item is a JSON document whose
  ``product.attributes`` carry ``instanceType``, ``operatingSystem``, ``tenancy``,
  ``preInstalledSw``, ``capacitystatus`` and ``regionCode``, and whose ``terms.OnDemand``
  holds ``priceDimensions.*.pricePerUnit.USD`` per hour;
- EC2 ``DescribeInstanceTypes``: ``VCpuInfo.DefaultVCpus``, ``MemoryInfo.SizeInMiB``,
  ``NetworkInfo.MaximumNetworkInterfaces`` / ``Ipv4AddressesPerInterface``,
  ``InstanceStorageInfo.TotalSizeInGB``;
- EC2 ``DescribeSpotPriceHistory``: ``InstanceType``, ``AvailabilityZone``, ``SpotPrice``,
  ``Timestamp``. A type's spot price is the mean over its zones of each zone's latest price.

The instance shapes stay in spark_platform/jobs/instance_families.yaml; the refresh only
reports where DescribeInstanceTypes disagrees with it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

FAMILIES = Path(__file__).resolve().parent.parent / "jobs" / "instance_families.yaml"


def planned_instance_types(table: Mapping[str, Any] | None = None) -> list[str]:
    """Every family.size instance_families.yaml describes."""
    table = table or yaml.safe_load(FAMILIES.read_text(encoding="utf-8"))
    sizes = table["vcpus_by_size"]
    return [
        f"{family}.{size}"
        for family, spec in table["families"].items()
        for size, vcpus in sizes.items()
        if vcpus <= sizes[spec["largest"]]
    ]


def on_demand_prices(price_list: Iterable[str | Mapping[str, Any]], region: str) -> dict[str, float]:
    """USD per hour of Linux, shared-tenancy, no-preinstalled-software instances in ``region``."""
    prices = {}
    for item in price_list:
        document = json.loads(item) if isinstance(item, str) else item
        attributes = document["product"]["attributes"]
        if (
            attributes.get("regionCode") != region
            or attributes.get("operatingSystem") != "Linux"
            or attributes.get("tenancy") != "Shared"
            or attributes.get("preInstalledSw") != "NA"
            or attributes.get("capacitystatus") != "Used"
        ):
            continue
        for term in document.get("terms", {}).get("OnDemand", {}).values():
            for dimension in term["priceDimensions"].values():
                usd = float(dimension["pricePerUnit"]["USD"])
                if usd > 0:
                    prices[attributes["instanceType"]] = usd
    return prices


def spot_prices(history: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    latest: dict[tuple[str, str], tuple[str, float]] = {}
    for entry in history:
        key = (entry["InstanceType"], entry["AvailabilityZone"])
        stamp = str(entry["Timestamp"])
        if key not in latest or stamp > latest[key][0]:
            latest[key] = (stamp, float(entry["SpotPrice"]))
    by_type: dict[str, list[float]] = defaultdict(list)
    for (instance_type, _zone), (_, price) in latest.items():
        by_type[instance_type].append(price)
    return {name: round(sum(values) / len(values), 6) for name, values in sorted(by_type.items())}


def shape_mismatches(described: Iterable[Mapping[str, Any]], table: Mapping[str, Any] | None = None) -> list[str]:
    """Where DescribeInstanceTypes disagrees with instance_families.yaml, one line each."""
    table = table or yaml.safe_load(FAMILIES.read_text(encoding="utf-8"))
    problems = []
    for item in described:
        name = item["InstanceType"]
        family, size = name.split(".", 1)
        spec = table["families"].get(family)
        if spec is None or size not in table["vcpus_by_size"]:
            continue
        vcpus = table["vcpus_by_size"][size]
        expected = {
            "vcpus": vcpus,
            "memory_gib": vcpus * spec["memory_gib_per_vcpu"],
            "enis": table["enis_by_size"][size][0],
            "ipv4_per_eni": table["enis_by_size"][size][1],
            "nvme_gb": round(vcpus * spec["nvme_gb_per_vcpu"]),
        }
        actual = {
            "vcpus": item["VCpuInfo"]["DefaultVCpus"],
            "memory_gib": item["MemoryInfo"]["SizeInMiB"] / 1024,
            "enis": item["NetworkInfo"]["MaximumNetworkInterfaces"],
            "ipv4_per_eni": item["NetworkInfo"]["Ipv4AddressesPerInterface"],
            "nvme_gb": item.get("InstanceStorageInfo", {}).get("TotalSizeInGB", 0),
        }
        for field, value in expected.items():
            if actual[field] != value:
                problems.append(f"{name}: {field} is {actual[field]} at AWS but {value} in instance_families.yaml")
    return problems


def render_table(
    *, region: str, checked: str, on_demand: Mapping[str, float], spot: Mapping[str, float], spot_fraction: float = 0.35
) -> str:
    header = (
        f"# On-demand and spot prices in {region}, Linux, shared tenancy, USD per hour, written by\n"
        "# `make refresh-prices` (scripts/refresh_prices.py) from the Price List Query API and\n"
        "# DescribeSpotPriceHistory (mean of each zone's latest price). Shapes: instance_families.yaml.\n"
    )
    document = {
        "region": region,
        "checked": checked,
        "on_demand_source": f"AWS Price List Query API GetProducts, read {checked}",
        "spot_source": f"EC2 DescribeSpotPriceHistory, read {checked}"
        if spot
        else "assumption (no spot price history read)",
        "spot_fraction_of_on_demand_assumed": spot_fraction,
        "spot_usd_per_hour": dict(spot),
        "on_demand_usd_per_hour": dict(on_demand),
    }
    return header + yaml.safe_dump(document, sort_keys=False)

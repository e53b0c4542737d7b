"""What an instance type costs per hour, from the dated table in spark_platform/jobs/prices/.

One file per Region (``<region>.yaml``), written by ``make refresh-prices`` or by hand with its
``checked:`` date and sources. When the configured Region has no table the planner uses the
US East (N. Virginia) one and every plan says so (``prices.region`` differs from the
configuration's Region). Spot types without a measured price cost
``spot_fraction_of_on_demand_assumed`` x on-demand, and the plan records that assumption too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from spark_platform.config import ConfigError

FALLBACK_REGION = "us-east-1"


@dataclass(frozen=True)
class PriceTable:
    region: str
    checked: str
    on_demand: dict[str, float]
    spot: dict[str, float] = field(default_factory=dict)
    spot_fraction: float = 0.35
    on_demand_source: str = ""
    spot_source: str = ""
    requested_region: str = ""

    def hourly(self, instance_type: str, capacity_type: str) -> float:
        if instance_type not in self.on_demand:
            raise ConfigError(
                f"prices: {instance_type} has no on-demand price in spark_platform/jobs/prices/{self.region}.yaml; "
                f"run make refresh-prices REGION={self.region} or add it by hand"
            )
        if capacity_type == "spot":
            return self.spot.get(instance_type, self.on_demand[instance_type] * self.spot_fraction)
        return self.on_demand[instance_type]

    def describe(self) -> dict[str, Any]:
        notes = []
        if self.requested_region and self.requested_region != self.region:
            notes.append(
                f"no price table for {self.requested_region}; {self.region} prices are used "
                f"(make refresh-prices REGION={self.requested_region} writes one)"
            )
        if not self.spot:
            notes.append(
                f"spot prices assumed at {self.spot_fraction:g} x on-demand (no spot price history in the table)"
            )
        return {
            "region": self.region,
            "checked": self.checked,
            "on_demand_source": self.on_demand_source,
            "spot_source": self.spot_source,
            "notes": notes,
        }


def parse_price_table(data: Any, source: str) -> PriceTable:
    if not isinstance(data, dict) or not isinstance(data.get("on_demand_usd_per_hour"), dict):
        raise ConfigError(f"prices: {source} needs region, checked and on_demand_usd_per_hour (instance type: USD)")
    for name in ("region", "checked"):
        if name not in data:
            raise ConfigError(f"prices: {source} has no {name!r}; state the Region and the date the prices were read")
    fraction = float(data.get("spot_fraction_of_on_demand_assumed", 0.35))
    if not 0 < fraction <= 1:
        raise ConfigError(f"prices: {source} spot_fraction_of_on_demand_assumed {fraction} must be in (0, 1]")
    return PriceTable(
        region=str(data["region"]),
        checked=str(data["checked"]),
        on_demand={str(k): float(v) for k, v in data["on_demand_usd_per_hour"].items()},
        spot={str(k): float(v) for k, v in (data.get("spot_usd_per_hour") or {}).items()},
        spot_fraction=fraction,
        on_demand_source=str(data.get("on_demand_source", "")),
        spot_source=str(data.get("spot_source", "")),
    )


def price_table(region: str) -> PriceTable:
    """The table of ``region``, else the fallback one (noted in ``describe()``)."""
    folder = resources.files("spark_platform.jobs").joinpath("prices")
    for candidate in (region, FALLBACK_REGION):
        path = folder.joinpath(f"{candidate}.yaml")
        if path.is_file():
            table = parse_price_table(yaml.safe_load(path.read_text(encoding="utf-8")), f"{candidate}.yaml")
            return PriceTable(**{**table.__dict__, "requested_region": region})
    raise ConfigError(
        f"prices: no table for {region} in spark_platform/jobs/prices/; run make refresh-prices REGION={region}"
    )

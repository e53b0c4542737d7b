"""What the platform costs per month before any job runs, component by component.

Priced from the dated table spark_platform/jobs/prices/platform-us-east-1.yaml (its sources are
listed there) and the system nodes from the planner's EC2 table. What depends on use (data
through NAT gateways and endpoints, log ingestion and storage, S3, the Airflow metadata
database, EBS volumes) is not in the fixed cost; the report lists it with its unit price. `make
plan` and `make synth` print the total next to the per-run Spark cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from spark_platform.config import PlatformConfig
from spark_platform.planner.prices import PriceTable, price_table

TABLE = "platform-us-east-1.yaml"
# The schedulers and workers an MWAA environment's hourly price covers; more are billed as
# additional ones. Assumed: the MWAA API's defaults (Schedulers 2, MinWorkers 1), which the
# environment price covers according to AWS's pricing examples as infracost reads them
# (additional workers and schedulers are usage items there).
MWAA_INCLUDED_SCHEDULERS = 2
MWAA_INCLUDED_WORKERS = 1


@dataclass(frozen=True)
class CostLine:
    component: str
    quantity: str  # what is counted, in words
    monthly_usd: float | None  # None: the table has no price for it
    source: str


@dataclass
class FixedCost:
    lines: list[CostLine]
    region: str
    checked: str
    notes: list[str] = field(default_factory=list)
    usage_prices: dict[str, str] = field(default_factory=dict)

    @property
    def monthly_usd(self) -> float:
        return round(sum(line.monthly_usd or 0 for line in self.lines), 2)

    def document(self) -> dict[str, Any]:
        return {
            "monthly_usd": self.monthly_usd,
            "prices_region": self.region,
            "prices_checked": self.checked,
            "components": [
                {"component": c.component, "quantity": c.quantity, "monthly_usd": c.monthly_usd, "source": c.source}
                for c in self.lines
            ],
            "notes": self.notes,
            "not_included_usage": self.usage_prices,
        }


def platform_prices() -> dict[str, Any]:
    return yaml.safe_load((resources.files("spark_platform.jobs") / "prices" / TABLE).read_text(encoding="utf-8"))


def kms_keys(config: PlatformConfig) -> int:
    """Customer managed keys the platform creates: secrets and control-plane logs (cluster), flow
    logs (network), data and team logs (tenancy), the alert topics' and job events' keys
    (observability), and the MWAA source and DAG-deployment logs keys."""
    return 7 + (2 if config.orchestration.enabled else 0)


def fixed_monthly_cost(config: PlatformConfig, ec2: PriceTable | None = None) -> FixedCost:
    table = platform_prices()
    prices, hours = table["prices"], table["hours_per_month"]
    ec2 = ec2 or price_table(config.environment.region)
    zones = len(config.environment.availability_zones)
    month = lambda hourly, count=1: round(hourly * count * hours, 2)  # noqa: E731

    def line(component: str, quantity: str, key: str, count: float) -> CostLine:
        return CostLine(component, quantity, month(prices[key]["usd"], count), prices[key]["source"])

    nat = config.nat_gateway_count
    endpoints = len(config.network.interface_endpoints)
    nodes = config.system_nodes
    node_type = nodes.instance_types[0]
    lines = [
        line("EKS control plane", "1 cluster, standard support", "eks_cluster_hour", 1),
        line("NAT gateways", f"{nat} x 730 h", "nat_gateway_hour", nat),
        line("NAT gateways' public IPv4 addresses", f"{nat} x 730 h", "public_ipv4_hour", nat),
        line(
            "interface endpoints",
            f"{endpoints} endpoints x {zones} zones x 730 h",
            "interface_endpoint_az_hour",
            endpoints * zones,
        ),
        CostLine(
            "system nodes",
            f"{nodes.desired_size} x {node_type} on-demand x 730 h",
            month(ec2.hourly(node_type, "on-demand"), nodes.desired_size),
            f"{ec2.region} EC2 table ({ec2.on_demand_source})",
        ),
        CostLine(
            "KMS keys",
            f"{kms_keys(config)} customer managed keys",
            kms_keys(config) * prices["kms_key_month"]["usd"],
            prices["kms_key_month"]["source"],
        ),
    ]
    notes = [f"{table['region']} list prices (checked {table['checked']}); {config.environment.region} may differ"]
    if config.orchestration.enabled:
        lines += _mwaa(config, prices, hours, notes)
    notes.append(
        f"system nodes priced as {node_type}, the first of system_nodes.instance_types; EBS volumes not included"
    )
    usage = {name: f"USD {entry['usd']} ({entry['source']})" for name, entry in table["usage"].items()}
    return FixedCost(
        lines=lines, region=table["region"], checked=str(table["checked"]), notes=notes, usage_prices=usage
    )


def _mwaa(config: PlatformConfig, prices: dict, hours: int, notes: list[str]) -> list[CostLine]:
    settings = config.orchestration
    size = settings.environment_class
    environment = prices["mwaa_environment_hour"]["usd"].get(size)
    if environment is None:
        notes.append(f"MWAA {size}: no price in spark_platform/jobs/prices/{TABLE}; not in the total")
        return [CostLine(f"MWAA {size}", "1 environment", None, "no price in the table")]
    lines = [CostLine(f"MWAA {size}", "1 environment x 730 h", round(environment * hours, 2),
                      prices["mwaa_environment_hour"]["source"])]  # fmt: skip
    extra_workers = max(settings.min_workers - MWAA_INCLUDED_WORKERS, 0)
    extra_schedulers = max(settings.schedulers - MWAA_INCLUDED_SCHEDULERS, 0)
    for count, key, what in ((extra_workers, "mwaa_additional_worker_hour", "workers always running"),
                             (extra_schedulers, "mwaa_additional_scheduler_hour", "schedulers")):  # fmt: skip
        if count:
            hourly = prices[key]["usd"][size]
            lines.append(CostLine(f"MWAA additional {what}", f"{count} x 730 h", round(hourly * count * hours, 2),
                                  prices[key]["source"]))  # fmt: skip
    notes.append(
        f"MWAA: the environment price is taken to cover {MWAA_INCLUDED_SCHEDULERS} schedulers and "
        f"{MWAA_INCLUDED_WORKERS} worker (assumed); workers above min_workers scale with load and are not fixed"
    )
    return lines


def markdown(cost: FixedCost) -> str:
    rows = "\n".join(
        f"| {c.component} | {c.quantity} | {'-' if c.monthly_usd is None else f'{c.monthly_usd:,.2f}'} | {c.source} |"
        for c in cost.lines
    )
    notes = "\n".join(f"- {note}" for note in cost.notes)
    usage = "\n".join(f"- {name}: {price}" for name, price in cost.usage_prices.items())
    return (
        f"## The platform's fixed cost: USD {cost.monthly_usd:,.2f} per month\n\n"
        "| component | counted | USD per month | source |\n|---|---|---:|---|\n"
        f"{rows}\n\n{notes}\n\nNot included, billed by use:\n\n{usage}\n"
    )


def summary(cost: FixedCost) -> dict[str, str]:
    """The fixed cost as `make synth` prints it: the total, then one line per component with what
    is counted and where its price comes from."""
    lines = {
        "fixed cost per month": f"USD {cost.monthly_usd:,.2f} ({cost.region} list prices of {cost.checked}; "
        "use-based charges are listed by `make plan`)"
    }
    for line in cost.lines:
        price = "no dated price" if line.monthly_usd is None else f"USD {line.monthly_usd:,.2f}"
        lines[f"  {line.component}"] = f"{price}: {line.quantity} ({line.source})"
    return lines

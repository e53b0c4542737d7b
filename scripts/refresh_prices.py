"""Rewrite spark_platform/jobs/prices/<region>.yaml from AWS (`make refresh-prices REGION=...`).

Needs credentials allowed ``pricing:GetProducts``, ``ec2:DescribeInstanceTypes`` and
``ec2:DescribeSpotPriceHistory`` (read-only). The Price List Query API answers from us-east-1
for every Region. Prints where DescribeInstanceTypes disagrees with instance_families.yaml;
fix that file by hand. The tests never run this script; they feed its parsing
(spark_platform/planner/refresh.py) canned replies.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spark_platform.planner.refresh import (  # noqa: E402
    on_demand_prices,
    planned_instance_types,
    render_table,
    shape_mismatches,
    spot_prices,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", required=True)
    parser.add_argument("--spot-days", type=int, default=7, help="spot price history to read (days)")
    args = parser.parse_args()
    types = planned_instance_types()
    pricing = boto3.client("pricing", region_name="us-east-1")
    price_list = []
    for instance_type in types:
        for page in pricing.get_paginator("get_products").paginate(
            ServiceCode="AmazonEC2",
            Filters=[
                {"Type": "TERM_MATCH", "Field": field, "Value": value}
                for field, value in (
                    ("regionCode", args.region),
                    ("instanceType", instance_type),
                    ("operatingSystem", "Linux"),
                    ("tenancy", "Shared"),
                    ("preInstalledSw", "NA"),
                    ("capacitystatus", "Used"),
                )
            ],
        ):
            price_list += page["PriceList"]
    ec2 = boto3.client("ec2", region_name=args.region)
    described = []
    history = []
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=args.spot_days)
    # DescribeInstanceTypes takes at most 100 instance types per call; batch both reads alike.
    for batch in (types[i : i + 100] for i in range(0, len(types), 100)):
        for page in ec2.get_paginator("describe_instance_types").paginate(InstanceTypes=batch):
            described += page["InstanceTypes"]
        for page in ec2.get_paginator("describe_spot_price_history").paginate(
            InstanceTypes=batch, ProductDescriptions=["Linux/UNIX"], StartTime=start
        ):
            history += page["SpotPriceHistory"]
    on_demand = on_demand_prices(price_list, args.region)
    missing = sorted(set(types) - set(on_demand))
    if missing:
        print(f"error: no on-demand price in {args.region} for {', '.join(missing)}", file=sys.stderr)
        return 1
    path = ROOT / "spark_platform" / "jobs" / "prices" / f"{args.region}.yaml"
    today = datetime.date.today().isoformat()
    path.write_text(
        render_table(region=args.region, checked=today, on_demand=on_demand, spot=spot_prices(history)),
        encoding="utf-8",
    )
    for problem in shape_mismatches(described):
        print(f"instance_families.yaml: {problem}", file=sys.stderr)
    print(
        f"wrote {path.relative_to(ROOT)}: {len(on_demand)} on-demand prices, spot for {len(spot_prices(history))} types"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

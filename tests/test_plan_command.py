"""`make plan` / `python -m spark_platform.planner`: outputs, --check, errors; the price refresh's parsing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from spark_platform.planner.__main__ import main
from spark_platform.planner.prices import parse_price_table
from spark_platform.planner.refresh import (
    on_demand_prices,
    planned_instance_types,
    render_table,
    shape_mismatches,
    spot_prices,
)
from spark_platform.planner.synthetic import synthetic_platform


def write_config(tmp_path: Path, **settings) -> str:
    path = tmp_path / "platform.yaml"
    path.write_text(yaml.safe_dump(synthetic_platform(tmp_path / "pipelines", **settings)), encoding="utf-8")
    return str(path)


def test_the_sandbox_plan_writes_plan_json_the_report_and_both_charts(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--check"]) == 0
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["problems"] == [] and plan["pod_ip_capacity"] == 49056
    assert set(plan["all_at_minute_0"]) >= {"peak_pod_ips", "peak_nodes", "cost_per_day_usd", "problems"}
    for chart in ("pod_ips.png", "vcpu.png"):
        assert (tmp_path / chart).read_bytes().startswith(b"\x89PNG")
    report = (tmp_path / "plan.md").read_text()
    assert "![pod_ips.png](pod_ips.png)" in report and "| queued job-minutes | 0 |" in report
    assert "no price table for eu-west-1" in report
    assert capsys.readouterr().out.startswith("plan: 2 pipelines, peak pod IPs ")


def test_check_fails_when_the_staggered_day_overflows_the_pod_address_space(tmp_path, capsys):
    config = write_config(
        tmp_path,
        pipelines=150,
        jobs=1,
        hourly_every=1,
        executors=20,
        executor_cores=1,
        minutes=10,
        pod_cidr="100.64.0.0/20",
    )
    assert main(["--config", config, "--out", str(tmp_path / "out"), "--no-charts"]) == 0  # reports only
    assert main(["--config", config, "--out", str(tmp_path / "out"), "--no-charts", "--check"]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert any(line.startswith("problem: pod IPs: eu-west-1") for line in errors)


def test_a_bad_configuration_exits_2_with_a_line_per_problem_naming_the_file_and_field(tmp_path, capsys):
    path = tmp_path / "platform.yaml"
    environment = {"region": "eu-west-1", "availability_zones": ["eu-west-1a", "eu-west-1b"]}
    path.write_text(
        yaml.safe_dump({"name_prefix": "x", "environment": environment, "network": {"pod_cidr": "10.0.0.0/16"}})
    )
    assert main(["--config", str(path), "--out", str(tmp_path / "out"), "--no-charts"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith(f"error: {path}: network.pod_cidr: 10.0.0.0/16 must be inside 100.64.0.0/10")
    assert [line.split(": ")[2] for line in lines] == [
        "network.pod_cidr",
        "network.pod_cidr",  # it also overlaps the VPC
        "name_prefix",
        "cluster.admin_role",
    ]


PRODUCT = {
    "product": {
        "attributes": {
            "instanceType": "m7g.xlarge",
            "regionCode": "eu-west-1",
            "operatingSystem": "Linux",
            "tenancy": "Shared",
            "preInstalledSw": "NA",
            "capacitystatus": "Used",
        }
    },
    "terms": {"OnDemand": {"T1": {"priceDimensions": {"D1": {"pricePerUnit": {"USD": "0.1785000000"}}}}}},
}


def test_price_list_items_become_hourly_prices_for_linux_shared_tenancy_only():
    windows = json.loads(json.dumps(PRODUCT))
    windows["product"]["attributes"].update(operatingSystem="Windows", instanceType="m7g.large")
    reserved = json.loads(json.dumps(PRODUCT))
    reserved["product"]["attributes"].update(capacitystatus="UnusedCapacityReservation", instanceType="c7g.large")
    prices = on_demand_prices([json.dumps(PRODUCT), windows, reserved], "eu-west-1")
    assert prices == {"m7g.xlarge": 0.1785}
    assert on_demand_prices([PRODUCT], "us-east-1") == {}


def test_spot_price_is_the_mean_of_each_zones_latest_price():
    history = [
        {
            "InstanceType": "m7g.xlarge",
            "AvailabilityZone": "eu-west-1a",
            "SpotPrice": "0.0700",
            "Timestamp": "2026-11-20T10:00:00Z",
        },
        {
            "InstanceType": "m7g.xlarge",
            "AvailabilityZone": "eu-west-1a",
            "SpotPrice": "0.0600",
            "Timestamp": "2026-11-21T10:00:00Z",
        },
        {
            "InstanceType": "m7g.xlarge",
            "AvailabilityZone": "eu-west-1b",
            "SpotPrice": "0.0800",
            "Timestamp": "2026-11-19T10:00:00Z",
        },
    ]
    assert spot_prices(history) == {"m7g.xlarge": 0.07}


def test_describe_instance_types_disagreeing_with_the_family_table_is_reported():
    described = {
        "InstanceType": "m7g.xlarge",
        "VCpuInfo": {"DefaultVCpus": 4},
        "MemoryInfo": {"SizeInMiB": 16384},
        "NetworkInfo": {"MaximumNetworkInterfaces": 4, "Ipv4AddressesPerInterface": 15},
    }
    assert shape_mismatches([described]) == []
    described["NetworkInfo"]["MaximumNetworkInterfaces"] = 3
    assert shape_mismatches([described]) == ["m7g.xlarge: enis is 3 at AWS but 4 in instance_families.yaml"]
    assert len(planned_instance_types()) == 150


def test_a_refreshed_table_reads_back_with_its_date_and_sources():
    text = render_table(
        region="eu-west-1", checked="2026-11-22", on_demand={"m7g.xlarge": 0.1785}, spot={"m7g.xlarge": 0.07}
    )
    table = parse_price_table(yaml.safe_load(text), "eu-west-1.yaml")
    assert table.hourly("m7g.xlarge", "spot") == 0.07 and table.hourly("m7g.xlarge", "on-demand") == 0.1785
    assert "DescribeSpotPriceHistory" in table.spot_source and table.checked == "2026-11-22"
    with pytest.raises(Exception, match=r"^prices: c7g.large has no on-demand price"):
        table.hourly("c7g.large", "on-demand")


def test_the_sandbox_figures_the_readme_shows_are_the_current_plan(tmp_path):
    """docs/planner/sandbox/ is what `make plan` writes today; re-run it after a model change."""
    assert main(["--out", str(tmp_path), "--no-charts"]) == 0
    shown = Path(__file__).resolve().parent.parent / "docs" / "planner" / "sandbox" / "plan.json"
    assert json.loads(shown.read_text()) == json.loads((tmp_path / "plan.json").read_text())

"""The platform's own monthly cost: every component priced from the dated table, none forgotten."""

from __future__ import annotations

from dataclasses import replace

from spark_platform.config import OrchestrationConfig, sandbox_config
from spark_platform.planner.fixed_cost import fixed_monthly_cost, kms_keys, platform_prices


def test_the_sandboxs_fixed_cost_is_itemized_from_the_dated_table():
    cost = fixed_monthly_cost(sandbox_config())
    by_component = {line.component: line.monthly_usd for line in cost.lines}
    assert by_component == {
        "EKS control plane": 73.0,  # 0.10 x 730
        "NAT gateways": 98.55,  # 3 zones x 0.045 x 730
        "NAT gateways' public IPv4 addresses": 10.95,
        "interface endpoints": 109.5,  # 5 endpoints x 3 zones x 0.01 x 730
        "system nodes": 119.14,  # 2 x m7g.large 0.0816 x 730
        "KMS keys": 9.0,
        "MWAA mw1.small": 357.7,
    }
    assert cost.monthly_usd == 777.84
    assert cost.checked == str(platform_prices()["checked"]) and cost.region == "us-east-1"
    assert any("eu-west-1 may differ" in note for note in cost.notes)
    assert all(line.source for line in cost.lines)


def test_every_kms_key_the_platform_creates_is_counted(sandbox, variant):
    for synth in (sandbox, variant):
        assert kms_keys(synth.config) == len(synth.resources("AWS::KMS::Key"))


def test_an_environment_class_without_a_price_is_named_not_guessed():
    config = replace(
        sandbox_config(), orchestration=OrchestrationConfig(environment_class="mw1.micro", schedulers=1, max_workers=1)
    )
    cost = fixed_monthly_cost(config)
    (mwaa,) = [line for line in cost.lines if line.component.startswith("MWAA")]
    assert mwaa.monthly_usd is None
    assert any("MWAA mw1.micro: no price" in note for note in cost.notes)
    assert cost.monthly_usd == round(sum(line.monthly_usd or 0 for line in cost.lines), 2)


def test_workers_and_schedulers_kept_running_beyond_the_included_ones_are_fixed_cost():
    config = replace(sandbox_config(), orchestration=OrchestrationConfig(min_workers=3, schedulers=3))
    extra = {line.component: line.monthly_usd for line in fixed_monthly_cost(config).lines}
    assert extra["MWAA additional workers always running"] == round(2 * 0.055 * 730, 2)
    assert extra["MWAA additional schedulers"] == round(1 * 0.055 * 730, 2)


def test_a_platform_without_airflow_has_no_airflow_cost():
    config = replace(sandbox_config(), orchestration=OrchestrationConfig(enabled=False))
    assert not any(line.component.startswith("MWAA") for line in fixed_monthly_cost(config).lines)


def test_make_synth_prints_the_fixed_cost_per_component_with_its_source():
    from spark_platform.planner.fixed_cost import summary

    cost = fixed_monthly_cost(sandbox_config())
    lines = summary(cost)
    assert lines["fixed cost per month"].startswith(f"USD 777.84 (us-east-1 list prices of {cost.checked};")
    assert lines["  EKS control plane"].startswith("USD 73.00: 1 cluster")
    assert lines["  MWAA mw1.small"].startswith("USD 357.70: ")
    assert len(lines) == 1 + len(cost.lines) and all("(" in value for value in lines.values())

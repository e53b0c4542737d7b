"""Which teams stack a team lives in.

CloudFormation allows 500 resources, 200 outputs and 1 MB per template; the platform keeps
every teams stack within 80% of each. Teams are packed in configuration order, a fixed number
per stack. The number is derived from the largest team the configuration allows (the caps in
``TEAM_LIMITS``), not from the teams at hand, so placement never depends on what other teams
contain: appending a team changes only the last stack (or opens a new one), and editing a team
never moves another. ``tests/test_scale.py`` synthesizes a stack of worst-case teams to prove
the bound holds.
"""

from __future__ import annotations

from spark_platform.config import TeamConfig
from spark_platform.config.settings import MAX_TEAMS_PER_STACK, TEAM_LIMITS

RESOURCE_LIMIT, OUTPUT_LIMIT, TEMPLATE_BYTES_LIMIT = 500, 200, 1_000_000
HEADROOM = 0.8

# CloudFormation resources of one team: namespace manifest, virtual cluster, log group, role,
# SSM document, one per Glue database and one per managed policy (a team with many granted
# locations needs several; see policy_packing.py).
TEAM_BASE_RESOURCES = 5
MAX_POLICIES_PER_TEAM = 4
TEAM_MAX_RESOURCES = TEAM_BASE_RESOURCES + TEAM_LIMITS["glue_databases"] + MAX_POLICIES_PER_TEAM
TEAM_OUTPUTS = 2
# Measured for a worst-case team (every list at its cap, longest names) in tests/test_scale.py.
TEAM_MAX_TEMPLATE_BYTES = 32_000
STACK_BASE_TEMPLATE_BYTES = 4_000


def teams_per_stack() -> int:
    """How many worst-case teams fit in one stack within 80% of every limit."""
    by_resources = int(RESOURCE_LIMIT * HEADROOM) // TEAM_MAX_RESOURCES
    by_outputs = int(OUTPUT_LIMIT * HEADROOM) // TEAM_OUTPUTS
    by_bytes = (int(TEMPLATE_BYTES_LIMIT * HEADROOM) - STACK_BASE_TEMPLATE_BYTES) // TEAM_MAX_TEMPLATE_BYTES
    return min(by_resources, by_outputs, by_bytes, MAX_TEAMS_PER_STACK)


def place_teams(
    teams: tuple[TeamConfig, ...] | list[TeamConfig], per_stack: int | None = None
) -> list[tuple[int, list[TeamConfig]]]:
    """``(stack number from 1, its teams)`` in stack order; teams in configuration order,
    ``per_stack`` (or the safe maximum) each. The stack id is ``<prefix>-teams-<number>``."""
    size = per_stack or teams_per_stack()
    return [(start // size + 1, list(teams[start : start + size])) for start in range(0, len(teams), size)]

"""Which teams stack a team lives in, and how many teams a stack may hold.

CloudFormation allows 500 resources, 200 outputs and 1 MB per template; the platform keeps
every teams stack within 80% of each. The number of teams per stack is derived from the largest
team the configuration allows (the caps in ``TEAM_LIMITS``), not from the teams at hand.
``tests/test_scale.py`` synthesizes a stack of worst-case teams to prove the bound holds.

Placement is explicit, so it is stable: a team lives in the stack its ``stack`` field names
(omitted: stack 1, allowed while all teams fit one stack). Within a stack teams are ordered by
name. Adding a team changes only the stack it names; removing one changes only the stack that
held it (a stack left empty is simply no longer synthesized, the others keep their numbers);
reordering the configuration changes nothing. ``check_placement`` (run when the configuration
is built) refuses an over-full stack and tells which pins to add once teams outgrow one stack.
"""

from __future__ import annotations

from spark_platform.config import TeamConfig
from spark_platform.config.teams import MAX_TEAMS_PER_STACK, TEAM_LIMITS, check_placement, stack_of

RESOURCE_LIMIT, OUTPUT_LIMIT, TEMPLATE_BYTES_LIMIT = 500, 200, 1_000_000
HEADROOM = 0.8

# CloudFormation resources of one team: namespace manifest, virtual cluster, log group, role,
# SSM document, one per Glue database and one per managed policy (a team with many granted
# locations needs several; see policy_packing.py). A Pod Identity team's three associations are
# not counted here: they live in the teams stack's identities stack (stacks/team_identities_stack.py),
# with the network policy to the Pod Identity agent.
TEAM_BASE_RESOURCES = 5
MAX_POLICIES_PER_TEAM = 4
TEAM_MAX_RESOURCES = TEAM_BASE_RESOURCES + TEAM_LIMITS["glue_databases"] + MAX_POLICIES_PER_TEAM
TEAM_OUTPUTS = 2
# Measured for a worst-case team (every list at its cap, longest names) in tests/test_scale.py:
# 36,887 bytes with a Pod Identity trust (its three service accounts listed exactly). 21 teams a
# stack fit while this stays at or below (800,000 - 24,500) / 21 = 36,928.
TEAM_MAX_TEMPLATE_BYTES = 36_900
STACK_BASE_TEMPLATE_BYTES = 24_500


def teams_per_stack() -> int:
    """How many worst-case teams fit in one stack within 80% of every limit."""
    by_resources = int(RESOURCE_LIMIT * HEADROOM) // TEAM_MAX_RESOURCES
    by_outputs = int(OUTPUT_LIMIT * HEADROOM) // TEAM_OUTPUTS
    by_bytes = (int(TEMPLATE_BYTES_LIMIT * HEADROOM) - STACK_BASE_TEMPLATE_BYTES) // TEAM_MAX_TEMPLATE_BYTES
    return min(by_resources, by_outputs, by_bytes, MAX_TEAMS_PER_STACK)


def place_teams(teams: tuple[TeamConfig, ...], per_stack: int | None = None) -> list[tuple[int, list[TeamConfig]]]:
    """(stack number, its teams by name) for every stack that holds a team, by stack number."""
    check_placement(teams, per_stack or teams_per_stack())
    stacks: dict[int, list[TeamConfig]] = {}
    for team in teams:
        stacks.setdefault(stack_of(team), []).append(team)
    return [(number, sorted(stacks[number], key=lambda team: team.name)) for number in sorted(stacks)]

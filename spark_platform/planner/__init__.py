"""Capacity, IP and cost planner: a day of every team's pipelines, simulated before deploying."""

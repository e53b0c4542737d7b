"""Bring EMR-on-EC2 pipelines over: read RunJobFlow requests, ``aws emr`` CLI output, step lists
and Airflow DAGs (never run), translate each Spark step into a pipeline job of a team, report
what cannot move by itself, and compare the cost before and after (docs/migration.md)."""

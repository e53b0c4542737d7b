"""DAG factory of the Spark platform: pipelines declared as YAML become Airflow DAGs.

Lives in the MWAA dags folder (which Airflow puts on sys.path). ``model`` and ``schedule`` are
plain Python; ``factory`` imports Airflow.
"""

"""Every team pipeline (pipelines/*.yaml) as an Airflow DAG. The logic is in spark_platform_dags."""

from pathlib import Path

from spark_platform_dags.factory import build_dags

for _dag_id, _dag in build_dags(Path(__file__).resolve().parent).items():
    globals()[_dag_id] = _dag

"""Orchestration: MWAA (``airflow``), its permissions on EMR on EKS (``job_submission``) and the
settings file its DAGs read (``dag_settings``, importable without the CDK)."""

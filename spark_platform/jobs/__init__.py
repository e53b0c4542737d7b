"""The job model, one home for every reader of it (synth checks, planner, job-run twin, migration
assistant; the MWAA construct is one more consumer):

- ``pipelines``: the pipelines YAML, each job as EMR receives it, the synth-time checks;
- ``dag_package``: the DAG package's plain-Python parser and schedule, loaded without Airflow;
- ``submission``: what every submission carries besides the job's own settings;
- ``emr_pods``, ``spark_resources``: the pods EMR creates for a job and their resources;
- ``fit``, ``capacity``: admission (LimitRange, quota) and room on each instance type;
- ``instance_families.yaml``, ``prices/``: the instance shapes and their dated prices.
"""

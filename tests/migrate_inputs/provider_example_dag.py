# Written in the shape of the Airflow amazon provider's documented EMR example (a cluster that
# calculates Pi, then terminates). Importing it would fail: the assistant must never import it.
raise SystemExit("this DAG file must be read, not imported")

from datetime import datetime  # noqa: E402

from airflow.models.dag import DAG  # noqa: E402
from airflow.models.baseoperator import chain  # noqa: E402
from airflow.providers.amazon.aws.operators.emr import (  # noqa: E402
    EmrAddStepsOperator,
    EmrCreateJobFlowOperator,
    EmrTerminateJobFlowOperator,
)

DAG_ID = "example_emr"
SPARK_STEPS = [
    {
        "Name": "calculate_pi",
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["/usr/lib/spark/bin/run-example", "SparkPi", "10"]},
    }
]
EXTRA_STEPS = [
    {"Name": "pi again", "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["spark-example", "SparkPi", "20"]}}
]
JOB_FLOW_OVERRIDES = {
    "Name": "PiCalc",
    "ReleaseLabel": "emr-7.0.0",
    "Applications": [{"Name": "Spark"}],
    "Instances": {
        "InstanceGroups": [
            {
                "Name": "Primary node",
                "Market": "ON_DEMAND",
                "InstanceRole": "MASTER",
                "InstanceType": "m5.xlarge",
                "InstanceCount": 1,
            }
        ],
        "KeepJobFlowAliveWhenNoSteps": False,
        "TerminationProtected": False,
    },
    "Steps": SPARK_STEPS,
    "LogUri": get_log_uri(),  # computed at run time: reported, not guessed
}

with DAG(dag_id=DAG_ID, schedule="@once", start_date=datetime(2021, 1, 1), catchup=False) as dag:
    create_job_flow = EmrCreateJobFlowOperator(task_id="create_job_flow", job_flow_overrides=JOB_FLOW_OVERRIDES)
    add_steps = EmrAddStepsOperator(task_id="add_steps", job_flow_id=create_job_flow.output, steps=EXTRA_STEPS)
    remove_cluster = EmrTerminateJobFlowOperator(task_id="remove_cluster", job_flow_id=create_job_flow.output)
    chain(create_job_flow, add_steps, remove_cluster)

"""A team's nightly sales pipeline as it ran on EMR on EC2 (the migration assistant's worked
example; docs/migration.md). A transient cluster per run: created, fed three steps, terminated.
Never imported by the platform: `python -m spark_platform.migrate` reads it with ast."""

from datetime import datetime

from airflow import DAG
from airflow.providers.amazon.aws.operators.emr import (
    EmrAddStepsOperator,
    EmrCreateJobFlowOperator,
    EmrTerminateJobFlowOperator,
)
from airflow.providers.amazon.aws.sensors.emr import EmrStepSensor

BUCKET = "acme-sales-data"
CODE = f"s3://{BUCKET}/code"

JOB_FLOW_OVERRIDES = {
    "Name": "nightly-sales",
    "ReleaseLabel": "emr-6.15.0",
    "Applications": [{"Name": "Spark"}, {"Name": "Hive"}],
    "Instances": {
        "InstanceGroups": [
            {
                "Name": "Primary",
                "Market": "ON_DEMAND",
                "InstanceRole": "MASTER",
                "InstanceType": "m5.xlarge",
                "InstanceCount": 1,
            },
            {
                "Name": "Core",
                "Market": "ON_DEMAND",
                "InstanceRole": "CORE",
                "InstanceType": "r5.2xlarge",
                "InstanceCount": 4,
            },
            {
                "Name": "Task",
                "Market": "SPOT",
                "InstanceRole": "TASK",
                "InstanceType": "r5.2xlarge",
                "InstanceCount": 4,
            },
        ],
        "KeepJobFlowAliveWhenNoSteps": True,
        "TerminationProtected": False,
    },
    "BootstrapActions": [
        {
            "Name": "Install Python libraries",
            "ScriptBootstrapAction": {"Path": f"s3://{BUCKET}/bootstrap/install-libs.sh", "Args": []},
        }
    ],
    "Configurations": [
        {
            "Classification": "spark-defaults",
            "Properties": {
                "spark.dynamicAllocation.enabled": "true",
                "spark.shuffle.service.enabled": "true",
                "spark.sql.shuffle.partitions": "400",
                "spark.yarn.maxAppAttempts": "1",
                "spark.eventLog.dir": "hdfs:///var/log/spark/apps",
            },
        },
        {
            "Classification": "spark-hive-site",
            "Properties": {
                "hive.metastore.client.factory.class": "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory"
            },
        },
        {
            "Classification": "spark-env",
            "Configurations": [
                {"Classification": "export", "Properties": {"PYSPARK_PYTHON": "/usr/bin/python3", "SALES_ENV": "prod"}}
            ],
        },
        {"Classification": "yarn-site", "Properties": {"yarn.nodemanager.vmem-check-enabled": "false"}},
    ],
    "JobFlowRole": "EMR_EC2_DefaultRole",
    "ServiceRole": "EMR_DefaultRole",
}

SPARK_STEPS = [
    {
        "Name": "Copy raw orders",
        "ActionOnFailure": "CANCEL_AND_WAIT",
        "HadoopJarStep": {
            "Jar": "command-runner.jar",
            "Args": ["s3-dist-cp", f"--src=s3://{BUCKET}/landing/orders/", "--dest=hdfs:///staging/orders/"],
        },
    },
    {
        "Name": "Clean orders",
        "ActionOnFailure": "CANCEL_AND_WAIT",
        "HadoopJarStep": {
            "Jar": "command-runner.jar",
            "Args": [
                "spark-submit",
                "--deploy-mode",
                "cluster",
                "--master",
                "yarn",
                "--num-executors",
                "16",
                "--executor-cores",
                "5",
                "--executor-memory",
                "18g",
                "--driver-memory",
                "4g",
                "--py-files",
                f"{CODE}/sales_common.zip",
                "--conf",
                "spark.yarn.executor.memoryOverhead=2048",
                f"{CODE}/clean_orders.py",
                "--date",
                "{{ ds }}",
            ],
        },
    },
    {
        "Name": "Daily revenue mart",
        "ActionOnFailure": "CANCEL_AND_WAIT",
        "HadoopJarStep": {
            "Jar": "command-runner.jar",
            "Args": [
                "spark-submit",
                "--deploy-mode",
                "cluster",
                "--class",
                "com.acme.sales.RevenueMart",
                "--executor-cores",
                "4",
                "--executor-memory",
                "12g",
                "--jars",
                f"s3://{BUCKET}/jars/acme-udfs-2.3.1.jar",
                f"s3://{BUCKET}/jars/sales-marts-1.8.0.jar",
                "{{ ds }}",
            ],
        },
    },
]

with DAG(
    dag_id="nightly_sales_emr",
    schedule="0 3 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
) as dag:
    create_cluster = EmrCreateJobFlowOperator(task_id="create_cluster", job_flow_overrides=JOB_FLOW_OVERRIDES)
    add_steps = EmrAddStepsOperator(task_id="add_steps", job_flow_id=create_cluster.output, steps=SPARK_STEPS)
    wait_for_mart = EmrStepSensor(
        task_id="wait_for_mart",
        job_flow_id=create_cluster.output,
        step_id="{{ task_instance.xcom_pull(task_ids='add_steps')[2] }}",
    )
    terminate = EmrTerminateJobFlowOperator(task_id="terminate", job_flow_id=create_cluster.output)
    create_cluster >> add_steps >> wait_for_mart >> terminate

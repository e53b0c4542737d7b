"""The weekly campaign report as one CSV file, on the previous EMR release (analytics, daily_marts).

    spark-submit legacy_report.py --date 2026-11-21 [--database analytics_marts] [--days 7]

Reads the ``--days`` complete days before ``--date`` from <prefix>analytics_marts.campaign_daily
through Spark SQL (so it needs no upstream job of the same run and starts in parallel with them)
and writes reports/campaigns/dt=<date>/ under the team's data prefix: one CSV with a header. Runs
on emr-7.9.0 next to the jobs on emr-7.12.0: both releases share the cluster, catalog and data.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta

from pyspark.sql import SparkSession

CONTEXT = "spark.sparkplatform."


def run(spark: SparkSession, *, date: str, database: str, days: int) -> int:
    data_uri = spark.conf.get(CONTEXT + "dataUri")
    schema = spark.conf.get(CONTEXT + "glueDatabasePrefix") + database
    day = datetime.strptime(date, "%Y-%m-%d")
    first, last = ((day - timedelta(days=n)).strftime("%Y-%m-%d") for n in (days, 1))
    report = spark.sql(
        f"""
        SELECT campaign, sum(sessions) AS sessions, sum(users) AS users,
               round(sum(avg_session_seconds * sessions) / sum(sessions), 1) AS avg_session_seconds
        FROM {schema}.campaign_daily
        WHERE dt BETWEEN '{first}' AND '{last}'
        GROUP BY campaign
        ORDER BY sessions DESC
        """
    )
    target = f"{data_uri}reports/campaigns/dt={date}/"
    report.coalesce(1).write.mode("overwrite").option("header", "true").csv(target)
    rows = spark.read.option("header", "true").csv(target).count()
    print(f"{target}: {rows} campaigns from {first} to {last}")
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", required=True)
    parser.add_argument("--database", default="analytics_marts")
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args(argv)
    spark = SparkSession.builder.appName("analytics.legacy_report").getOrCreate()
    try:
        return 0 if run(spark, date=args.date, database=args.database, days=args.days) > 0 else 1
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Rebuild a day of the campaign mart from the sessions table (analytics, daily_marts).

    spark-submit campaign_mart.py --date 2026-11-20 [--database analytics_marts]

Reads <prefix>analytics_marts.sessions through Spark SQL (the Glue Data Catalog is every job's
metastore) and writes the day's partition of <prefix>analytics_marts.campaign_daily: sessions,
users, average session length and bounce rate (sessions of one event) per campaign.
"""

from __future__ import annotations

import argparse
import sys

from pyspark.sql import SparkSession

CONTEXT = "spark.sparkplatform."


def run(spark: SparkSession, *, date: str, database: str) -> int:
    data_uri = spark.conf.get(CONTEXT + "dataUri")
    schema = spark.conf.get(CONTEXT + "glueDatabasePrefix") + database
    spark.sql(
        f"CREATE TABLE IF NOT EXISTS {schema}.campaign_daily (campaign string, sessions bigint, users bigint, "
        "avg_session_seconds double, bounce_rate double, dt string) "
        f"USING parquet PARTITIONED BY (dt) LOCATION '{data_uri}marts/campaign_daily/'"
    )
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    spark.sql(
        f"""
        INSERT OVERWRITE TABLE {schema}.campaign_daily PARTITION (dt = '{date}')
        SELECT coalesce(campaign, '(none)') AS campaign,
               count(*) AS sessions,
               count(DISTINCT user_id) AS users,
               avg(duration_seconds) AS avg_session_seconds,
               avg(CASE WHEN events = 1 THEN 1.0 ELSE 0.0 END) AS bounce_rate
        FROM {schema}.sessions
        WHERE dt = '{date}'
        GROUP BY coalesce(campaign, '(none)')
        """
    )
    rows = spark.sql(f"SELECT count(*) FROM {schema}.campaign_daily WHERE dt = '{date}'").first()[0]
    print(f"{schema}.campaign_daily dt={date}: {rows} campaigns")
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", required=True)
    parser.add_argument("--database", default="analytics_marts")
    args = parser.parse_args(argv)
    spark = SparkSession.builder.appName("analytics.campaign_mart").getOrCreate()
    try:
        return 0 if run(spark, date=args.date, database=args.database) > 0 else 1
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

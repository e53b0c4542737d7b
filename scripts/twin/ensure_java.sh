#!/usr/bin/env bash
# spark-submit (tests/test_spark_pods_twin.py) needs a Java runtime; Spark 3.5 runs on 17.
# Uses the machine's java when there is one, else installs Debian's headless OpenJDK 17.
set -euo pipefail
if command -v java >/dev/null; then
  exit 0
fi
echo "installing Debian's openjdk-17-jre-headless for spark-submit"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null

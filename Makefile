# Every target creates or reuses the project-local virtual environment (.venv) and the
# pinned CDK CLI (node_modules); nothing is installed globally.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# The venv's bin comes first so `node`, `npm`, `npx` and `python` are the pinned ones.
export PATH := $(BIN):$(PATH)
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := true

# Every Airflow version orchestration.airflow_version accepts (spark_platform/orchestration/
# mwaa_versions.py; a test keeps the lists equal). Each has its own test environment
# .venv-airflow-<version> from tests_airflow/envs/<version>/: Airflow and the amazon provider
# MWAA installs for it. `make test` runs the default and the oldest; the matrix runs all.
AIRFLOW_VERSIONS := 2.9.2 2.10.1 2.10.3 2.11.0 3.0.6
AIRFLOW_DEFAULT := 3.0.6
AIRFLOW_OLDEST := 2.9.2
SPARK_VENV := .venv-spark
SPARK_STAMP := $(SPARK_VENV)/.installed
SPARK4_VENV := .venv-spark4
SPARK4_STAMP := $(SPARK4_VENV)/.installed
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
PLAN_STAMP := $(VENV)/.plan-installed
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
AWS_VENV := .venv-aws
AWS_STAMP := $(AWS_VENV)/.installed
CLI_STAMP := node_modules/.cli-installed
CONFIG ?=
# Where the job-run twin's Kubernetes servers are built once and kept between runs.
TWIN_CACHE ?= $(HOME)/.cache/spark-platform-twin
export TWIN_CACHE
CDK_CONFIG_ARG := $(if $(CONFIG),-c config=$(CONFIG),)

.PHONY: docs smoke smoke-offline schemas plan migrate refresh-prices redeploy-plan check-versions help install synth wheel test test-cdk test-aws test-airflow test-airflow-matrix twin-servers lint format snapshot-update diff deploy destroy image images bench clean

help:
	@echo "make synth            synthesize the platform into cdk.out/ (CONFIG=path.yaml for your own)"
	@echo "make wheel            build the installable library into dist/ (docs/library.md, Packaging)"
	@echo "make test             lint + the whole offline test suite (CDK and Airflow)"
	@echo "make test-airflow     only the DAG tests, on Airflow $(AIRFLOW_DEFAULT) and $(AIRFLOW_OLDEST) (MWAA's providers + moto)"
	@echo "make test-airflow-matrix  the DAG tests on every accepted Airflow version ($(AIRFLOW_VERSIONS))"
	@echo "make test-airflow-X.Y.Z   the DAG tests on one version"
	@echo "make twin-servers     build the job-run twin's kube-apiserver, kube-scheduler, apiextensions-apiserver, etcd, Spark 3.5 and 4 (cached)"
	@echo "make snapshot-update  re-record template snapshots after an intended change"
	@echo "make schemas          regenerate schemas/*.schema.json (editor validation of platform.yaml, pipelines)"
	@echo "make docs             regenerate the schemas, docs/configuration.md and docs/api.md"
	@echo "make plan [CONFIG=..] [CHECK=1]   simulate a day of every pipeline: plan/plan.json, plan.md, charts"
	@echo "make migrate [SOURCES=... TEAM=... OUT=...] [CHECK=1]   EMR-on-EC2 steps/DAGs -> pipelines + report (docs/migration.md)"
	@echo "make refresh-prices REGION=eu-west-1   rewrite the price table from AWS (needs credentials)"
	@echo "make bench            synth benchmark (1-200 teams), then the planner with 1,000 pipelines x 5 jobs"
	@echo "make diff|deploy|destroy CONFIG=path.yaml   talk to a real AWS account"
	@echo "make check-versions   compare spark_platform/kubernetes_versions.py with what EKS offers (needs credentials)"
	@echo "make smoke CONFIG=path.yaml     after deploy: one job per team, its state, duration, logs and Spark UI (needs credentials)"
	@echo "make smoke-offline    the same command end to end against moto: a completed, a failed and a timed-out job"
	@echo "make redeploy-plan CONFIG=path.yaml   after cdk destroy: find what it kept, write retained/redeploy.sh (docs/operations.md)"
	@echo "make image JOB_TYPE=hudi-ingestion RELEASE=emr-7.12.0-latest [CONFIG=..] [ACCOUNT=..] [DRY_RUN=1]"
	@echo "make images [CONFIG=..] [ACCOUNT=..] [DRY_RUN=1]   every job type for every configured release"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# requirements*.txt name what the project uses; constraints*.txt pin every transitive package.
$(RUNTIME_STAMP): requirements.txt constraints.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

$(PLAN_STAMP): requirements-plan.txt constraints.txt $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-plan.txt -c constraints.txt
	touch $@

# The tools that talk to AWS, and their tests against moto. boto3 cannot share .venv (botocore
# needs python-dateutil < 3, jsii pins 4.x).
$(AWS_STAMP): requirements-aws.txt requirements-aws-test.txt constraints-aws.txt
	rm -rf $(AWS_VENV)
	$(PYTHON) -m venv $(AWS_VENV)
	$(AWS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-aws-test.txt -c constraints-aws.txt
	touch $@

# checkov (test-only) has its own environment: its dependency pins must not meet the CDK's.
$(CHECKOV_STAMP): requirements-checkov.txt constraints-checkov.txt
	rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt -c constraints-checkov.txt
	touch $@

$(DEV_STAMP): requirements-dev.txt requirements-plan.txt constraints.txt $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $@

# Airflow (a version MWAA runs) lives in its own environment per version: it is test-only and
# its dependency pins must not meet the CDK's. Reused until its requirements or pins change.
.venv-airflow-%/.installed: tests_airflow/envs/%/requirements.txt tests_airflow/envs/%/constraints.txt
	rm -rf .venv-airflow-$*
	$(PYTHON) -m venv .venv-airflow-$*
	.venv-airflow-$*/bin/python -m pip install --quiet --disable-pip-version-check \
		-r tests_airflow/envs/$*/requirements.txt -c tests_airflow/envs/$*/constraints.txt
	touch $@
.PRECIOUS: .venv-airflow-%/.installed

$(CLI_STAMP): package.json package-lock.json $(RUNTIME_STAMP)
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(DEV_STAMP) $(CHECKOV_STAMP) $(AWS_STAMP) $(CLI_STAMP) .venv-airflow-$(AIRFLOW_DEFAULT)/.installed .venv-airflow-$(AIRFLOW_OLDEST)/.installed twin-servers

# Spark itself (test-only), to build real driver and executor pods on the twin.
$(SPARK_STAMP): requirements-spark.txt
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-spark.txt
	touch $@

# Spark 4 (test-only) for the Spark 4 runtime's pods, in its own environment: pyspark 4.0.2
# next to 3.5.6, with every package pinned.
$(SPARK4_STAMP): requirements-spark4.txt constraints-spark4.txt
	rm -rf $(SPARK4_VENV)
	$(PYTHON) -m venv $(SPARK4_VENV)
	$(SPARK4_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-spark4.txt -c constraints-spark4.txt
	touch $@

# Real Kubernetes servers for the job-run twin, built from Debian sources into $(TWIN_CACHE);
# each script returns at once when its binaries are already there.
twin-servers: $(SPARK_STAMP) $(SPARK4_STAMP)
	@bash scripts/twin/ensure_java.sh
	@bash scripts/twin/build_kube.sh
	@bash scripts/twin/fetch_etcd.sh
	@bash scripts/twin/build_apiextensions_apiserver.sh

# The library as a wheel; build isolation fetches only [build-system]'s pinned setuptools.
wheel: $(RUNTIME_STAMP)
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps -w dist .

synth: $(RUNTIME_STAMP) $(CLI_STAMP)
	rm -rf cdk.out
	@start=$$(date +%s.%N); \
	$(BIN)/npx cdk synth --quiet --no-notices $(CDK_CONFIG_ARG) && \
	$(BIN)/python scripts/synth_summary.py cdk.out --started-at "$$start"

test: lint test-cdk test-aws test-airflow

# The CDK CLI too: the library and docs tests run `cdk` as a reader would.
test-cdk: $(DEV_STAMP) $(CHECKOV_STAMP) $(CLI_STAMP) twin-servers
	$(BIN)/python -m pytest

# The AWS tools (redeploy plan, ...) end to end against moto; they synthesize with .venv.
test-aws: $(AWS_STAMP) $(RUNTIME_STAMP)
	$(AWS_VENV)/bin/python -m pytest -p no:cacheprovider tests_aws

test-airflow: test-airflow-$(AIRFLOW_DEFAULT) test-airflow-$(AIRFLOW_OLDEST)

test-airflow-matrix: $(addprefix test-airflow-,$(AIRFLOW_VERSIONS))

# AIRFLOW_HOME per version: the versions' metadata databases are not compatible.
test-airflow-%: .venv-airflow-%/.installed
	AIRFLOW_HOME=$(CURDIR)/.airflow-home/$* MWAA_AIRFLOW_VERSION=$* \
		.venv-airflow-$*/bin/python -m pytest -p no:cacheprovider -W ignore::DeprecationWarning tests_airflow

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Rewrites schemas/*.schema.json from the configuration models (tests/test_schemas.py fails when stale).
schemas: $(RUNTIME_STAMP)
	$(BIN)/python -m spark_platform.config.schemas

# Every generated reference: the JSON Schemas, docs/configuration.md (from the models) and
# docs/api.md (from the docstrings); tests fail when any is stale.
docs: schemas
	$(BIN)/python -m spark_platform.config.reference
	$(BIN)/python scripts/api_reference.py

snapshot-update: $(DEV_STAMP)
	$(BIN)/python -m pytest tests/test_snapshots.py --snapshot-update

# cdk diff compares every stack of the app without --all (which it would ignore with a warning).
diff: $(RUNTIME_STAMP) $(CLI_STAMP)
	$(BIN)/npx cdk diff --no-notices $(CDK_CONFIG_ARG)

deploy destroy: $(RUNTIME_STAMP) $(CLI_STAMP)
	$(BIN)/npx cdk $@ --all --no-notices $(CDK_CONFIG_ARG)

# The reviewed add-on and AMI versions per Kubernetes minor against EKS's own lists (docs/operations.md).
check-versions: $(AWS_STAMP)
	$(AWS_VENV)/bin/python -m spark_platform.lifecycle.check_versions

# After `make destroy`, before deploying the same prefix again: maps what destroy kept for
# `cdk import` and writes retained/redeploy.sh (docs/operations.md, "Destroy and redeploy").
redeploy-plan: synth $(AWS_STAMP)
	$(AWS_VENV)/bin/python -m spark_platform.lifecycle.retained --assembly cdk.out --out retained \
		$(if $(CONFIG),--cdk-args "-c config=$(CONFIG)")

# After `make deploy`: one job of each team's pipelines, submitted as its DAG submits it, waited
# for; exit 1 if any does not complete (docs/observability.md, "Smoke job").
TIMEOUT_MINUTES ?= 30
smoke: synth $(AWS_STAMP)
	$(AWS_VENV)/bin/python -m spark_platform.lifecycle.smoke --assembly cdk.out --timeout-minutes $(TIMEOUT_MINUTES) \
		$(foreach team,$(SMOKE_TEAMS),--team $(team))

# The smoke command against a local AWS emulator (moto) with the documents the sandbox publishes:
# what it prints for a completed, a failed and a timed-out job (tests_aws/test_smoke.py).
smoke-offline: $(AWS_STAMP) $(RUNTIME_STAMP)
	$(AWS_VENV)/bin/python -m pytest -p no:cacheprovider -q -s tests_aws/test_smoke.py

# Every job type's image for every release the configuration lists (before the first job).
images: $(RUNTIME_STAMP)
	$(BIN)/python scripts/build_image.py --all \
		$(if $(CONFIG),--config "$(CONFIG)") $(if $(ACCOUNT),--account "$(ACCOUNT)") $(if $(DRY_RUN),--dry-run)

image: $(RUNTIME_STAMP)
	$(BIN)/python scripts/build_image.py --job-type "$(JOB_TYPE)" --release "$(RELEASE)" \
		$(if $(CONFIG),--config "$(CONFIG)") $(if $(ACCOUNT),--account "$(ACCOUNT)") $(if $(DRY_RUN),--dry-run)

bench: $(RUNTIME_STAMP)
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_planner.py

# A day of every team's pipelines, before deploying (docs/capacity-planning.md). CHECK=1 fails on
# overflow of the pod address space, a NodePool limit or a team quota.
plan: $(PLAN_STAMP)
	$(BIN)/python -m spark_platform.planner $(if $(CONFIG),--config "$(CONFIG)") --out plan $(if $(CHECK),--check)

# EMR-on-EC2 pipelines (DAG files, RunJobFlow requests, aws emr CLI output) -> a team's pipelines
# YAML and a report with the cost before and after (docs/migration.md). The defaults migrate the
# worked example; CHECK=1 fails when the written files are stale.
MIGRATE_EXAMPLE := examples/migrate-emr-on-ec2
SOURCES ?= $(MIGRATE_EXAMPLE)/dags/nightly_sales_emr.py
TEAM ?= analytics
OUT ?= $(MIGRATE_EXAMPLE)/out
BOOTSTRAP_DIR ?= $(MIGRATE_EXAMPLE)/bootstrap
migrate: $(RUNTIME_STAMP)
	$(BIN)/python -m spark_platform.migrate $(SOURCES) --team "$(TEAM)" --out "$(OUT)" \
		$(if $(CONFIG),--config "$(CONFIG)") $(if $(BOOTSTRAP_DIR),--bootstrap-dir "$(BOOTSTRAP_DIR)") $(if $(CHECK),--check)

# Rewrites spark_platform/jobs/prices/$(REGION).yaml from the Pricing API, DescribeInstanceTypes
# and the spot price history; needs AWS credentials. Never run by the tests.
REGION ?= eu-west-1
refresh-prices: $(AWS_STAMP)
	$(AWS_VENV)/bin/python scripts/refresh_prices.py --region "$(REGION)"

clean:
	rm -rf cdk.out .pytest_cache .ruff_cache .airflow-home plan retained

# Everyday commands. `make up` and `make test` set everything up on a fresh machine.
# nameko 2.14 imports pkg_resources, which warns on every start: nothing to act on.
export PYTHONWARNINGS := ignore:pkg_resources is deprecated:UserWarning
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The load generator's own virtualenv: locust runs on gevent, the services on eventlet.
LOAD_VENV  := .venv-load
LOAD_STAMP := $(LOAD_VENV)/.installed
# The wire-protocol tier's server (nx-27017) needs pymongo >= 4.18; the services pin 4.15.
WIRE_VENV  := .venv-wire
WIRE_STAMP := $(WIRE_VENV)/.installed

.PHONY: up demo test unit lint wire e2e faults load bench broker browser definitions asyncapi topology clean

# The AsyncAPI project's JSON Schema for 3.0.0 and its CLI, to validate docs/asyncapi.yaml
# with (fetched from npm at set-up into .cache; not committed). CLI 4.1.1 is the newest that
# runs on Node 20 (5.x needs Node 24); it installs about 1.5 GB once.
ASYNCAPI_VERSION := 3.0.0
ASYNCAPI_SPECS := @asyncapi/specs@6.11.1
ASYNCAPI_SCHEMA := .cache/asyncapi-$(ASYNCAPI_VERSION).json
ASYNCAPI_CLI := .cache/asyncapi-cli/node_modules/.bin/asyncapi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip<26" "setuptools==80.9.0" wheel
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

$(LOAD_STAMP): loadtests/requirements.txt
	$(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/pip install --quiet -r loadtests/requirements.txt
	touch $(LOAD_STAMP)

$(WIRE_STAMP): tests/wire/requirements.txt
	$(PYTHON) -m venv $(WIRE_VENV)
	$(WIRE_VENV)/bin/pip install --quiet -r tests/wire/requirements.txt
	touch $(WIRE_STAMP)

# RabbitMQ must answer on localhost; start it if it does not (with its management API,
# which the tests use to make a throwaway vhost per test).
broker:
	@bash deploy/local-broker.sh

# The console's browser test drives Debian's Chromium with a CJK font: installed when
# missing (apt-get, as root), so `make test` needs nothing set up by hand.
browser:
	@bash deploy/ensure-chromium.sh

## Run the platform with the demo month (embedded store; Ctrl-C stops).
up: $(STAMP) broker
	$(BIN)/wagewatch up --demo

## Publish the demo month, sweep, print what each desk received, and exit.
demo: $(STAMP) broker
	$(BIN)/wagewatch demo

# The schema's target brings the CLI too, so every target that validates gets both.
$(ASYNCAPI_SCHEMA): | $(ASYNCAPI_CLI)
	mkdir -p .cache/specs
	cd .cache && npm pack --silent $(ASYNCAPI_SPECS) > /dev/null
	tar -xzf .cache/asyncapi-specs-*.tgz -C .cache/specs
	cp '.cache/specs/package/schemas/$(ASYNCAPI_VERSION)-without-$$id.json' $(ASYNCAPI_SCHEMA)

$(ASYNCAPI_CLI):
	mkdir -p .cache/asyncapi-cli
	npm install --prefix .cache/asyncapi-cli --no-audit --no-fund --silent @asyncapi/cli@4.1.1

## The linters first (a finding fails the build), then every test: unit, integration, end to
## end on the real local RabbitMQ, and the wire-protocol tier (services and repositories
## against nx-27017, tests/wire).
test: lint $(STAMP) $(LOAD_STAMP) $(WIRE_STAMP) $(ASYNCAPI_SCHEMA) broker browser
	$(BIN)/nameko test -q $(ARGS)

## ruff (style, bugbear, import order, pyupgrade) and mypy (strict on shared/ and every
## services/*/domain.py and app.py); pyproject.toml holds both configurations.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

unit: $(STAMP) $(ASYNCAPI_SCHEMA)
	$(BIN)/nameko test -q tests/unit $(ARGS)

## The wire-protocol tier alone: services as compose runs them, the store outage, and the
## repository contract suite, against nx-27017.
wire: $(STAMP) $(WIRE_STAMP) broker
	$(BIN)/nameko test -q tests/wire $(ARGS)

e2e: $(STAMP) $(LOAD_STAMP) broker browser
	$(BIN)/nameko test -q tests/e2e $(ARGS)

## Crashes, broker restarts (on a RabbitMQ node of the test's own), poison messages,
## fuzzed input, fenced counties, the personal-data scan and a store outage (on the
## wire-protocol server), with the figures each prints.
faults: $(STAMP) $(WIRE_STAMP) broker
	$(BIN)/nameko test -q -s -m faults $(ARGS)

## Locust county systems over AMQP against the running platform (started for the run if
## none is up): LOAD_USERS, LOAD_RATE (messages/s), LOAD_TIME; reports in test-output/load/.
load: $(STAMP) $(LOAD_STAMP) broker
	bash loadtests/run.sh

## The benchmark: baselines (no-op kombu, empty nameko) and the platform end to end on the
## same messages, in a vhost of its own; figures and ratios to stdout and
## test-output/bench/bench.json (ARGS=--quick for a smoke run of seconds).
bench: $(STAMP) broker
	$(BIN)/python -m loadtests.bench $(ARGS)

## Regenerate what is generated from the contract code (tests check they are current).
definitions: $(STAMP)
	$(BIN)/python -m wagewatch.definitions > deploy/rabbitmq/definitions.json

asyncapi: $(STAMP)
	$(BIN)/python -m wagewatch.asyncapi > docs/asyncapi.yaml

topology: $(STAMP)
	$(BIN)/python -m wagewatch.topology

clean:
	rm -rf $(VENV) $(LOAD_VENV) $(WIRE_VENV) .cache test-output .pytest_cache .hypothesis .ruff_cache .mypy_cache

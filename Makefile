# Everyday commands. `make up` and `make test` set everything up on a fresh machine.
# nameko 2.14 imports pkg_resources, which warns on every start: nothing to act on.
export PYTHONWARNINGS := ignore:pkg_resources is deprecated:UserWarning
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: up demo test unit e2e faults broker definitions asyncapi clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip<26" "setuptools==80.9.0" wheel
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

# RabbitMQ must answer on localhost; start it if it does not (with its management API,
# which the tests use to make a throwaway vhost per test).
broker:
	@bash deploy/local-broker.sh

## Run the platform with the demo month (embedded store; Ctrl-C stops).
up: $(STAMP) broker
	$(BIN)/wagewatch up --demo

## Publish the demo month, sweep, print what each desk received, and exit.
demo: $(STAMP) broker
	$(BIN)/wagewatch demo

## Every test: unit, integration and end to end on the real local RabbitMQ.
test: $(STAMP) broker
	$(BIN)/nameko test -q $(ARGS)

unit: $(STAMP)
	$(BIN)/nameko test -q tests/unit $(ARGS)

e2e: $(STAMP) broker
	$(BIN)/nameko test -q tests/e2e $(ARGS)

## Crashes, broker restarts (on a RabbitMQ node of the test's own), poison messages,
## fuzzed input, fenced counties and the personal-data scan, with the figures each prints.
faults: $(STAMP) broker
	$(BIN)/nameko test -q -s -m faults $(ARGS)

## Regenerate what is generated from the contract code (tests check they are current).
definitions: $(STAMP)
	$(BIN)/python -m wagewatch.definitions > deploy/rabbitmq/definitions.json

clean:
	rm -rf $(VENV) test-output .pytest_cache .hypothesis

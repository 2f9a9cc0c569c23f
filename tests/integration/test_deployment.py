"""What deployment relies on: definitions, compose file and config are current and valid."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml
from kombu import Connection

from shared.contract.access import Scope
from shared.contract.client import CountyClient, receipts_listener
from shared.contract.definitions import definitions
from shared.contract.topology import INGRESS_QUEUE_NAME
from tests.factories import COUNTY, message, project
from wagewatch import platform as wagewatch_platform
from wagewatch.config import load_config
from wagewatch.definitions import definitions as deployment_definitions

ROOT = Path(__file__).resolve().parents[2]


def test_committed_definitions_are_generated_from_the_contract_code():
    committed = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    assert committed == deployment_definitions(scope=Scope.from_config(load_config())), "run `make definitions`"


def test_committed_definitions_hold_no_user_and_no_password():
    text = (ROOT / "deploy/rabbitmq/definitions.json").read_text()
    assert "password" not in text and '"users"' not in text


def test_definitions_declare_the_ingress_queue_so_messages_wait_before_any_service_runs(
        rabbit_manager, rabbit_config, config, runner_factory):
    vhost = rabbit_config["vhost"]
    rabbit_manager._post("definitions", vhost, json=definitions(vhost))  # as deploy/ does at start
    county = CountyClient(config["AMQP_URI"])
    county.publish(message("project.upsert", project(), message_id="before-start"))
    county.close()
    with Connection(config["AMQP_URI"]) as connection:
        _name, waiting, _consumers = connection.channel().queue_declare(INGRESS_QUEUE_NAME, passive=True)
    assert waiting == 1

    receipts = receipts_listener(config["AMQP_URI"], COUNTY)
    # Declaring the same entities must not fail on differing arguments.
    wagewatch_platform.start(config, runner_factory(config))
    answered = receipts.wait_for(1, timeout=30)
    receipts.close()
    assert answered, f"no receipt; ingress queue: {rabbit_manager.get_queue(vhost, INGRESS_QUEUE_NAME)}"
    assert (answered[0]["body"]["message_id"], answered[0]["body"]["status"]) == ("before-start", "accepted")


def test_docker_compose_file_matches_the_compose_specification():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
         str(ROOT / "docker-compose.yml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_contract_package_imports_without_eventlet_or_nameko():
    code = ("import sys, shared.contract.client, shared.contract.messages, shared.contract.alerts, "
            "testkit.synthetic, shared.pii; "
            "bad = [m for m in ('eventlet', 'nameko') if m in sys.modules]; print(bad); sys.exit(bool(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_checks_each_services_health_and_starts_the_ingress_after_its_owners():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    platform_services = {"projects", "payroll", "alerts", "ingress"}
    assert platform_services <= set(compose)
    for name in platform_services:
        assert compose[name]["healthcheck"]["test"][:3] == ["CMD", "wagewatch", "health"], name
        assert compose[name]["environment"]["HEALTH_ADDRESS"] == "0.0.0.0:8000"
        assert compose[name]["depends_on"]["rabbitmq-setup"] == {"condition": "service_completed_successfully"}
    owners = {name: {"condition": "service_healthy"} for name in platform_services - {"ingress"}}
    assert owners.items() <= compose["ingress"]["depends_on"].items()
    assert compose["rabbitmq-setup"]["command"][:3] == ["wagewatch", "broker", "setup"]


def test_compose_sets_up_the_broker_from_the_definitions_the_image_holds():
    """``pip install .`` puts wagewatch in site-packages, where no deploy/ lies beside it: the
    set-up container must name the definitions where the Dockerfile copies them."""
    import yaml

    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["rabbitmq-setup"]["command"]
    assert command[:3] == ["wagewatch", "broker", "setup"]
    definitions = command[command.index("--definitions") + 1]
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "WORKDIR /app" in dockerfile and f"./{definitions}" in dockerfile


def test_the_image_tells_the_wagewatch_command_where_its_config_is():
    """Installed into site-packages, the command finds no deploy/ beside its code: the image
    sets WAGEWATCH_CONFIG to the config it copies (as rabbitmq-setup names its definitions),
    and no compose service points it elsewhere."""
    from tests.wire.processes import compose_service
    from wagewatch.config import CONFIG_VARIABLE

    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    [workdir] = re.findall(r"^WORKDIR (\S+)$", dockerfile, re.M)
    [named] = re.findall(rf"^ENV {CONFIG_VARIABLE}=(\S+)$", dockerfile, re.M)
    relative = Path(named).relative_to(workdir)
    copied = re.search(r"^COPY (.+) \./deploy/$", dockerfile, re.M)
    assert copied and str(relative) in copied.group(1).split(), f"{named} is not a file the image copies"
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in services:
        environment = compose_service(name).get("environment") or {}
        assert environment.get(CONFIG_VARIABLE, named) == named, name


def test_the_readme_test_command_installs_what_its_tests_need_and_ci_adds_nothing():
    planned = subprocess.run(["make", "-n", "test"], capture_output=True, text=True, cwd=ROOT)
    assert planned.returncode == 0, planned.stderr
    assert "deploy/ensure-chromium.sh" in planned.stdout     # the console's browser test
    steps = [line for line in (ROOT / ".ci/run").read_text().splitlines() if line and not line.startswith("#")]
    assert steps == ["set -euo pipefail", 'cd "$(dirname "$0")/.."', "make test"]


def test_nameko_run_finds_exactly_one_service_in_each_service_module():
    """``nameko run --config deploy/config.yml services.<name>.service`` (compose, k8s)
    starts every class of the module that has an entrypoint: only the service's own."""
    from nameko.cli.run import import_service

    for cls in wagewatch_platform.service_classes():
        assert import_service(cls.__module__) == [cls], cls.__module__

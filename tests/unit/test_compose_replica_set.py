"""docker-compose.yml runs MongoDB as a replica set of three members that a one-shot
service initiates, and every service reaches it through one URI naming all three.

No Docker engine runs here (`docker compose config` is not available), so the file is read
as YAML, and the init service's mongosh script runs under Node with the replica set
helpers (`rs`, `db.hello`) played by the test: what it does on a fresh set, on a set
already initiated, on an unexpected error and when no primary appears. That MongoDB itself
elects a primary and the driver follows it is not shown here (docs/operations.md, "MongoDB").
"""
from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = ("mongo1", "mongo2", "mongo3")
INIT = "mongodb-init"
PORT = 27017


class _PlainYaml(yaml.SafeLoader):
    """YAML's own resolvers: nameko teaches the SafeLoader to substitute ${VAR:default}."""

    yaml_implicit_resolvers = dict(yaml.resolver.Resolver.yaml_implicit_resolvers)


def compose() -> dict:
    return yaml.load((ROOT / "docker-compose.yml").read_text(), Loader=_PlainYaml)  # noqa: S506 - a SafeLoader


def services() -> dict[str, dict]:
    return compose()["services"]


def platform_services() -> dict[str, dict]:
    """The services that run WageWatch code (``nameko run …``)."""
    return {name: spec for name, spec in services().items() if spec.get("command", [None])[0] == "nameko"}


def replica_set_name(member: dict) -> str:
    command = member["command"]
    return command[command.index("--replSet") + 1]


def init_script() -> str:
    command = services()[INIT]["command"]
    assert command[0] == "mongosh", command
    return command[command.index("--eval") + 1]


@functools.cache
def initiated_config() -> dict:
    """The configuration the init script passes to rs.initiate on a fresh set."""
    result = run_init_script(status_error_code=94)
    assert result["exit"] == 0, result
    [config] = result["initiated"]
    return config


def test_compose_runs_three_mongod_members_of_one_replica_set_each_on_its_own_volume():
    members = {name: spec for name, spec in services().items() if spec.get("command", [None])[0] == "mongod"}
    assert sorted(members) == list(MEMBERS)
    assert {replica_set_name(spec) for spec in members.values()} == {"rs0"}
    volumes = {}
    for name, spec in members.items():
        assert spec.get("hostname") == name, name
        assert "--bind_ip_all" in spec["command"], name          # reachable from the other containers
        [mount] = [v for v in spec["volumes"] if v.endswith(":/data/db")]
        volumes[name] = mount.split(":")[0]
        assert spec["healthcheck"]["test"][:2] == ["CMD", "mongosh"], name
        assert spec.get("restart") == "unless-stopped", name
    assert len(set(volumes.values())) == 3, volumes              # no two members share data
    assert set(volumes.values()) <= set(compose()["volumes"])
    assert len({spec["image"] for spec in members.values()}) == 1


def test_the_init_service_initiates_the_set_with_exactly_the_three_member_services():
    config = initiated_config()
    assert config["_id"] == replica_set_name(services()["mongo1"])
    assert sorted(member["host"] for member in config["members"]) == [f"{name}:{PORT}" for name in MEMBERS]
    assert len({member["_id"] for member in config["members"]}) == 3


def test_the_init_service_runs_once_after_every_member_is_up():
    init = services()[INIT]
    assert init["restart"] == "no"
    assert init["depends_on"] == {name: {"condition": "service_healthy"} for name in MEMBERS}
    host = init["command"][init["command"].index("--host") + 1]
    assert host.split(":")[0] in MEMBERS


@pytest.mark.parametrize("name", sorted(platform_services()))
def test_each_service_reaches_all_three_members_with_majority_writes_and_retries_on_the_primary(name):
    uri = urlsplit(platform_services()[name]["environment"]["MONGO_URI"])
    assert uri.scheme == "mongodb"
    assert sorted(uri.netloc.split(",")) == [f"{member}:{PORT}" for member in MEMBERS]
    options = dict(parse_qsl(uri.query, strict_parsing=True))
    assert options == {"replicaSet": initiated_config()["_id"], "w": "majority", "retryWrites": "true",
                       "retryReads": "true", "readPreference": "primary"}


@pytest.mark.parametrize("name", sorted(platform_services()))
def test_each_service_starts_only_after_the_replica_set_is_initiated_and_has_a_primary(name):
    depends_on = platform_services()[name]["depends_on"]
    assert depends_on[INIT] == {"condition": "service_completed_successfully"}
    assert not set(depends_on) & set(MEMBERS), "services wait for the init, which waits for the members"


def test_every_service_uses_the_same_mongo_uri():
    assert len({spec["environment"]["MONGO_URI"] for spec in platform_services().values()}) == 1


# --- the init script, run under Node with the replica set played by the test ---------------

HARNESS = r"""
const scenario = JSON.parse(process.argv[1]);   // node -e CODE ARG: ARG is argv[1]
const calls = {initiated: [], sleeps: 0};
let primaryAfter = scenario.primaryAfterChecks;     // null: never
let initiated = scenario.alreadyInitiated;
class Quit extends Error { constructor(code) { super("quit"); this.code = code } }
globalThis.print = (...args) => {};
globalThis.sleep = (ms) => { calls.sleeps += 1 };
globalThis.quit = (code) => { throw new Quit(code || 0) };
globalThis.rs = {
  status() {
    if (scenario.statusErrorCode !== null && !initiated) {
      const e = new Error("status refused"); e.code = scenario.statusErrorCode; throw e;
    }
    return {ok: 1};
  },
  initiate(config) {
    if (initiated) { const e = new Error("already initialized"); e.code = 23; throw e }
    calls.initiated.push(config); initiated = true; return {ok: 1};
  },
};
globalThis.db = {
  hello() {
    if (!initiated || primaryAfter === null) return {};
    if (primaryAfter > 0) { primaryAfter -= 1; return {} }
    return {primary: "mongo2:27017"};
  },
};
let exit = 0;
try { (0, eval)(scenario.script) } catch (e) { exit = e instanceof Quit ? e.code : 1 }
console.log(JSON.stringify({exit, initiated: calls.initiated, sleeps: calls.sleeps}));
"""


def run_init_script(*, status_error_code: int | None = None, already_initiated: bool = False,
                    primary_after_checks: int | None = 0) -> dict:
    node = shutil.which("node")
    assert node, "Node.js runs the init script here (`make unit` installs the AsyncAPI CLI, which needs it)"
    scenario = {"script": init_script(), "statusErrorCode": status_error_code,
                "alreadyInitiated": already_initiated, "primaryAfterChecks": primary_after_checks}
    done = subprocess.run([node, "-e", HARNESS, json.dumps(scenario)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_on_a_fresh_set_the_init_initiates_it_once_and_waits_for_the_election():
    result = run_init_script(status_error_code=94, primary_after_checks=5)    # 94: NotYetInitialized
    assert (result["exit"], len(result["initiated"]), result["sleeps"]) == (0, 1, 5)


def test_on_a_set_already_initiated_the_init_changes_nothing_and_succeeds():
    result = run_init_script(already_initiated=True)
    assert (result["exit"], result["initiated"]) == (0, [])


def test_the_init_fails_when_rs_status_fails_for_another_reason_than_a_fresh_set():
    result = run_init_script(status_error_code=13)                            # 13: Unauthorized
    assert result["exit"] != 0 and result["initiated"] == []


def test_the_init_fails_when_no_primary_is_elected_in_time_so_no_service_starts():
    result = run_init_script(status_error_code=94, primary_after_checks=None)
    assert result["exit"] == 1
    assert result["sleeps"] == 120                                            # about 120 s


def test_the_seed_list_and_the_initiated_members_are_the_same_hosts():
    uri = urlsplit(next(iter(platform_services().values()))["environment"]["MONGO_URI"])
    assert sorted(uri.netloc.split(",")) == sorted(m["host"] for m in initiated_config()["members"])
    assert re.fullmatch(r"[\w,:.-]+", uri.netloc)                             # no credentials in compose's URI

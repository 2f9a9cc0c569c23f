"""The Kubernetes manifests (deploy/k8s) are valid offline and agree with the code.

Each kustomization is rendered with ``kubectl kustomize`` (kustomize is built into
kubectl), then every core resource is checked against the schemas kubernetes-validate
bundles, and the operators' resources against the CRD excerpts in deploy/k8s/schemas.
The rest checks what Kubernetes cannot: that every service docker-compose runs has a
Deployment with the same image, command and environment, probes on the port its
HEALTH_ADDRESS names, and a database user of its own.
"""
from __future__ import annotations

import copy
import functools
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import schema_contents
from referencing import Registry, Resource

from shared.nameko.health import HealthServer
from shared.storage import database_for
from wagewatch.cli import parser as wagewatch_parser
from wagewatch.platform import service_classes

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BASE, PRODUCTION = "base", "overlays/production"
KUSTOMIZATIONS = [BASE, PRODUCTION]
# The oldest and the newest Kubernetes whose schemas kubernetes-validate bundles and the
# manifests must fit.
KUBERNETES_VERSIONS = ["1.27.0", "1.37.0"]
CUSTOM_RESOURCES = {"RabbitmqCluster": "rabbitmqcluster.yaml", "MongoDBCommunity": "mongodbcommunity.yaml"}
# Peak memory (VmHWM) per service process, README "Measured" (loadtests/README.md, (d));
# the console was not measured separately and is held to the smallest figure.
MEASURED_PEAK_MIB = {"accounts": 71, "alerts": 71, "complaints": 71, "payroll": 71, "projects": 72,
                     "ingress": 92, "workers": 122, "console": 71}
# Secrets the platform team makes (docs/operations.md, "On Kubernetes" says how).
TEAM_SECRETS = {"wagewatch-keys", "wagewatch-broker", "wagewatch-mongodb-passwords"}


# --- rendering and reading ---------------------------------------------------------------

class PlainYaml(yaml.SafeLoader):
    """YAML as written. nameko adds a resolver to SafeLoader that expands ``${VAR:default}``
    while loading (its config syntax), which would rewrite compose's ``${VAR:-default}``."""


PlainYaml.yaml_implicit_resolvers = {
    first: [resolver for resolver in resolvers if resolver[0] != "!env_var"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def load_yaml(text: str):
    return yaml.load(text, Loader=PlainYaml)  # noqa: S506 - a SafeLoader


@functools.cache
def rendered(kustomization: str) -> tuple[dict, ...]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is needed to render deploy/k8s (kustomize is built into it)")
    result = subprocess.run([kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone",
                             str(K8S / kustomization)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return tuple(doc for doc in yaml.load_all(result.stdout, Loader=PlainYaml) if doc)


def of_kind(kustomization: str, kind: str) -> list[dict]:
    return [doc for doc in rendered(kustomization) if doc["kind"] == kind]


def one(kustomization: str, kind: str) -> dict:
    [found] = of_kind(kustomization, kind)
    return found


def deployments(kustomization: str) -> dict[str, dict]:
    """The Deployments by the service they run (``services.<name>.service``)."""
    return {service_of(deployment): deployment for deployment in of_kind(kustomization, "Deployment")}


def container(workload: dict) -> dict:
    [only] = workload["spec"]["template"]["spec"]["containers"]
    return only


def service_of(deployment: dict) -> str:
    module = container(deployment)["args"][-1]
    return re.fullmatch(r"services\.(\w+)\.service", module).group(1)


def env(workload: dict) -> dict[str, dict]:
    return {entry["name"]: entry for entry in container(workload).get("env", [])}


def secret_ref(entry: dict) -> tuple[str, str] | None:
    ref = entry.get("valueFrom", {}).get("secretKeyRef")
    return (ref["name"], ref["key"]) if ref else None


@functools.cache
def compose() -> dict:
    return load_yaml((ROOT / "docker-compose.yml").read_text())["services"]


def compose_platform_services() -> dict[str, dict]:
    """The compose services that run a WageWatch service (``nameko run … services.X.service``)."""
    return {name: spec for name, spec in compose().items() if spec.get("command", [None])[0] == "nameko"}


def dockerfile() -> str:
    return (ROOT / "deploy" / "Dockerfile").read_text()


def port_of(address: str) -> int:
    return int(address.rpartition(":")[2])


# --- validation against schemas ---------------------------------------------------------

@functools.cache
def kubernetes_definitions() -> Registry:
    """kubernetes-validate's definitions of Kubernetes' own types, for the excerpts' $refs."""
    definitions = schema_contents("kubernetes-json-schema/v1.37.0-local-strict/_definitions.json", "1.37.0")
    return Resource.from_contents(definitions) @ Registry()


def validate_custom_resource(resource: dict) -> None:
    schema = load_yaml((K8S / "schemas" / CUSTOM_RESOURCES[resource["kind"]]).read_text())
    jsonschema.Draft202012Validator(schema, registry=kubernetes_definitions()).validate(resource)


def validate(resource: dict, version: str) -> None:
    if resource["kind"] in CUSTOM_RESOURCES:
        validate_custom_resource(resource)
    else:
        kubernetes_validate.validate(resource, version, strict=True)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_rendered_resource_matches_its_schema(kustomization, version):
    """Strict: an unknown field (a typo the API server would silently drop) fails too.
    A kind with no schema at all raises SchemaNotFoundError and fails the test."""
    problems = []
    for resource in rendered(kustomization):
        try:
            validate(resource, version)
        except jsonschema.ValidationError as error:   # kubernetes-validate's is one too
            problems.append(f"{resource['kind']}/{resource['metadata']['name']} at "
                            f"{'.'.join(map(str, error.path))}: {error.message}")
    assert problems == []


@pytest.mark.parametrize("kind, spoil", [
    ("Deployment", lambda d: container(d).update(livenessProbes=container(d)["livenessProbe"])),
    ("Deployment", lambda d: d["spec"].update(replicas="two")),
    ("PodDisruptionBudget", lambda d: d["spec"].update(maxUnavailabe=1)),
    ("Job", lambda d: d["spec"].update(ttlSecondsAfterFinish=60)),
    ("RabbitmqCluster", lambda d: d["spec"].update(replica=3)),
    ("RabbitmqCluster", lambda d: d["spec"]["persistence"].update(storage="lots")),
    ("MongoDBCommunity", lambda d: d["spec"].update(type="Sharded")),
    ("MongoDBCommunity", lambda d: d["spec"]["users"][0]["roles"][0].pop("db")),
    ("MongoDBCommunity", lambda d: d["spec"]["statefulSet"]["spec"]["template"]["spec"]["affinity"]
     .update(podAntiAfinity={})),
])
def test_a_spoilt_manifest_is_refused(kind, spoil):
    """The validation above can fail: one wrong field in a rendered resource is caught."""
    resource = copy.deepcopy(of_kind(PRODUCTION, kind)[0])
    spoil(resource)
    with pytest.raises(jsonschema.ValidationError):
        validate(resource, KUBERNETES_VERSIONS[-1])


def test_no_secret_is_committed_and_every_secret_referenced_is_made_by_the_team_or_an_operator():
    docs = (ROOT / "docs" / "operations.md").read_text()
    made_by_operators = {one(PRODUCTION, "RabbitmqCluster")["metadata"]["name"] + "-default-user"}
    made_by_operators |= {user["connectionStringSecretName"] for user in one(PRODUCTION, "MongoDBCommunity")["spec"]["users"]}
    workloads = of_kind(PRODUCTION, "Deployment") + of_kind(PRODUCTION, "Job")
    referenced = {ref[0] for workload in workloads for entry in env(workload).values() if (ref := secret_ref(entry))}
    referenced |= {user["passwordSecretRef"]["name"] for user in one(PRODUCTION, "MongoDBCommunity")["spec"]["users"]}
    assert of_kind(PRODUCTION, "Secret") == [] and of_kind(BASE, "Secret") == []
    assert referenced - made_by_operators == TEAM_SECRETS
    assert [name for name in TEAM_SECRETS if name not in docs] == [], "docs/operations.md must say how to make them"


# --- the services: one Deployment each, as docker-compose runs them ------------------------

def test_every_service_of_the_platform_and_of_compose_has_a_deployment():
    platform = {cls.name for cls in service_classes()}
    for kustomization in KUSTOMIZATIONS:
        assert set(deployments(kustomization)) == platform == set(compose_platform_services())


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_each_deployment_runs_its_compose_command_in_the_compose_image(kustomization):
    """``args`` replaces the image's CMD as compose's ``command`` does (no ``command``, which
    would replace an ENTRYPOINT compose keeps)."""
    [image] = {spec["image"] for spec in compose_platform_services().values()}
    name, _, tag = image.partition(":")
    for service, deployment in deployments(kustomization).items():
        spec = container(deployment)
        assert "command" not in spec
        assert spec["args"] == compose()[service]["command"], service
        image_name, _, image_tag = spec["image"].rpartition(":")
        assert image_tag == tag and (kustomization != BASE or image_name == name), spec["image"]


def compose_environment(service: str) -> dict[str, str]:
    return compose()[service]["environment"]


def required_by_config() -> set[str]:
    """Variables deploy/config.yml reads with no default (``${NAME}``): a service cannot start without them."""
    return set(re.findall(r"\$\{(\w+)\}", (ROOT / "deploy" / "config.yml").read_text()))


@pytest.mark.parametrize("service", sorted(compose_platform_services()))
def test_each_deployment_sets_the_environment_its_service_needs(service):
    """Every variable compose gives the service, and every one deploy/config.yml requires.
    What compose takes from the operator's secrets (``${X:?…}``) comes from a Secret here
    too, as do the database credentials compose's MongoDB does without; anything else is
    compose's value or default (the base's: the production overlay changes
    CONSOLE_SECURE_COOKIE)."""
    variables = env(deployments(BASE)[service])
    assert set(compose_environment(service)) | required_by_config() <= set(variables)
    for name, compose_value in compose_environment(service).items():
        if from_secret(variables[name], variables):
            continue
        assert ":?" not in compose_value, f"{service}: {name} must come from a Secret"
        assert variables[name]["value"] == re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", compose_value), f"{service}: {name}"


def from_secret(entry: dict, variables: dict[str, dict]) -> bool:
    """Read from a Secret, or built from variables that are (AMQP_URI from RABBITMQ_PASSWORD)."""
    if secret_ref(entry):
        return True
    references = re.findall(r"\$\((\w+)\)", entry.get("value", ""))
    return bool(references) and all(secret_ref(variables[name]) for name in references)


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_a_variable_is_defined_before_another_refers_to_it(kustomization):
    """Kubernetes expands $(NAME) only from variables defined earlier in the list, and
    leaves the text as it is otherwise: AMQP_URI would carry a literal $(RABBITMQ_PASSWORD)."""
    for workload in of_kind(kustomization, "Deployment") + of_kind(kustomization, "Job"):
        defined = set()
        for entry in container(workload).get("env", []):
            for name in re.findall(r"\$\((\w+)\)", entry.get("value", "")):
                assert name in defined, f"{workload['metadata']['name']}: {entry['name']} refers to {name}"
            defined.add(entry["name"])


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_the_services_reach_the_broker_the_operator_runs(kustomization):
    cluster = one(kustomization, "RabbitmqCluster")["metadata"]["name"]
    for service, deployment in deployments(kustomization).items():
        uri = urlsplit(env(deployment)["AMQP_URI"]["value"])
        compose_uri = urlsplit(re.sub(r"\$\{[^}]*\}", "secret", compose_environment(service)["AMQP_URI"]))
        assert (uri.hostname, uri.port, uri.path, uri.username) == \
               (cluster, 5672, compose_uri.path, compose_uri.username), service


# --- health probes -------------------------------------------------------------------------

def served(path: str) -> bool:
    """Whether the health server answers the path (503 with no service registered), not 404."""
    server = HealthServer.__new__(HealthServer)
    server.checks = {}
    statuses = []
    server.app({"PATH_INFO": path}, lambda status, headers: statuses.append(status))
    return not statuses[0].startswith("404")


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_probes_ask_the_health_endpoints_on_the_port_health_address_names(kustomization):
    for service, deployment in deployments(kustomization).items():
        spec = container(deployment)
        ports = {port["name"]: port["containerPort"] for port in spec["ports"]}
        health_port = port_of(env(deployment)["HEALTH_ADDRESS"]["value"])
        probes = {kind: spec[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
        assert {probe["path"] for probe in probes.values()} == {"/health/live", "/health/ready"}
        assert probes["livenessProbe"]["path"] == "/health/live" and probes["readinessProbe"]["path"] == "/health/ready"
        for probe in probes.values():
            assert ports[probe["port"]] == health_port, f"{service}: probe port {probe['port']}"
            assert served(probe["path"]), probe["path"]


def test_the_console_service_reaches_the_port_console_address_names():
    [service] = of_kind(PRODUCTION, "Service")
    console = deployments(PRODUCTION)["console"]
    ports = {port["name"]: port["containerPort"] for port in container(console)["ports"]}
    assert service["spec"]["selector"].items() <= console["spec"]["template"]["metadata"]["labels"].items()
    [port] = service["spec"]["ports"]
    assert ports[port["targetPort"]] == port_of(env(console)["CONSOLE_ADDRESS"]["value"])
    assert env(console)["CONSOLE_SECURE_COOKIE"]["value"] == "true", "production sits behind TLS"


# --- configuration files, image and user -----------------------------------------------------

def workdir() -> str:
    return re.search(r"^WORKDIR\s+(\S+)", dockerfile(), re.M).group(1)


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_the_configmap_holds_the_repositorys_files_mounted_where_the_command_reads_them(kustomization):
    [config_map] = of_kind(kustomization, "ConfigMap")
    assert config_map["data"] == {name: (ROOT / "deploy" / name).read_text() for name in ("config.yml", "alert-policy.yml")}
    policy_default = re.search(r"^ALERT_POLICY:\s*\$\{ALERT_POLICY:([^}]+)\}", config_map["data"]["config.yml"],
                               re.M).group(1)
    for deployment in of_kind(kustomization, "Deployment"):
        spec = container(deployment)
        config_arg = spec["args"][spec["args"].index("--config") + 1]
        mounts = {m["subPath"]: m["mountPath"] for m in spec["volumeMounts"] if "subPath" in m}
        assert mounts == {"config.yml": f"{workdir()}/{config_arg}", "alert-policy.yml": f"{workdir()}/{policy_default}"}
        [volume] = [v for v in deployment["spec"]["template"]["spec"]["volumes"] if "configMap" in v]
        assert volume["configMap"]["name"] == config_map["metadata"]["name"]


def test_pods_run_as_the_images_own_user_within_the_restricted_pod_security_standard():
    """The controls of the "restricted" profile that a pod spec can miss (the namespace
    only warns about them, since the operators' pods miss some)."""
    uid = int(re.search(r"useradd\b.*--uid (\d+) wagewatch", dockerfile()).group(1))
    for workload in of_kind(PRODUCTION, "Deployment") + of_kind(PRODUCTION, "Job"):
        pod = workload["spec"]["template"]["spec"]
        security, own = pod["securityContext"], container(workload)["securityContext"]
        assert security["runAsUser"] == uid and security["runAsNonRoot"] is True
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}
        assert own["allowPrivilegeEscalation"] is False and own["capabilities"] == {"drop": ["ALL"]}
        assert {kind for volume in pod.get("volumes", []) for kind in volume if kind != "name"} <= {"configMap", "emptyDir"}


# --- scaling, disruption, resources ----------------------------------------------------------

@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_the_ingress_runs_alone_and_is_replaced_never_doubled(kustomization):
    """Per-county order lives in the one ingress process until its queue is sharded
    (issue 18): one replica, and a rollout stops the old pod before starting the new."""
    ingress = deployments(kustomization)["ingress"]["spec"]
    assert ingress["replicas"] == 1 and ingress["strategy"] == {"type": "Recreate"}
    others = {name: d["spec"]["replicas"] for name, d in deployments(kustomization).items() if name != "ingress"}
    assert min(others.values()) >= 2, others


def selects(selector: dict, labels: dict) -> bool:
    return selector["matchLabels"].items() <= labels.items()


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_each_deployment_has_a_disruption_budget_that_lets_a_drain_proceed(kustomization):
    budgets = of_kind(kustomization, "PodDisruptionBudget")
    for service, deployment in deployments(kustomization).items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        [budget] = [b for b in budgets if selects(b["spec"]["selector"], labels)]
        replicas = deployment["spec"]["replicas"]
        allowed = budget["spec"].get("maxUnavailable", replicas - budget["spec"].get("minAvailable", 0))
        assert 1 <= allowed < max(replicas, 2), f"{service}: {allowed} of {replicas} may go at once"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_each_service_requests_at_least_its_measured_peak_memory(kustomization):
    for service, deployment in deployments(kustomization).items():
        resources = container(deployment)["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]) and {"cpu", "memory"} <= set(resources["limits"])
        request, limit = mib(resources["requests"]["memory"]), mib(resources["limits"]["memory"])
        assert MEASURED_PEAK_MIB[service] < request <= limit, service


def mib(quantity: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()
    return int(number) * (1024 if unit == "Gi" else 1)


# --- the broker and the store, through their operators ---------------------------------------

def test_each_service_logs_in_to_the_store_as_a_user_that_writes_its_own_database_only():
    users = {user["connectionStringSecretName"]: user for user in one(PRODUCTION, "MongoDBCommunity")["spec"]["users"]}
    for service, deployment in deployments(PRODUCTION).items():
        secret, key = secret_ref(env(deployment)["MONGO_URI"])
        own_database = database_for("mongomock://k8s-manifest-test", service).name
        assert key == "connectionString.standard"
        assert users.pop(secret)["roles"] == [{"name": "readWrite", "db": own_database}], service
    assert users == {}, "a database user no service uses"


def compose_images(repository: str) -> set[str]:
    return {spec["image"] for spec in compose().values() if spec.get("image", "").startswith(repository + ":")}


def test_the_broker_and_the_store_are_three_node_clusters_of_compose_versions():
    rabbitmq, mongodb = one(PRODUCTION, "RabbitmqCluster")["spec"], one(PRODUCTION, "MongoDBCommunity")["spec"]
    assert rabbitmq["replicas"] == 3 and compose_images("rabbitmq") == {rabbitmq["image"]}
    assert mongodb["members"] == 3 and mongodb["type"] == "ReplicaSet"
    [mongo_image] = compose_images("mongo")
    series = mongo_image.partition(":")[2]
    assert mongodb["version"].startswith(series + "."), (mongodb["version"], series)
    assert mongodb["additionalConnectionStringConfig"]["w"] == "majority"


def test_the_broker_setup_job_runs_composes_setup_against_the_operators_broker():
    job = one(PRODUCTION, "Job")
    spec, setup = container(job), compose()["rabbitmq-setup"]
    command = setup["command"]
    assert spec["args"][:len(command)] == command
    arguments = wagewatch_parser().parse_args(spec["args"][1:])
    assert (ROOT / arguments.definitions).is_file()
    assert f"COPY {arguments.definitions} ./{arguments.definitions}" in dockerfile()
    variables = env(job)
    assert set(setup["environment"]) <= set(variables)
    cluster = one(PRODUCTION, "RabbitmqCluster")["metadata"]["name"]
    assert urlsplit(variables["RABBITMQ_MANAGEMENT_URL"]["value"]).hostname == cluster
    assert secret_ref(variables["RABBITMQ_ADMIN_PASSWORD"]) == (f"{cluster}-default-user", "password")

"""How the services are wired into one platform: every contract type has an owner that
runs, and every service reports its health."""
from __future__ import annotations

from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.testing.services import worker_factory

from services.ingress.owners import OWNERS
from services.ingress.service import IngressService
from shared.contract.messages import MESSAGE_TYPES
from shared.nameko.health import HealthCheck
from wagewatch.platform import service_classes


def test_every_contract_type_has_an_owning_service_with_that_rpc_method():
    services = {cls.name: cls for cls in service_classes()}
    for message_type in MESSAGE_TYPES:
        service, method = OWNERS[message_type]
        assert service in services, f"{message_type}: no service {service!r} runs on the platform"
        assert hasattr(getattr(services[service], method, None), ENTRYPOINT_EXTENSIONS_ATTR), \
            f"{message_type}: {service}.{method} is not an entrypoint"
        assert hasattr(IngressService, service), f"the ingress has no RpcProxy for {service!r}"


def test_the_ingress_hands_each_type_to_the_rpc_method_its_owners_table_names():
    """The ingress spells its calls out (``owner_methods``); OWNERS, which the seeding and the
    tests use to call an owner directly, must name the same methods."""
    ingress = worker_factory(IngressService)   # each RpcProxy is a mock with the proxy's name
    calls = ingress.owner_methods()
    assert set(calls) == set(MESSAGE_TYPES)
    for message_type, (service, method) in OWNERS.items():
        assert calls[message_type] is getattr(getattr(ingress, service), method), message_type


def test_every_service_reports_its_health():
    """One line per service (``health = HealthCheck()``); a method of the same name would
    silently replace it, as the console's old /healthz route once did."""
    missing = [cls.name for cls in service_classes() if not isinstance(getattr(cls, "health", None), HealthCheck)]
    assert missing == []

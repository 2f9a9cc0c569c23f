"""The topology table (shared/topology_table.py) is what the code does: every RPC method a
service offers and calls, every event it emits and handles. The deployment's event queues
and docs/development.md's picture come from the table, so they are only true if it is."""
from __future__ import annotations

import importlib
import sys
import textwrap

import pytest

from shared.nameko.topology import described
from shared.topology_table import SERVICES, Service
from wagewatch import topology as doc
from wagewatch.definitions import event_queues
from wagewatch.platform import service_classes

TABLE = {s.name: s for s in SERVICES}
CODE = {s.name: s for s in described(service_classes())}


def calls(service: Service) -> set[tuple[str, str]]:
    return {(callee, method) for callee, methods in service.calls.items() for method in methods}


def test_the_table_has_a_row_for_each_service_the_platform_runs():
    assert list(TABLE) == list(CODE)


@pytest.mark.parametrize("name", list(CODE))
def test_the_table_says_what_the_service_code_does(name):
    table, code = TABLE[name], CODE[name]
    assert sorted(table.offers) == sorted(code.offers), f"{name}: @rpc methods"
    assert sorted(calls(table)) == sorted(calls(code)), f"{name}: RPC methods it names on its proxies"
    assert sorted(table.emits) == sorted(code.emits), f"{name}: events it dispatches"
    assert sorted(table.handles, key=repr) == sorted(code.handles, key=repr), f"{name}: event handlers"


def test_every_call_and_handler_in_the_table_has_the_other_end():
    offered = {(s.name, method) for s in SERVICES for method in s.offers}
    emitted = {(s.name, event) for s in SERVICES for event in s.emits}
    assert {c for s in SERVICES for c in calls(s)} - offered == set()
    assert {(h.source, h.event) for s in SERVICES for h in s.handles} - emitted == set()


def test_the_deployment_declares_a_queue_for_each_reliable_handler_the_code_has():
    assert [q.name for q in event_queues(SERVICES)] == [q.name for q in event_queues(CODE.values())]


def test_the_picture_in_the_development_guide_is_generated_from_the_table():
    text = doc.DOC.read_text(encoding="utf-8")
    assert text.count(doc.BEGIN) == text.count(doc.END) == 1
    assert doc.with_block(text) == text, "run `make topology`"


PROBE = '''
from nameko.events import EventDispatcher, event_handler
from nameko.rpc import RpcProxy, rpc

from shared.internal import CONDITIONS_CLEARED, PAYROLL_RECORDED, PROJECT_CHANGED
from shared.nameko.events import reliable_event_handler


class ProbeService:
    name = "probe"
    dispatch = EventDispatcher()
    ledger = RpcProxy("payroll")

    @rpc
    def look(self):
        self.dispatch(CONDITIONS_CLEARED, {})
        return use_case(self.ledger.payroll_lines, publish=self.dispatch)

    @reliable_event_handler("projects", PROJECT_CHANGED)
    def on_change(self, body):
        pass


def use_case(read, publish):
    publish(PAYROLL_RECORDED, {})                     # the dispatcher as a use case's port
    return read([]) and payroll.month_totals([])   # a port named after the service counts too
'''


def test_the_reading_of_the_code_finds_each_kind_of_edge(tmp_path, monkeypatch):
    """What the comparison above would miss, it would miss silently: a probe service with one
    edge of each kind."""
    package = tmp_path / "probe_topology"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "service.py").write_text(textwrap.dedent(PROBE))
    monkeypatch.syspath_prepend(str(tmp_path))
    probe = importlib.import_module("probe_topology.service").ProbeService
    payroll = next(cls for cls in service_classes() if cls.name == "payroll")
    try:
        row, _ = described([probe, payroll])
    finally:
        sys.modules.pop("probe_topology.service", None)
        sys.modules.pop("probe_topology", None)
    assert row.offers == ("look",)
    assert dict(row.calls) == {"payroll": ("month_totals", "payroll_lines")}
    assert row.emits == ("conditions_cleared", "payroll_recorded")
    assert [(h.source, h.event, h.method, h.broadcast) for h in row.handles] == \
        [("projects", "project_changed", "on_change", False)]

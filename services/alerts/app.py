"""The alerts service's use cases (告警), wired over their ports: the alert repository,
the policy and working calendar, a clock, the publishers on ``wagewatch.alerts`` /
``wagewatch.notifications`` and the internal event dispatcher.

Each family of use cases is a small class of its own module; ``service.py`` only
translates entrypoints into calls on them:
- ``conditions`` (raising.py): reconcile, preview, report, clear;
- ``desk_actions`` (acknowledgement.py): acknowledge, resolve;
- ``escalation`` (escalation.py): the acknowledgement clock;
- ``silences`` (silencing.py): silence, expire, list, notice the ended;
- ``views`` (reading.py): what desks and callers read;
- ``publication`` (publication.py): publishing, the desks' notifications, the relay.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from services.alerts.acknowledgement import DeskActions
from services.alerts.escalation import Escalation
from services.alerts.ports import Clock, Dispatch, Publish
from services.alerts.publication import Publication
from services.alerts.raising import Conditions
from services.alerts.reading import Views
from services.alerts.silencing import Silences

if TYPE_CHECKING:   # for the reader and the type checker only: the use cases import no pymongo
    from services.alerts.policy import AlertPolicy
    from services.alerts.repository import AlertRepository
    from shared.workdays import WorkingCalendar


@dataclass
class Alerts:
    repository: AlertRepository
    policy: AlertPolicy
    calendar: WorkingCalendar
    clock: Clock
    publish_alert: Publish
    publish_notification: Publish
    dispatch: Dispatch
    publication: Publication = field(init=False)
    conditions: Conditions = field(init=False)
    desk_actions: DeskActions = field(init=False)
    escalation: Escalation = field(init=False)
    silences: Silences = field(init=False)
    views: Views = field(init=False)

    def __post_init__(self) -> None:
        self.publication = out = Publication(self.repository, self.policy, self.clock, self.publish_alert,
                                             self.publish_notification, self.dispatch)
        self.conditions, self.desk_actions = Conditions(out), DeskActions(out)
        self.escalation, self.silences, self.views = Escalation(out, self.calendar), Silences(out), Views(out)

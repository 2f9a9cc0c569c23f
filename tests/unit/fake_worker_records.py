"""A hand-written fake of the workers service's storage port (``WorkerRecords`` in
services/workers/app.py): plain dicts, the same answers as WorkersRepository gives
(tests/repositories proves the real one against MongoDB and the embedded store)."""
from __future__ import annotations

import copy
from datetime import date

from services.workers.domain import AttendancePlan, project_month_key
from shared.calendar import Month


class FakeWorkerRecords:
    def __init__(self):
        self.enrolments: dict[tuple[str, str], dict] = {}
        self.attendance: dict[str, dict] = {}       # "<project>:<month>:<worker>" -> roll-up
        self.activity: dict[str, dict] = {}          # project -> first_day, last_day
        self.irregular: dict[str, dict] = {}         # clock-in key -> row
        self.months: dict[str, dict] = {}            # "<project>:<month>" -> reconciliation state

    # Enrolments ---------------------------------------------------------------------------
    def enrolments_by_worker(self, pairs, fields=None):
        kept = ("project_code", "worker", "stints", *fields) if fields else None
        return {pair: {k: v for k, v in copy.deepcopy(doc).items() if kept is None or k in kept}
                for pair in pairs if (doc := self.enrolments.get(pair))}

    def save_enrolments(self, enrolments):
        for enrolment in enrolments:
            self.enrolments[(enrolment["project_code"], enrolment["worker"])] = copy.deepcopy(enrolment)
        codes = {e["project_code"] for e in enrolments}
        for state in self.months.values():
            if state["project_code"] in codes:
                state.update(stale=True, changes=state["changes"] + 1)

    def enrolments_of(self, project_codes):
        return [copy.deepcopy(doc) for key, doc in sorted(self.enrolments.items()) if key[0] in project_codes]

    def enrolled_on(self, project_codes):
        return [{k: copy.deepcopy(doc[k]) for k in ("project_code", "worker", "name", "stints")}
                for doc in self.enrolments.values() if doc["project_code"] in project_codes]

    def enrolment_counts(self, project_codes, month: Month):
        counts = dict.fromkeys(project_codes, 0)
        for doc in self.enrolments.values():
            if doc["project_code"] in counts and any(
                    s.entry_date <= month.last_day and (s.exit_date is None or s.exit_date >= month.first_day)
                    for s in doc["stints"]):
                counts[doc["project_code"]] += 1
        return counts

    # Attendance ---------------------------------------------------------------------------
    def store_attendance(self, plan: AttendancePlan):
        for (code, month, worker), rollup in plan.rollups.items():
            doc = self.attendance.setdefault(f"{code}:{month}:{worker}", {
                "project_code": code, "month": month, "project_month": project_month_key(code, month),
                "worker": worker, "days": [], "clock_ins": []})
            doc.update(id_masked=rollup["id_masked"], days=sorted({*doc["days"], *rollup["days"]}),
                       clock_ins=sorted({*doc["clock_ins"], *rollup["clock_ins"]}))
        for code, month in sorted(plan.project_months):
            self.mark_stale(code, month)
        for code, days in plan.days_by_project.items():
            site = self.activity.setdefault(code, {"first_day": min(days).isoformat(), "last_day": max(days).isoformat()})
            site.update(first_day=min(site["first_day"], min(days).isoformat()),
                        last_day=max(site["last_day"], max(days).isoformat()))
        for row in plan.irregular:
            self.irregular.setdefault(row["key"], {}).update({k: v for k, v in row.items() if k != "key"})
        for key in plan.regularised:
            self.irregular.pop(key, None)

    def attendance_of(self, project_code, month):
        wanted = project_month_key(project_code, month)
        return [{"_id": key, "worker": doc["worker"], "id_masked": doc["id_masked"], "days": list(doc["days"])}
                for key, doc in sorted(self.attendance.items()) if doc["project_month"] == wanted]

    def attended(self, keys):
        found: dict[str, dict[str, dict]] = {key: {} for key in keys}
        for doc in self.attendance.values():
            if doc["project_month"] in found:
                found[doc["project_month"]][doc["worker"]] = {"id_masked": doc["id_masked"], "days": len(doc["days"])}
        return found

    def last_days(self, project_codes=None):
        return {code: date.fromisoformat(site["last_day"]) for code, site in self.activity.items()
                if project_codes is None or code in project_codes}

    def irregular_between(self, first: date, last: date):
        groups: dict[tuple[str, str], dict] = {}
        for row in self.irregular.values():
            if first.isoformat() <= row["day"] <= last.isoformat():
                group = groups.setdefault((row["project_code"], row["reason"]), {
                    "project_code": row["project_code"], "reason": row["reason"], "clock_ins": 0,
                    "workers": [], "id_masked": []})
                group["clock_ins"] += 1
                for name, value in (("workers", row["worker"]), ("id_masked", row["id_masked"])):
                    if value not in group[name]:
                        group[name].append(value)
        return list(groups.values())

    # Reconciliation -----------------------------------------------------------------------
    def mark_stale(self, project_code, month):
        key = project_month_key(project_code, month)
        state = self.months.setdefault(key, {"_id": key, "project_code": project_code, "month": month,
                                             "has_findings": False, "changes": 0})
        state.update(stale=True, changes=state["changes"] + 1)
        return copy.deepcopy(state)

    def to_reconcile(self, since_month):
        return [copy.deepcopy(s) for s in self.months.values() if s.get("stale") or s["month"] >= since_month]

    def project_month(self, project_code, month):
        return copy.deepcopy(self.months.get(project_month_key(project_code, month)))

    def save_findings(self, results):
        for key, changes, found, flagged in results:
            state = self.months.get(key)
            if state is not None and state["changes"] == changes:   # changed since it was read: stays marked
                state.update(stale=False, findings=copy.deepcopy(found), has_findings=flagged)

    def reported_findings(self):
        return [{k: copy.deepcopy(s.get(k)) for k in ("_id", "project_code", "month", "findings")}
                for s in self.months.values() if s.get("has_findings")]

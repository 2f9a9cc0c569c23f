"""How long a full attendance batch takes through the whole platform, publish to receipt.

Acts as a county system against a running platform (``make up`` or ``wagewatch up``):
registers a project, enrols the workers, then publishes attendance batches (each
worker in the morning and the evening of one day) and times each from publish to its
receipt. Prints one line per batch and a summary. Uses only the kombu client in
``shared/contract/client.py`` (no eventlet, no nameko), as the locust users will.

    .venv/bin/python -m loadtests.attendance_batch --batches 5 --records 1000
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta

from shared.contract.client import DEFAULT_AMQP_URI, CountyClient, receipts_listener
from testkit.synthetic import BIRTHPLACES, credit_code, resident_id

RECEIPT_TIMEOUT = 120.0


def worker_ids(count: int) -> list[str]:
    return [resident_id(BIRTHPLACES[i % 2], date(1970 + i % 30, 1 + i % 12, 1 + i % 28), i) for i in range(count)]


def project(code: str, county: str, start: date) -> dict:
    return {"project_code": code, "name": "考勤压测项目", "division": county, "sector": "housing",
            "funding": "private", "owner": {"name": "压测建设单位", "uscc": credit_code(county, 901)},
            "general_contractor": {"name": "压测施工单位", "uscc": credit_code(county, 902)},
            "contract_amount": 10_000_000.0, "start_date": start.isoformat(),
            "planned_end_date": (start + timedelta(days=700)).isoformat(), "status": "under_construction"}


def enrolments(code: str, county: str, ids: list[str], start: date) -> list[dict]:
    return [{"project_code": code, "id_number": number, "name": "压测工人", "employer_uscc": credit_code(county, 902),
             "trade": "labourer", "contract_signed": True, "entry_date": start.isoformat()} for number in ids]


def clock_ins(code: str, ids: list[str], day: date, records: int) -> list[dict]:
    stamps = [f"{day.isoformat()}T07:30:00+08:00", f"{day.isoformat()}T17:40:00+08:00"]
    return [{"project_code": code, "id_number": number, "at": stamp} for stamp in stamps for number in ids][:records]


class Bench:
    def __init__(self, amqp_uri: str, county: str):
        self.county = county
        self.client = CountyClient(amqp_uri)
        self.receipts = receipts_listener(amqp_uri, county)

    def send_and_wait(self, message_type: str, payload: dict) -> tuple[dict, float]:
        """Publish one message and wait for its receipt; (receipt, seconds)."""
        started = time.monotonic()
        message_id = self.client.send(self.county, message_type, payload)
        deadline = started + RECEIPT_TIMEOUT
        while time.monotonic() < deadline:
            for received in self.receipts.take(0.05):
                if received["body"]["message_id"] == message_id:
                    return received["body"], time.monotonic() - started
        raise SystemExit(f"no receipt for {message_id} within {RECEIPT_TIMEOUT:.0f}s: is the platform running?")

    def close(self) -> None:
        self.client.close()
        self.receipts.close()


def run(amqp_uri: str, county: str, batches: int, records: int, say=print) -> list[float]:
    workers = (records + 1) // 2
    start = date.today() - timedelta(days=batches + 30)
    code = f"{county}-BENCH-{int(time.time())}"
    bench = Bench(amqp_uri, county)
    try:
        for message_type, payload in (("project.upsert", project(code, county, start)),
                                      ("worker.enrol", {"records": enrolments(code, county, worker_ids(workers), start)})):
            receipt, seconds = bench.send_and_wait(message_type, payload)
            say(f"setup: {message_type:<16} {receipt['status']:<8} in {seconds:.2f}s")
            if receipt["status"] != "accepted":
                raise SystemExit(f"setup refused: {receipt}")
        timings = []
        for n in range(batches):
            batch = clock_ins(code, worker_ids(workers), start + timedelta(days=n + 1), records)
            receipt, seconds = bench.send_and_wait("attendance.batch", {"records": batch})
            timings.append(seconds)
            say(f"[{n + 1}/{batches}] attendance.batch of {len(batch)} records: {receipt['status']}, "
                f"{receipt['records']['accepted']} accepted, publish to receipt {seconds:.3f}s")
        return timings
    finally:
        bench.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", DEFAULT_AMQP_URI))
    parser.add_argument("--county", default="430102", help="the publishing county's division code")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--records", type=int, default=1000, help="records per batch (at most 1000)")
    args = parser.parse_args(argv)
    timings = run(args.amqp_uri, args.county, args.batches, min(args.records, 1000))
    print(f"summary: {len(timings)} batch(es) of {min(args.records, 1000)} records, publish to receipt: "
          f"median {statistics.median(timings):.3f}s, min {min(timings):.3f}s, max {max(timings):.3f}s, "
          f"{min(args.records, 1000) / statistics.median(timings):.0f} records/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Operators' accounts, sessions and the live feed's scope, without infrastructure."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.console.accounts import (
    account_problems, desk_of, hash_password, locked_out, password_matches, token_key,
)
from services.console.feed import Hub
from shared.calendar import SHANGHAI, now_iso


def test_a_password_is_kept_as_a_salted_scrypt_hash_and_checked_against_it():
    stored = hash_password("湘江两岸-2026")
    assert stored.startswith("scrypt$16384$8$1$") and "湘江" not in stored
    assert stored != hash_password("湘江两岸-2026"), "a fresh salt every time"
    assert password_matches("湘江两岸-2026", stored)
    assert not password_matches("湘江两岸-2027", stored)
    assert not password_matches("anything", "md5$deadbeef")


def test_a_session_token_is_stored_only_as_its_hash():
    assert token_key("abc") != "abc" and len(token_key("abc")) == 64


@pytest.mark.parametrize("fields, bad", [
    (("fr-water", "long enough pw", "water", "430102"), set()),
    (("Fr Water", "long enough pw", "water", "430102"), {"username"}),
    (("fr-water", "short", "water", "430102"), {"password"}),
    (("fr-water", "long enough pw", "police", "430102"), {"department"}),
    (("fr-water", "long enough pw", "water", "999999"), {"division"}),
])
def test_an_account_names_what_is_wrong_with_it(fields, bad):
    assert set(account_problems(*fields)) == bad


def test_the_desk_of_an_account_knows_its_level():
    assert desk_of({"department": "hrss", "division": "430100"})["level"] == "city"
    assert desk_of({"department": "hrss", "division": "430000"})["level"] == "province"


def test_five_wrong_passwords_in_fifteen_minutes_lock_the_username_for_a_while():
    now = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
    recent = [now_iso(now - timedelta(minutes=m)) for m in (1, 2, 3, 4, 5)]
    assert locked_out(recent, now)
    assert not locked_out(recent[:4], now)
    assert not locked_out(recent, now + timedelta(minutes=16))


WATER_FR = {"department": "water", "division": "430102"}


def view(department, division, fingerprint="F"):
    return {"fingerprint": fingerprint, "routes": [{"department": department, "division": division, "level": "county"}]}


def test_the_live_feed_queues_for_a_tab_only_what_reaches_its_desk():
    hub = Hub()
    mine, city = hub.subscribe(WATER_FR), hub.subscribe({"department": "water", "division": "430100"})
    hub.alert_changed(view("water", "430121", "other county"))
    hub.alert_changed(view("housing", "430102", "other department"))
    hub.alert_changed(view("water", "430102", "mine"))
    hub.desk_notified({"desk": {"department": "hrss", "division": "430102"}})
    assert mine.next(0.01) == ("alert", view("water", "430102", "mine"))
    assert mine.next(0.01) is None
    assert city.next(0.01) is None, "a city desk hears of a county alert once it is escalated to it"
    hub.unsubscribe(mine)
    hub.alert_changed(view("water", "430102", "after"))
    assert mine.next(0.01) is None


def test_a_tab_that_stops_reading_is_told_to_reload_rather_than_growing_without_bound():
    hub = Hub()
    tab = hub.subscribe(WATER_FR)
    for number in range(1200):
        hub.alert_changed(view("water", "430102", str(number)))
    assert tab.next(0.01) == ("reload", {})

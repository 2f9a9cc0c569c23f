"""Operators' accounts, sessions and the live feed's scope, without infrastructure."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.console import app as console_app
from services.console.accounts import account_problems, desk_of, hash_password, password_matches, token_key
from services.console.feed import Hub
from services.console.sign_in import BUSY, LOCKED, SIGNED_IN, WRONG, SignInLimits, source_address, try_sign_in
from shared.calendar import SHANGHAI
from shared.errors import RequestInvalid
from shared.internal import AlertView
from tests.unit.fakes import FakeAccounts, FakeAttempts


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


NOW = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
LIMITS = SignInLimits(failures=5, window=timedelta(minutes=15), checks=8, per=timedelta(minutes=1))


def guess(attempts, username="fr-water", address="10.0.0.1", at=NOW, right=False, checked=None):
    def check():
        if checked is not None:
            checked.append(username)
        return right
    return try_sign_in(attempts, LIMITS, username, address, at, check)


def test_five_wrong_passwords_from_one_address_lock_that_username_there_for_the_window():
    attempts, checked = FakeAttempts(), []
    outcomes = [guess(attempts, at=NOW + timedelta(seconds=i), checked=checked) for i in range(7)]
    assert outcomes == [WRONG] * 5 + [LOCKED] * 2 and len(checked) == 5
    assert guess(attempts, at=NOW + timedelta(minutes=16), right=True) == SIGNED_IN


def test_guesses_from_elsewhere_do_not_lock_the_operator_out_of_their_own_address():
    attempts = FakeAttempts()
    for i in range(6):
        guess(attempts, address="203.0.113.9", at=NOW + timedelta(seconds=i))
    assert guess(attempts, address="203.0.113.9", right=True) == LOCKED
    assert guess(attempts, address="10.0.0.1", right=True) == SIGNED_IN


def test_a_right_password_clears_the_failures_of_its_address():
    attempts = FakeAttempts()
    for _ in range(4):
        guess(attempts)
    assert guess(attempts, right=True) == SIGNED_IN
    later = NOW + timedelta(minutes=2)   # past the console-wide minute
    assert [guess(attempts, at=later) for _ in range(5)] == [WRONG] * 5


def test_the_console_checks_no_more_passwords_per_minute_than_configured_whoever_asks():
    attempts, checked = FakeAttempts(), []
    outcomes = [guess(attempts, username=f"user{i}", checked=checked) for i in range(10)]
    assert outcomes == [WRONG] * 8 + [BUSY] * 2 and len(checked) == 8
    assert guess(attempts, username="user9", at=NOW + timedelta(minutes=1, seconds=1)) == WRONG


def test_a_refused_check_is_not_counted_against_the_username():
    attempts = FakeAttempts()
    for i in range(8):
        guess(attempts, username=f"user{i}")
    assert guess(attempts, username="fr-water") == BUSY
    assert attempts.claims["fr-water@10.0.0.1"] == [], "released: no password was checked"


def test_the_source_address_is_the_peer_unless_the_provinces_proxy_is_trusted():
    assert source_address("10.0.0.1", "1.2.3.4, 203.0.113.9", trust_forwarded=False) == "10.0.0.1"
    assert source_address("10.0.0.1", "1.2.3.4, 203.0.113.9", trust_forwarded=True) == "203.0.113.9"
    assert source_address("10.0.0.1", None, trust_forwarded=True) == "10.0.0.1"


WATER_FR = {"department": "water", "division": "430102"}


def view(department, division, fingerprint="F"):
    """An ``alert_changed`` message as the console's handler loads it."""
    return AlertView.load({"alert_id": "A", "fingerprint": fingerprint, "type": "PAYROLL_MISSING", "severity": "red",
                           "status": "firing", "division": division, "level": "county", "summary": "s",
                           "raised_at": "t", "updated_at": "t",
                           "routes": [{"department": department, "division": division, "level": "county"}]})


def test_the_live_feed_queues_for_a_tab_only_what_reaches_its_desk():
    hub = Hub()
    mine, city = hub.subscribe(WATER_FR), hub.subscribe({"department": "water", "division": "430100"})
    hub.alert_changed(view("water", "430121", "other county"))
    hub.alert_changed(view("housing", "430102", "other department"))
    hub.alert_changed(view("water", "430102", "mine"))
    hub.desk_notified({"desk": {"department": "hrss", "division": "430102"}})
    assert mine.next(0.01) == ("alert", view("water", "430102", "mine").dump())
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


HASH = "scrypt$16384$8$1$c2FsdA==$aGFzaA=="


def test_an_account_is_refused_field_by_field_and_a_name_is_taken_once():
    store = FakeAccounts()
    with pytest.raises(RequestInvalid) as bad:
        console_app.add_account(store, "water-fr", "plain text", "water", "430102", None, "2026-11-02T09:00:00+08:00")
    assert list(bad.value.errors) == ["password_hash"]
    added = console_app.add_account(store, "water-fr", HASH, "water", "430102", None, "2026-11-02T09:00:00+08:00")
    assert (added["display_name"], added["disabled"]) == ("water-fr", False)
    with pytest.raises(RequestInvalid) as taken:
        console_app.add_account(store, "water-fr", HASH, "water", "430102", None, "2026-11-02T09:00:00+08:00")
    assert taken.value.errors == {"username": ["Already taken."]}


def test_only_an_existing_account_has_its_password_changed_or_is_disabled():
    store = FakeAccounts()
    console_app.add_account(store, "water-fr", HASH, "water", "430102", None, "2026-11-02T09:00:00+08:00")
    assert console_app.disable_account(store, "water-fr")["disabled"] is True
    for change in (lambda: console_app.set_password(store, "nobody", HASH),
                   lambda: console_app.disable_account(store, "nobody")):
        with pytest.raises(RequestInvalid) as missing:
            change()
        assert missing.value.errors == {"username": ["No such account."]}

"""Administrative division codes (行政区划代码, GB/T 2260).

A six-digit code names a province (``430000``), a city (``430100``) or a county
(``430102``). The city and province of a county are derived from its digits; whether a
code exists is checked against python-stdnum's GB/T 2260 table, which keeps historical
codes too.
"""
from __future__ import annotations

import re
from functools import lru_cache

from stdnum import numdb

COUNTY, CITY, PROVINCE = "county", "city", "province"
_SIX_DIGITS = re.compile(r"^\d{6}$")


def city_of(code: str) -> str:
    return code[:4] + "00"


def province_of(code: str) -> str:
    return code[:2] + "0000"


def level_of(code: str) -> str:
    if code[2:] == "0000":
        return PROVINCE
    if code[4:] == "00":
        return CITY
    return COUNTY


def parent_of(code: str) -> str | None:
    """The division one level up: county → city → province → None."""
    level = level_of(code)
    if level == COUNTY:
        return city_of(code)
    if level == CITY:
        return province_of(code)
    return None


def division_prefix(scope: str) -> str:
    """The leading digits every code within ``scope`` shares (43, 4301 or 430102)."""
    return {PROVINCE: scope[:2], CITY: scope[:4]}.get(level_of(scope), scope)


def covers(scope: str, code: str) -> bool:
    """True when division ``scope`` is ``code`` itself or contains it."""
    return code.startswith(division_prefix(scope))


@lru_cache(maxsize=8192)
def name_of(code: str) -> str | None:
    """The division's current name from GB/T 2260, or None when the code is unknown."""
    if not _SIX_DIGITS.match(code or ""):
        return None
    info = {}
    for _part, props in numdb.get("cn/loc").info(code):
        info.update(props)
    name = info.get("county")
    if not name:
        return None
    # Historical entries look like "[1983-1995]东区,[1996-]芙蓉区": keep the current one.
    current = name.split(",")[-1]
    return current.split("]")[-1] if current.startswith("[") else current


def validate_division(code: str) -> list[str]:
    """Problems with a division code, as messages; empty when it is valid."""
    if not isinstance(code, str) or not _SIX_DIGITS.match(code):
        return ["Must be a 6-digit administrative division code."]
    if name_of(code) is None:
        return ["Unknown administrative division code (GB/T 2260)."]
    return []

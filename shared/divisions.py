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
_SIX_DIGITS = re.compile(r"^\d{6}$")   # always .fullmatch: "$" alone lets "430102\n" in
_DATED_NAME = re.compile(r"^\[(\d{4})?-(\d{4})?\](.*)$")   # "[1996-]芙蓉区", "[-2011]望城县"
_PLACEHOLDERS = {"市辖区", "县", "市区", "省直辖县级行政区划", "自治区直辖县级行政区划"}


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
    if not _SIX_DIGITS.fullmatch(code or ""):
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


def _current_name(raw: str) -> str | None:
    """The name a division has today, or None when it was abolished."""
    match = _DATED_NAME.match(raw.split(",")[-1])
    if match is None:
        return raw.split(",")[-1]
    return None if match.group(2) else match.group(3)


def current_counties(scope: str) -> list[str]:
    """The county-level divisions (区, 县, 县级市) that exist today within a province or a
    city, or the county itself: whoever may publish for that scope."""
    if level_of(scope) == COUNTY:
        return [scope]
    prefix = division_prefix(scope)
    codes = []
    for _length, province, _high, _props, children in numdb.get("cn/loc").prefixes:
        if province != scope[:2]:
            continue
        for _l, rest, _h, props, _c in children:
            code = province + rest
            name = _current_name(props.get("county", ""))
            if code.startswith(prefix) and level_of(code) == COUNTY and name and name not in _PLACEHOLDERS:
                codes.append(code)
    return sorted(codes)


def validate_division(code: str) -> list[str]:
    """Problems with a division code, as messages; empty when it is valid."""
    if not isinstance(code, str) or not _SIX_DIGITS.fullmatch(code):
        return ["Must be a 6-digit administrative division code."]
    if name_of(code) is None:
        return ["Unknown administrative division code (GB/T 2260)."]
    return []

"""Valid-looking synthetic identities for demos, tests and load tests.

Numbers carry correct check characters (computed by python-stdnum) but belong to nobody:
the sequence codes are made up.
"""
from __future__ import annotations

from datetime import date

from stdnum.cn import ric, uscc

# Birthplace codes that GB/T 2260 lists for every birth year from 1960 to 2000
# (长沙县, Hunan; 郸城县, Henan: many of Hunan's builders come from there).
BIRTHPLACES = ("430121", "412726")


def resident_id(birthplace: str, birth: date, sequence: int) -> str:
    """An 18-character resident ID number (GB 11643) with a valid check digit.

    ``birthplace`` must be a division code that ever existed in GB/T 2260 (see BIRTHPLACES).
    """
    body = f"{birthplace}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a check position


def credit_code(division: str, sequence: int) -> str:
    """An 18-character unified social credit code (GB 32100) for a company (91…)."""
    body = f"91{division}{sequence:09d}"[:17]
    return body + uscc.calc_check_digit(body)


def phone(sequence: int) -> str:
    return f"139{sequence % 100_000_000:08d}"

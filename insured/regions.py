"""Administrative division codes (医保区划 admdvs) from python-stdnum's maintained `cn/loc` table.

The table is read with `stdnum.numdb`; nothing is typed here. It records every code with the years it
was in use (`[1983-]碑林区`, `[-2010]崇文区`), so a code that was abolished is still recognised as a
historical region (old ID numbers keep their birth-place prefix). An insured region must be a code that
is in use today.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from stdnum import numdb

_PERIOD = re.compile(r"^\[(?P<start>\d*)-(?P<end>\d*)\](?P<name>.+)$")


@dataclass(frozen=True)
class Region:
    code: str
    province: str
    name: str
    start_year: int | None
    end_year: int | None

    @property
    def full_name(self) -> str:
        if self.code.endswith("0000") or self.name == self.province:
            return self.province
        return f"{self.province}{self.name}"

    def in_use(self, year: int | None = None) -> bool:
        """True when the code is still assigned (no end year) or was in use in `year`."""
        if year is None:
            return self.end_year is None
        return (self.start_year is None or year >= self.start_year) and (
            self.end_year is None or year <= self.end_year
        )


def _versions(code: str, province: str, county_prop: str) -> list[Region]:
    found = []
    for entry in county_prop.split(","):
        match = _PERIOD.match(entry)
        if match:
            start, end = match.group("start"), match.group("end")
            found.append(
                Region(
                    code,
                    province,
                    match.group("name"),
                    int(start) if start else None,
                    int(end) if end else None,
                )
            )
        else:
            found.append(Region(code, province, entry, None, None))
    return found


@lru_cache(maxsize=1)
def _table() -> dict[str, list[Region]]:
    table: dict[str, list[Region]] = {}
    for length, low, high, props, children in numdb.get("cn/loc").prefixes:
        if length != 2:
            continue
        for province_number in range(int(low), int(high) + 1):
            province_code = f"{province_number:02d}"
            province = props.get("province", "")
            for c_length, c_low, c_high, c_props, _ in children:
                if c_length != 4 or "county" not in c_props:
                    continue
                for county_number in range(int(c_low), int(c_high) + 1):
                    code = f"{province_code}{county_number:04d}"
                    table.setdefault(code, []).extend(_versions(code, province, c_props["county"]))
    return table


def region_versions(code: str) -> list[Region]:
    """All names a 6-digit code has had (empty when the code never existed)."""
    return list(_table().get(code or "", []))


def current_region(code: str) -> Region | None:
    """The region a code denotes today, or None when it is unknown or abolished."""
    for region in _table().get(code or "", []):
        if region.in_use():
            return region
    return None


def region_name(code: str) -> str:
    """The display name of a region code (province, prefecture, county); the code itself when unknown."""
    region = current_region(code)
    if region is None:
        versions = region_versions(code)
        return f"{versions[-1].full_name}（已撤销）" if versions else code
    if not code.endswith("00"):
        prefecture = current_region(code[:4] + "00")
        if prefecture is not None and prefecture.name not in {region.province, "市辖区"}:
            return f"{prefecture.full_name}{region.name}"
    return region.full_name


def current_regions() -> list[Region]:
    """Every code in use today (for choices and the demo data)."""
    return [r for versions in _table().values() for r in versions if r.in_use()]

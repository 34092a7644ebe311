"""Tax offices, addresses and phone numbers of the region."""
from __future__ import annotations

import random

from crossaudit.loaders.regions import DIVISIONS, NINGXIA, NINGXIA_CITIES, NINGXIA_COUNTIES, full_name
from crossaudit.demo.names import STREETS
from crossaudit.demo.world import Office

# Rough resident population (10,000s): where people live and firms register.
COUNTY_WEIGHTS = {
    "640104": 80, "640105": 40, "640106": 40, "640121": 25, "640122": 25, "640181": 30,
    "640202": 30, "640205": 20, "640221": 30,
    "640302": 40, "640303": 20, "640323": 17, "640324": 32, "640381": 28,
    "640402": 40, "640422": 35, "640423": 15, "640424": 10, "640425": 20,
    "640502": 40, "640521": 33, "640522": 40,
}
AREA_CODES = {"640100": "0951", "640200": "0952", "640300": "0953", "640400": "0954", "640500": "0955"}
PLATE_LETTERS = {"640100": "A", "640200": "B", "640300": "C", "640400": "D", "640500": "E"}


def tax_office_code(division: str) -> str:
    """11-digit 税务机关代码: '1' + division + '0000' (e.g. 16401040000)."""
    return f"1{division}0000"


def office_name(division: str) -> str:
    if division == NINGXIA:
        return "国家税务总局宁夏回族自治区税务局"
    d = DIVISIONS[division]
    if d.level == "city":
        return f"国家税务总局{d.name}税务局"
    return f"国家税务总局{DIVISIONS[d.parent].name}{d.name}税务局"


def build_offices() -> list[Office]:
    offices = [Office(NINGXIA, tax_office_code(NINGXIA), office_name(NINGXIA), "region", None)]
    for city in NINGXIA_CITIES:
        offices.append(Office(city, tax_office_code(city), office_name(city), "city", NINGXIA))
        for county in NINGXIA_COUNTIES:
            if DIVISIONS[county].parent == city:
                offices.append(Office(county, tax_office_code(county), office_name(county), "county", city))
    return offices


def city_of(county: str) -> str:
    return DIVISIONS[county].parent


def pick_county(rng: random.Random) -> str:
    return rng.choices(NINGXIA_COUNTIES, weights=[COUNTY_WEIGHTS[c] for c in NINGXIA_COUNTIES])[0]


class Addresses:
    """Unique street addresses and phone numbers, drawn reproducibly."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()
        self.phones: set[str] = set()

    def street_address(self, county: str, home: bool = False) -> str:
        prefix = full_name(county)
        while True:
            street = self.rng.choice(STREETS)
            number = self.rng.randint(1, 400)
            if home:
                tail = f"{self.rng.randint(1, 30)}号楼{self.rng.randint(1, 4)}单元{self.rng.randint(1, 24)}0{self.rng.randint(1, 4)}室"
            else:
                tail = f"{self.rng.randint(1, 20)}0{self.rng.randint(1, 9)}室" if self.rng.random() < 0.5 else ""
            address = f"{prefix}{street}{number}号{tail}"
            if home or address not in self.used:
                self.used.add(address)
                return address

    def phone(self, county: str | None) -> str:
        while True:
            if county and county[:2] == "64" and self.rng.random() < 0.5:
                phone = f"{AREA_CODES[city_of(county)]}-{self.rng.randint(2, 8)}{self.rng.randrange(10**6):06d}"
            else:
                phone = f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

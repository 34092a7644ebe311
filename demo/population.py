"""Persons, households and marriages: identities that validate, kinship that exists."""
from __future__ import annotations

import datetime as dt
import random

from crossaudit.loaders.identifiers import make_id_number
from crossaudit.loaders.regions import DIVISIONS, NINGXIA_COUNTIES, OTHER_COUNTIES, full_name
from crossaudit.demo.config import AS_OF, PERIOD_END, random_date
from crossaudit.demo.geography import Addresses, pick_county
from crossaudit.demo.names import person_name
from crossaudit.demo.world import Marriage, Person, World

OTHER_PROVINCE_SHARE = 0.03


def age(person: Person, on: dt.date = PERIOD_END) -> int:
    return on.year - person.birth.year - ((on.month, on.day) < (person.birth.month, person.birth.day))


class People:
    """Makes persons with unique, valid ID numbers."""

    def __init__(self, world: World, rng: random.Random, addresses: Addresses):
        self.world, self.rng, self.addresses = world, rng, addresses
        self.households = 0

    def person(self, division: str, birth: dt.date, gender: str, local: bool, address: str,
               surname: str | None = None, hui: bool = False) -> Person:
        while True:
            id_number = make_id_number(division, birth, self.rng.randrange(1000), gender)
            if id_number not in self.world.persons:
                break
        name = person_name(self.rng, gender, hui, surname)
        person = Person(id_number, name, gender, birth, division, "回族" if hui else "汉族", local, address)
        self.world.persons[id_number] = person
        return person

    def birth(self, years_old: int) -> dt.date:
        year = PERIOD_END.year - years_old
        return random_date(self.rng, dt.date(year, 1, 1), dt.date(year, 12, 31))

    def household(self, county: str) -> list[Person]:
        """A family: head, usually a spouse, children (adult ones often still registered here)."""
        rng = self.rng
        self.households += 1
        number = f"{county[2:]}{self.households:05d}"
        address = self.addresses.street_address(county, home=True)
        hui = rng.random() < 0.35
        native = county if rng.random() < 0.85 else rng.choice(NINGXIA_COUNTIES)
        head_age = rng.randint(24, 82)
        head_gender = "M" if rng.random() < 0.8 else "F"
        head = self.person(native, self.birth(head_age), head_gender, True, address, hui=hui)
        head.household, head.relation = number, "户主"
        members = [head]
        spouse = None
        if rng.random() < 0.8:
            spouse_age = max(20, head_age + rng.randint(-4, 3) * (1 if head_gender == "M" else -1))
            spouse_native = native if rng.random() < 0.7 else rng.choice(NINGXIA_COUNTIES)
            spouse = self.person(spouse_native, self.birth(spouse_age), "F" if head_gender == "M" else "M",
                                 True, address, hui=hui)
            spouse.household, spouse.relation = number, "配偶"
            head.spouse, spouse.spouse = spouse.id_number, head.id_number
            members.append(spouse)
            self.marriage(head, spouse, county)
        father, mother = (head, spouse) if head_gender == "M" else (spouse, head)
        for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3))):
            child_age = head_age - rng.randint(22, 38)
            if child_age < 0 or (child_age >= 18 and rng.random() < 0.4):
                continue  # not born yet, or moved out to a household of their own
            gender = rng.choice("MF")
            child = self.person(county, self.birth(child_age), gender, True, address,
                                surname=head.name[0] if head_gender == "M" or spouse is None else spouse.name[0],
                                hui=hui)
            child.household, child.relation = number, "子" if gender == "M" else "女"
            child.father = father.id_number if father else None
            child.mother = mother.id_number if mother else None
            members.append(child)
        return members

    def marriage(self, a: Person, b: Person, county: str) -> None:
        husband, wife = (a, b) if a.gender == "M" else (b, a)
        earliest = max(dt.date(husband.birth.year + 22, husband.birth.month, 1),
                       dt.date(wife.birth.year + 20, wife.birth.month, 1), dt.date(1995, 1, 1))
        if earliest > AS_OF:
            earliest = AS_OF
        date = random_date(self.rng, earliest, min(AS_OF, earliest + dt.timedelta(days=6 * 365)))
        seq = self.world.next_number(f"marriage:{county}:{date.year}")
        office = f"{DIVISIONS[DIVISIONS[county].parent].name}{DIVISIONS[county].name}民政局婚姻登记处"
        self.world.marriages.append(Marriage(f"J{county}-{date.year}-{seq:06d}", date,
                                             husband.id_number, wife.id_number, office))

    def outsider(self, county: str | None = None, years_old: int | None = None) -> Person:
        """A person from another province: not in Ningxia's household register."""
        county = county or self.rng.choice(OTHER_COUNTIES)
        years_old = years_old or self.rng.randint(25, 60)
        address = full_name(county) + self.rng.choice(("长安路", "建设路", "解放路", "人民路")) + \
            f"{self.rng.randint(1, 300)}号"
        return self.person(county, self.birth(years_old), self.rng.choice("MMF"), False, address)


def build_population(world: World, rng: random.Random, addresses: Addresses, target: int) -> People:
    people = People(world, rng, addresses)
    local_target = int(target * (1 - OTHER_PROVINCE_SHARE))
    while len(world.persons) < local_target:
        people.household(pick_county(rng))
    while len(world.persons) < target:
        people.outsider()
    return people

"""Scales, the data period and per-component random generators."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    enterprises: int
    persons: int

    @property
    def cases_per_kind(self) -> int:
        """Planted positives of each kind: at least 3 at every scale."""
        return max(3, self.enterprises // 600)

    @property
    def near_misses_per_kind(self) -> int:
        return max(2, self.enterprises // 1500)


SCALES: dict[str, Scale] = {
    "small": Scale("small", enterprises=2_000, persons=5_000),
    "medium": Scale("medium", enterprises=20_000, persons=50_000),
    "large": Scale("large", enterprises=50_000, persons=125_000),
}

# Monthly flows (payroll, electricity, invoices, periodic returns) cover one year; one-off
# events (land, property, equity, leases, permits) the three years before its end.
PERIOD_START = dt.date(2023, 1, 1)
PERIOD_END = dt.date(2023, 12, 31)
HISTORY_START = dt.date(2021, 1, 1)
AS_OF = dt.date(2024, 3, 31)  # the day the departments exported their data
MONTHS: list[tuple[int, int]] = [(2023, m) for m in range(1, 13)]


def rng_for(seed: int, component: str) -> random.Random:
    """An independent, reproducible generator per component (str seeds hash with SHA-512)."""
    return random.Random(f"crossaudit-demo:{seed}:{component}")


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day in [start, end]; `start` itself if the range is empty (a firm founded after `end`)."""
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def month_index(day: dt.date) -> int:
    """Index of a date's month in MONTHS (negative before the period, ≥12 after)."""
    return (day.year - PERIOD_START.year) * 12 + day.month - 1

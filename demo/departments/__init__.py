"""The department exports of the demo region, in the order they are written."""
from __future__ import annotations

from crossaudit.demo.departments import (
    civil_affairs, courts, ecology_environment, finance, housing, human_resources, market_regulation,
    natural_resources, power_grid, public_security, tax, transport,
)
from crossaudit.demo.spec import Department

DEPARTMENTS: tuple[Department, ...] = tuple(module.DEPARTMENT for module in (
    market_regulation, tax, natural_resources, housing, public_security, civil_affairs, human_resources,
    finance, transport, ecology_environment, power_grid, courts,
))

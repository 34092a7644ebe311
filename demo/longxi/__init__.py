"""The longxi dialect: the demo World written down by other provincial systems (see DATA_DICTIONARY.md
of a generated region). `answer_keys` lists each case's identifiers as these files show them."""
from __future__ import annotations

from typing import Callable

from crossaudit.demo.longxi.departments import DEPARTMENTS
from crossaudit.demo.longxi.numbers import equity_change_no, fullwidth_brackets, lease_no
from crossaudit.demo.world import Case, World

INTRO = ("Export conventions of the longxi systems (陇西数据标准): each department exports from its own system, "
         "in its own layout, date and amount styles and numbering. The region is the same fictional Ningxia "
         "(宁夏回族自治区, 640000); monthly flows cover 2023, one-off events 2021-2023; exported on 2024-03-31.")
KEY_TYPES = ("credit_code, id_number, invoice, land_contract, land_supervision, property_cert (every certificate "
             "of the unit), property_unit, sale_contract, equity_change (变更登记号), construction_permit, lease "
             "(登记备案号), payment, discharge_permit, auction, address, phone")


def answer_keys(world: World) -> Callable[[Case], tuple[str, list[str]]]:
    """(primary key, keys) of a case as the longxi files show them: a property by its unit number
    and every certificate the unit had, a lease by its 登记备案号, an equity transfer by its 变更登记号."""
    certificates: dict[str, list[str]] = {}
    for unit, cert in [(r.unit_no, r.cert_no) for r in world.properties] + \
            [(e.unit_no, e.cert_no) for e in world.register_entries if e.kind != "抵押登记"] + \
            [(a.unit_no, a.cert_no) for a in world.auctions]:
        certificates.setdefault(unit, [])
        if cert not in certificates[unit]:
            certificates[unit].append(cert)
    unit_of = {cert: unit for unit, certs in certificates.items() for cert in certs}
    leases = {l.filing_no: lease_no(l.filing_no, l.county, l.start.year) for l in world.leases}
    transfers = {f"{t.enterprise}/{t.transferor}/{t.date:%Y%m%d}": equity_change_no(world, t)
                 for t in world.equity_transfers}
    supervision = {c.contract_no: c.supervision_no for c in world.land_contracts}
    auctions = {a.case_no for a in world.auctions}

    def written(value: str) -> str:
        if value in leases:
            return leases[value]
        if value in unit_of or value in auctions:
            return fullwidth_brackets(value)
        return value

    def keys(case: Case) -> tuple[str, list[str]]:
        out = []
        for item in case.keys:
            kind, _, value = item.partition(":")
            if kind in ("property_cert", "property_unit"):
                unit = value if kind == "property_unit" else unit_of[value]
                out.append(f"property_unit:{unit}")
                out += [f"property_cert:{fullwidth_brackets(c)}" for c in certificates[unit]]
            elif kind == "equity_transfer":
                out.append(f"equity_change:{transfers[value]}")
            elif kind == "land_contract":
                out += [item, f"land_supervision:{supervision[value]}"]
            else:
                out.append(f"{kind}:{written(value)}")
        return written(case.primary_key), list(dict.fromkeys(out))

    return keys


__all__ = ["DEPARTMENTS", "INTRO", "KEY_TYPES", "answer_keys"]

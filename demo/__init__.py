"""A demo region: realistic department exports of a fictional Ningxia, with a planted answer key.

    >>> manifest = generate(Path("/tmp/region"), "small", seed=7)   # doctest: +SKIP
    >>> manifest["counts"]["enterprises"]                            # doctest: +SKIP

Same seed and scale → byte-identical files. The output folder holds one sub-folder per
department, `answer_key.csv`, `manifest.json`, `DATA_DICTIONARY.md` and `truth/`.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

from crossaudit import collector_paused
from crossaudit.loaders.regions import NINGXIA
from crossaudit.demo.activity import build_events
from crossaudit.demo.cases import Planter
from crossaudit.demo.config import AS_OF, HISTORY_START, PERIOD_END, PERIOD_START, SCALES, rng_for
from crossaudit.demo.dialects import DEFAULT_DIALECT, DIALECTS, Dialect, dialect as dialect_named
from crossaudit.demo.dictionary import render_dictionary
from crossaudit.demo.enterprises import Registry, build_enterprises, region_prefixes
from crossaudit.demo.flows import build_filings, build_invoices
from crossaudit.demo.geography import Addresses, build_offices
from crossaudit.demo.mess import CELL_KINDS, QUARANTINE_KINDS
from crossaudit.demo.population import build_population
from crossaudit.demo.registrations import build_registrations
from crossaudit.demo.world import World
from crossaudit.demo.writer import write_file

ANSWER_KEY_COLUMNS = ("case_id", "family", "kind", "label", "primary_key", "keys", "amount_at_risk", "office_code",
                      "description")
TRUTH_COLUMNS = ("file", "row", "role", "entity_type", "entity_id")
MESS_COLUMNS = ("file", "row", "kind", "column", "detail")
ENTITY_COLUMNS = ("entity_id", "entity_type", "name", "kind", "division", "parent", "household", "spouse",
                  "father", "mother")
Manifest = dict


def build_world(scale: str, seed: int) -> World:
    """The true region with its planted cases, before any department writes it down."""
    size = SCALES[scale]
    world = World(seed=seed, scale=scale, offices=build_offices())
    addresses = Addresses(rng_for(seed, "addresses"))
    people = build_population(world, rng_for(seed, "population"), addresses, size.persons)
    registry = Registry(world, rng_for(seed, "registry"), addresses, people)
    build_enterprises(world, registry, rng_for(seed, "enterprises"), size.enterprises)
    events = build_events(world, registry, rng_for(seed, "events"), size.enterprises, size.persons)
    Planter(world, events, registry, rng_for(seed, "cases"), size).plant_all()
    build_invoices(world, rng_for(seed, "invoices"))
    build_filings(world, rng_for(seed, "filings"))
    build_registrations(world, rng_for(seed, "registrations"))
    return world


def _csv_text(columns, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _entity_rows(world: World):
    for e in world.enterprises.values():
        yield (e.code, "enterprise", e.name, e.kind, e.county, e.parent or "", "", "", "", "")
    for p in world.persons.values():
        yield (p.id_number, "person", p.name, "local" if p.local else "other_province", p.division,
               "", p.household or "", p.spouse or "", p.father or "", p.mother or "")


def _answer_key_rows(world: World, dialect: Dialect):
    written = dialect.answer_keys(world)
    for n, case in enumerate(world.cases, start=1):
        primary, keys = written(case)
        yield (f"C{n:04d}", case.family, case.kind, case.label, primary, ";".join(keys),
               f"{case.amount_at_risk:.2f}", case.office, case.description)


def generate(out: Path | str, scale: str = "small", seed: int = 7, dialect: str = DEFAULT_DIALECT) -> Manifest:
    """Write the demo region into `out` as the departments of `dialect` export it, and return its
    manifest (also written as manifest.json). The World depends on scale and seed alone."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    chosen = dialect_named(dialect)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with collector_paused():
        return _generate(out, scale, seed, chosen)


def _generate(out: Path, scale: str, seed: int, dialect: Dialect) -> Manifest:
    world = build_world(scale, seed)
    prefixes = tuple(dict.fromkeys(p for county in sorted({e.county for e in world.local_enterprises()})
                                   for p in region_prefixes(county)))
    (out / "truth").mkdir(exist_ok=True)
    files = []
    entity_type = lambda entity_id: "person" if entity_id in world.persons else "enterprise"  # noqa: E731
    with open(out / "truth" / "records.csv", "w", encoding="utf-8", newline="") as truth_file, \
            open(out / "truth" / "mess.csv", "w", encoding="utf-8", newline="") as mess_file:
        truth, mess_log = csv.writer(truth_file, lineterminator="\n"), csv.writer(mess_file, lineterminator="\n")
        truth.writerow(TRUTH_COLUMNS)
        mess_log.writerow(MESS_COLUMNS)
        for department in dialect.departments:
            for spec in department.files:
                entry = write_file(spec, spec.rows(world), out, rng_for(seed, f"mess:{spec.path}"), prefixes,
                                   truth, mess_log, entity_type)
                entry["department_name"] = department.name
                files.append(entry)
    (out / "truth" / "entities.csv").write_bytes(_csv_text(ENTITY_COLUMNS, _entity_rows(world)))
    (out / "answer_key.csv").write_bytes(_csv_text(ANSWER_KEY_COLUMNS, _answer_key_rows(world, dialect)))
    dictionary = dictionary_markdown(dialect.name).encode("utf-8")
    (out / "DATA_DICTIONARY.md").write_bytes(dictionary)
    outputs = {}
    for name in ("answer_key.csv", "DATA_DICTIONARY.md", "truth/records.csv", "truth/mess.csv", "truth/entities.csv"):
        data = (out / name).read_bytes()
        outputs[name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                         "rows": data.count(b"\n") - 1 if name.endswith(".csv") else None}
    manifest = {
        "generator": "crossaudit.demo", "format_version": 1, "dialect": dialect.name, "seed": seed, "scale": scale,
        "region": NINGXIA, "history_start": HISTORY_START.isoformat(), "period_start": PERIOD_START.isoformat(),
        "period_end": PERIOD_END.isoformat(), "as_of": AS_OF.isoformat(),
        "cell_mess_kinds": list(CELL_KINDS), "quarantine_kinds": list(QUARANTINE_KINDS),
        "counts": {"enterprises": sum(1 for e in world.enterprises.values() if e.kind in ("local", "branch")),
                   "other_province_enterprises": sum(1 for e in world.enterprises.values() if e.kind == "other_province"),
                   "government_units": sum(1 for e in world.enterprises.values() if e.kind == "government"),
                   "persons": len(world.persons), "cases": len(world.cases),
                   "source_rows": sum(f["rows"] for f in files)},
        "departments": [d.folder for d in dialect.departments],
        "files": files, "outputs": outputs,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest


def dictionary_markdown(dialect: str = DEFAULT_DIALECT) -> str:
    """The data dictionary of a dialect (the default's is docs/demo-data-dictionary.md)."""
    chosen = dialect_named(dialect)
    source = "crossaudit.demo.departments" if chosen.name == DEFAULT_DIALECT else f"crossaudit.demo.{chosen.name}"
    return render_dictionary(chosen.departments, chosen.intro, chosen.key_types, source)


__all__ = ["DIALECTS", "build_world", "dictionary_markdown", "generate"]

"""The demo region: reproducible, valid identities, declared mess, planted cases that exist."""
from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from crossaudit.cli import main_group
from crossaudit.demo import build_world, dictionary_markdown, generate
from crossaudit.loaders.identifiers import normalize_code, is_valid_credit_code, is_valid_id_number

DOCS = Path(__file__).resolve().parents[1] / "docs" / "demo-data-dictionary.md"
DATE_PATTERNS = {"iso": "%Y-%m-%d", "compact": "%Y%m%d", "slash": "%Y/%m/%d", "chinese": "%Y年%m月%d日"}
FULLWIDTH = re.compile("[\uff01-\uff5e]")


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Path:
    """The small region, generated once through the CLI."""
    out = tmp_path_factory.mktemp("region")
    result = CliRunner().invoke(main_group, ["demo", "generate", "--scale", "small", "--seed", "7", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def manifest(region) -> dict:
    return json.loads((region / "manifest.json").read_text(encoding="utf-8"))


def read_export(region: Path, entry: dict) -> pd.DataFrame:
    """A file as a loader reads it: all text, declared encoding; over-long rows trimmed to the header."""
    path = region / entry["path"]
    if entry["format"] == "xlsx":
        frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        return frame.map(lambda v: v[:-2] if isinstance(v, str) and v.endswith(".0") else v)
    width = len(entry["columns"])
    if not entry["mess"].get("too_many_fields"):
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=entry["encoding"], sep=entry["delimiter"])
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=entry["encoding"], sep=entry["delimiter"],
                       engine="python", on_bad_lines=lambda fields: fields[:width])


@pytest.fixture(scope="module")
def frames(region, manifest) -> dict[str, pd.DataFrame]:
    return {entry["path"]: read_export(region, entry) for entry in manifest["files"]}


@pytest.fixture(scope="module")
def mess(region) -> dict[str, dict[int, list[tuple[str, str]]]]:
    by_file: dict[str, dict[int, list[tuple[str, str]]]] = {}
    with open(region / "truth" / "mess.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_file.setdefault(row["file"], {}).setdefault(int(row["row"]), []).append((row["kind"], row["column"]))
    return by_file


def quarantined_rows(mess, manifest, path: str) -> set[int]:
    kinds = set(manifest["quarantine_kinds"])
    return {row for row, items in mess.get(path, {}).items() if any(k in kinds for k, _ in items)}


def test_same_seed_gives_identical_bytes(region, manifest, tmp_path):
    again = generate(tmp_path, "small", 7)
    assert [f["sha256"] for f in again["files"]] == [f["sha256"] for f in manifest["files"]]
    assert again["outputs"] == manifest["outputs"]
    assert (tmp_path / "manifest.json").read_bytes() == (region / "manifest.json").read_bytes()


def test_different_seed_gives_a_different_region(region):
    entities = pd.read_csv(region / "truth" / "entities.csv", dtype=str, keep_default_na=False)
    other = build_world("small", 8)
    assert list(entities.entity_id[:20]) != list(other.enterprises)[:20]


def test_checksums_and_row_counts_match_the_files(region, manifest, frames):
    for entry in manifest["files"]:
        data = (region / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
        assert len(frames[entry["path"]]) == entry["rows"], entry["path"]
        assert entry["rows"] == entry["clean_rows"] + entry["duplicates"] + entry["quarantined"]
    for name, output in manifest["outputs"].items():
        assert hashlib.sha256((region / name).read_bytes()).hexdigest() == output["sha256"], name


def test_at_least_twelve_department_folders(region, manifest):
    folders = {entry["path"].split("/")[0] for entry in manifest["files"]}
    assert len(folders) >= 12
    assert all((region / folder).is_dir() for folder in folders)
    assert {e["encoding"] for e in manifest["files"]} >= {"gbk", "gb18030", "utf-8", "utf-8-sig"}
    assert any(e["format"] == "xlsx" for e in manifest["files"])


def test_xlsx_and_bom_as_declared(region, manifest):
    for entry in manifest["files"]:
        head = (region / entry["path"]).read_bytes()[:3]
        if entry["format"] == "xlsx":
            assert head[:2] == b"PK"
        else:
            assert (head == b"\xef\xbb\xbf") == (entry["encoding"] == "utf-8-sig"), entry["path"]


def is_valid(code: str, entity: str) -> bool:
    if entity == "enterprise":
        return is_valid_credit_code(code)
    return is_valid_id_number(code) or (entity == "any" and is_valid_credit_code(code))


def test_identifiers_validate_unless_planted_invalid(manifest, frames, mess):
    for entry in manifest["files"]:
        frame, path = frames[entry["path"]], entry["path"]
        skip = quarantined_rows(mess, manifest, path)
        planted = {(row, column) for row, items in mess.get(path, {}).items() for kind, column in items
                   if kind == "id_mistyped"}
        for role in entry["roles"].values():
            column = role["id_column"]
            if not column:
                continue
            validity = {value: is_valid(normalize_code(value), role["entity"]) for value in set(frame[column])}
            for row, value in enumerate(frame[column], start=1):
                if value and row not in skip:
                    assert validity[value] != ((row, column) in planted), f"{path} row {row} {column}: {value}"


def count_bad_dates(values: pd.Series, style: str) -> int:
    present = values[values != ""]
    parsed = pd.to_datetime(present, format=DATE_PATTERNS[style], errors="coerce")
    return int(parsed.isna().sum())


def test_mess_counts_match_the_files(manifest, frames, mess):
    for entry in manifest["files"]:
        frame, path, counts = frames[entry["path"]], entry["path"], entry["mess"]
        spec_columns = entry["columns"]
        assert int(frame.duplicated().sum()) == counts.get("duplicate", 0), path
        id_columns = [r["id_column"] for r in entry["roles"].values() if r["id_column"]]
        wide = sum(int(frame[c].str.contains(FULLWIDTH).sum()) for c in id_columns + ["联系电话"] if c in frame)
        assert wide == counts.get("fullwidth", 0), path
        truncated = entry["rows"] if counts.get("truncated_line") else None
        body = frame.drop(index=truncated - 1) if truncated else frame
        amount = [c for c in spec_columns if "(元)" in c or "(万元)" in c]
        negative = sum(int(body[c].str.startswith("-").sum()) for c in amount)
        assert negative == counts.get("negative_amount", 0), path
        logged = {}
        for items in mess.get(path, {}).values():
            for kind, _ in items:
                logged[kind] = logged.get(kind, 0) + 1
        assert logged == {k: v for k, v in counts.items() if v}, path


def test_impossible_dates_are_the_only_unparseable_dates(manifest, frames, mess, region):
    from crossaudit.demo.departments import DEPARTMENTS

    formats = {spec.path: spec for d in DEPARTMENTS for spec in d.files}
    for entry in manifest["files"]:
        spec, frame = formats[entry["path"]], frames[entry["path"]]
        skip = {r for r, items in mess.get(entry["path"], {}).items()
                if any(k in ("truncated_line", "too_many_fields") for k, _ in items)}
        body = frame.drop(index=[r - 1 for r in skip])
        bad = sum(count_bad_dates(body[c.header], spec.date_style) for c in spec.columns if c.format == "date")
        assert bad == entry["mess"].get("impossible_date", 0), entry["path"]


def cells_of(frame: pd.DataFrame, column: str, rows: pd.Series):
    return frame[column].to_numpy()[rows.to_numpy() - 1]


def test_name_variants_differ_from_the_registered_name(region, manifest, frames, mess):
    entities = pd.read_csv(region / "truth" / "entities.csv", dtype=str, keep_default_na=False)
    names = dict(zip(entities.entity_id, entities.name))
    truth = pd.read_csv(region / "truth" / "records.csv", dtype={"entity_id": str})
    for entry in manifest["files"]:
        path, frame = entry["path"], frames[entry["path"]]
        skip = quarantined_rows(mess, manifest, path)
        differing = 0
        for role, group in truth[(truth.file == path) & ~truth.row.isin(skip)].groupby("role"):
            column = entry["roles"][role]["name_column"]
            if column and entry["roles"][role]["entity"] != "person":
                differing += int((cells_of(frame, column, group.row) != group.entity_id.map(names).to_numpy()).sum())
        assert differing == entry["mess"].get("name_variant", 0), path


def test_truth_rows_point_at_the_named_entity(manifest, frames, mess, region):
    truth = pd.read_csv(region / "truth" / "records.csv", dtype={"entity_id": str})
    assert list(truth.columns) == ["file", "row", "role", "entity_type", "entity_id"]
    for entry in manifest["files"]:
        path, frame = entry["path"], frames[entry["path"]]
        clean = truth[(truth.file == path) & ~truth.row.isin(set(mess.get(path, {})))]
        for role, group in clean.groupby("role"):
            cells = cells_of(frame, entry["roles"][role]["id_column"], group.row)
            wrong = group[cells != group.entity_id.to_numpy()]
            assert wrong.empty, f"{path} {role}: rows {list(wrong.row[:5])}"


def test_answer_key_has_every_family_with_positives_and_near_misses(region):
    key = pd.read_csv(region / "answer_key.csv", dtype=str, keep_default_na=False)
    assert list(key.columns) == ["case_id", "family", "kind", "label", "primary_key", "keys", "amount_at_risk",
                                 "office_code", "description"]
    families = {"land_transfer_deed_tax", "property_transfer_deed_tax", "equity_transfer_iit",
                "cross_region_contractor", "unregistered_operation", "inactive_taxpayer_operating",
                "related_party_trading", "circular_invoicing", "shell_cluster", "payroll_underreporting",
                "electricity_revenue_mismatch", "procurement_without_invoice", "lease_without_rental_tax",
                "discharge_without_env_tax", "related_party_property", "judicial_auction_deed_tax"}
    assert set(key.family) == families
    positives = key[key.label == "positive"].groupby("kind").size()
    assert (positives >= 3).all()
    assert set(key[key.label == "near_miss"].family) == families
    assert key.case_id.is_unique
    # seed 7, small: 63 positives (21 kinds x 3), 44 near misses, and 16 lawful look-alikes planted
    # last (equity at cost, wages below the deduction, 流拍, late deed tax, 首次登记, deregistered)
    assert (key.label == "positive").sum() == 63 and (key.label == "near_miss").sum() == 60


def test_every_planted_entity_and_document_is_in_the_exports(region, manifest, frames):
    cells: set[str] = set()
    for frame in frames.values():
        for column in frame.columns:
            cells.update(frame[column].astype(str))
    key = pd.read_csv(region / "answer_key.csv", dtype=str, keep_default_na=False)
    for case_id, keys, primary in zip(key.case_id, key["keys"], key.primary_key):
        for item in keys.split(";") + [primary]:
            value = item.split(":", 1)[1] if ":" in item else item
            for part in value.split("/")[:2]:
                assert part in cells, f"{case_id}: {item} not found in any export"


def test_data_dictionary_is_generated_and_current(region):
    text = dictionary_markdown()
    assert (region / "DATA_DICTIONARY.md").read_text(encoding="utf-8") == text
    assert DOCS.read_text(encoding="utf-8") == text, "regenerate docs/demo-data-dictionary.md"


def test_generate_command_has_help():
    result = CliRunner().invoke(main_group, ["demo", "generate", "--help"])
    assert result.exit_code == 0 and "--scale" in result.output


def test_a_ring_s_case_goes_to_the_office_of_its_primary_key_firm(region):
    """A ring has no first member: its case, keyed by the ring's smallest credit code, goes to that
    firm's office, as every family's goes to the office of the entity its primary key names."""
    key = pd.read_csv(region / "answer_key.csv", dtype=str, keep_default_na=False)
    rings = key[key.family == "circular_invoicing"]
    firms = build_world("small", 7).enterprises
    members = [[firms[k.removeprefix("credit_code:")] for k in keys.split(";") if k.startswith("credit_code:")]
               for keys in rings["keys"]]
    assert sum(len({m.tax_county for m in ring}) > 1 for ring in members) >= 2  # rings cross counties
    assert list(rings.office_code) == [firms[code].tax_county for code in rings.primary_key]


def test_a_share_bought_in_a_registered_transfer_costs_its_price_when_sold_again(region):
    """股权原值 is what the holder paid (国家税务总局公告2014年第67号 第十五条): a planted gain over
    paid-in capital alone may be a loss on the price paid, and no tax would be due."""
    world = build_world("small", 7)
    transfers = world.equity_transfers
    resold = [(first, then) for then in transfers for first in transfers
              if first.enterprise == then.enterprise and first.transferee == then.transferor and first.date < then.date]
    assert len(resold) >= 2
    assert all(then.cost == round(first.price * then.amount / first.amount, 2) for first, then in resold)
    key = pd.read_csv(region / "answer_key.csv", dtype=str, keep_default_na=False)
    planted = key[(key.family == "equity_transfer_iit") & (key.label == "positive")]
    gains = {(t.transferor, f"{t.date:%Y%m%d}"): t.price - t.cost for t in transfers}
    assert len(planted) >= 3 and all(gains[(row.primary_key, row["keys"].rsplit("/", 1)[1])] > 0
                                     for _, row in planted.iterrows())


def test_a_person_sells_a_share_only_after_acquiring_it():
    """Every transfer by a person is dated after the holding it sells began: on the medium region
    (seed 7) a planted near miss sold on 2023-02-20 a share its holder bought on 2023-08-10, so its
    cost basis was that later price and the record contradicted it (a false 'near miss')."""
    world = build_world("small", 7)
    bought = {}
    for t in world.equity_transfers:  # in the order they were made
        acquired = bought.get((t.enterprise, t.transferor))
        if acquired is not None:
            assert acquired < t.date, (t.enterprise, t.transferor, acquired, t.date)
        bought.setdefault((t.enterprise, t.transferee), t.date)

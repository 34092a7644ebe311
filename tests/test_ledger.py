"""The department ledger against a hand-counted fixture, on both engines; the report's charts."""
from __future__ import annotations

import datetime as dt

import pytest

from crossaudit.engine.ledger import LedgerError, ledger
from crossaudit.engine.store import RunStamp
from crossaudit.viz.ledger_report import ledger_report


def _file(run, department, dataset, day, read, quarantined, duplicates, id_cells=0, id_invalid=0,
          required_cells=0, required_missing=0, schedule="monthly"):
    return {"file_load_id": f"{run}:{dataset}", "run_id": run, "file": f"{dataset}.csv", "department": department,
            "dataset": dataset, "delivered_on": day, "schedule": schedule, "read": read,
            "loaded": read - quarantined - duplicates, "quarantined": quarantined, "duplicates": duplicates,
            "id_cells": id_cells, "id_invalid": id_invalid, "required_cells": required_cells,
            "required_missing": required_missing}


@pytest.fixture
def deliveries(store):
    store.upsert_nodes("Department", [{"code": "amr", "name": "市场监管厅"}, {"code": "power", "name": "电力公司"}])
    store.upsert_nodes("FileLoad", [
        # amr, November: two monthly datasets, both by the 10th
        _file("r1", "amr", "register", dt.date(2026, 11, 3), 1000, 10, 5, id_cells=2000, id_invalid=20,
              required_cells=3000, required_missing=30),
        _file("r1", "amr", "officers", dt.date(2026, 11, 3), 500, 0, 0, id_cells=500, id_invalid=0,
              required_cells=1000, required_missing=0),
        # power, November: its one monthly dataset late (the 20th)
        _file("r2", "power", "usage", dt.date(2026, 11, 20), 800, 80, 0, id_cells=800, id_invalid=40),
    ], RunStamp.now("ledger-fixture"))


def test_figures_match_the_hand_count(store, deliveries):
    rows = {r["department"]: r for r in ledger(store, "2026-11")}
    amr, power = rows["amr"], rows["power"]
    assert amr["rows_delivered"] == 1500 and amr["files"] == 2
    assert amr["quarantine_rate"] == pytest.approx(10 / 1500)
    assert amr["duplicate_rate"] == pytest.approx(5 / 1500)
    assert amr["id_validity"] == pytest.approx(1 - 20 / 2500)
    assert amr["completeness"] == pytest.approx(1 - 30 / 4000)
    assert (amr["datasets_expected"], amr["datasets_delivered"], amr["on_time"], amr["timeliness"]) == (2, 2, 2, 1.0)
    assert power["quarantine_rate"] == pytest.approx(0.1) and power["id_validity"] == pytest.approx(0.95)
    assert power["completeness"] is None  # no required cells declared
    assert (power["on_time"], power["timeliness"]) == (0, 0.0)
    assert (amr["rank"], power["rank"]) == (1, 2)


def test_a_month_without_the_monthly_delivery_counts_it_missing(store, deliveries):
    store.upsert_nodes("FileLoad", [_file("r3", "amr", "register", dt.date(2026, 12, 5), 100, 0, 0)],
                       RunStamp.now("ledger-december"))
    december = {r["department"]: r for r in ledger(store, "2026-12")}
    assert (december["amr"]["datasets_expected"], december["amr"]["datasets_delivered"]) == (2, 1)
    assert december["power"]["files"] == 0 and december["power"]["timeliness"] == 0.0


def test_the_report_ranks_departments_with_charts(store, deliveries):
    page = ledger_report(ledger(store), "2026-11")
    assert "涉税数据交付情况通报（2026-11）" in page
    assert page.count('src="data:image/png;base64,') == 3
    table = page[page.index("<tbody>"):]
    assert table.index("市场监管厅") < table.index("电力公司")  # ranked by score
    assert "得分最低：电力公司" in page
    assert "http://" not in page and "https://" not in page  # self-contained


def test_a_period_is_checked_and_one_without_deliveries_is_an_error_not_a_report_of_zeros(store, deliveries):
    with pytest.raises(LedgerError, match="period '<script>alert[(]1[)]</script>' is not a month YYYY-MM"):
        ledger(store, "<script>alert(1)</script>")
    with pytest.raises(LedgerError, match="no deliveries in period 2026-10; the ledger is kept by month and has 2026-11"):
        ledger(store, "2026-10")
    with pytest.raises(LedgerError, match="no deliveries in period 2026-Q4"):
        ledger(store, "2026-Q4")


def test_the_report_escapes_the_period(store, deliveries):
    page = ledger_report(ledger(store), "<script>alert(1)</script>")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_cli_ledger_report_refuses_a_period_without_data(store_uri, tmp_path):
    from click.testing import CliRunner

    from crossaudit.cli import main_group
    from crossaudit.engine import open_store

    with open_store(store_uri) as store:
        store.apply_schema()
        store.upsert_nodes("FileLoad", [_file("r1", "amr", "register", dt.date(2026, 11, 3), 10, 0, 0)])
    out = tmp_path / "通报.html"
    for period, message in (("<script>x</script>", "is not a month YYYY-MM, a quarter YYYY-Qn or a year YYYY"),
                            ("2026-12", "no deliveries in period 2026-12; the ledger is kept by month and has 2026-11")):
        result = CliRunner().invoke(main_group, ["--store", store_uri, "ledger", "report", "--period", period,
                                                 "-o", str(out)])
        assert result.exit_code == 1 and message in result.output and not out.exists()

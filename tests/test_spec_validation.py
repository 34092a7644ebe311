"""A spec that cannot be used is a SpecError naming the spec file and line."""
from __future__ import annotations

import textwrap

import pytest

from crossaudit.loaders import SpecError, load_spec
from crossaudit.loaders.spec import load_specs

GOOD = """\
department: amr
dataset: t
files: t*.csv
format: csv
grade: internal
columns:
  统一社会信用代码: {field: credit_code, type: credit_code, required: true}
  企业名称: {field: name, type: enterprise_name}
nodes:
  - {role: company, label: Enterprise, id: credit_code, props: {credit_code: credit_code, name: name}}
"""


def _write(tmp_path, text: str):
    path = tmp_path / "t.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _error(tmp_path, text: str) -> str:
    path = _write(tmp_path, text)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    return str(caught.value)


def test_the_good_spec_loads(tmp_path):
    spec = load_spec(_write(tmp_path, GOOD))
    assert spec.nodes[0].label == "Enterprise"


def test_unknown_key(tmp_path):
    message = _error(tmp_path, GOOD.replace("grade: internal", "grade: internal\nfrequency: monthly"))
    assert "t.yaml line 6" in message and "frequency" in message


def test_unknown_schema_property(tmp_path):
    message = _error(tmp_path, GOOD.replace("name: name}}", "nickname: name}}"))
    assert "t.yaml line 10" in message and "nickname" in message


def test_unknown_label(tmp_path):
    message = _error(tmp_path, GOOD.replace("label: Enterprise", "label: Company"))
    assert "t.yaml line 10" in message and "Company" in message


def test_field_produced_by_no_column(tmp_path):
    message = _error(tmp_path, GOOD.replace("name: name}}", "name: full_name}}"))
    assert "t.yaml line 10" in message and "full_name" in message


def test_column_missing_from_the_file(tmp_path):
    from crossaudit.engine import open_store
    from crossaudit.loaders import load_sources

    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "t.yaml").write_text(GOOD, encoding="utf-8")
    region = tmp_path / "region"
    region.mkdir()
    (region / "t1.csv").write_text("统一社会信用代码,名称\n91640104MA7M6BQN6F,某公司\n", encoding="utf-8")
    store = open_store(f"ladybug:{tmp_path}/g.db")
    try:
        report = load_sources(region, store, specs_dir=specs)
    finally:
        store.close()
    error = report.sources[0].error
    assert error and "t.yaml line 6" in error and "企业名称" in error and "t1.csv" in error


def test_duplicate_dataset(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(SpecError, match="b.yaml"):
        load_specs(tmp_path)

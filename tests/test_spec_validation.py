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


# --- types, keys and filters are checked before any row is loaded ----------------------------

PERMIT = """\
department: env
dataset: permits
files: p*.csv
format: csv
grade: internal
columns:
  许可证编号: {field: permit_no, required: true}
  有效期起: {field: valid_from}
nodes:
  - {role: permit, label: Permit, id: permit_no,
     props: {valid_from: valid_from}}
"""


def test_a_text_field_into_a_date_property_names_the_line_and_the_fix(tmp_path):
    message = _error(tmp_path, PERMIT)
    assert "t.yaml line 11" in message and "Permit.valid_from is DATE" in message
    assert "'有效期起'" in message and "type: date" in message
    load_spec(_write(tmp_path, PERMIT.replace("{field: valid_from}", "{field: valid_from, type: date}")))


def test_a_literal_must_be_of_its_property_type(tmp_path):
    message = _error(tmp_path, PERMIT.replace("valid_from: valid_from}", 'valid_from: "=soon"}'))
    assert "t.yaml line 11" in message and "'=soon'" in message and "DATE" in message
    spec = load_spec(_write(tmp_path, PERMIT.replace("valid_from: valid_from}", 'valid_from: "=2024-01-31"}')))
    assert spec.nodes[0].props["valid_from"] == "=2024-01-31"


def test_a_node_yield_whose_id_fills_no_key_prop_is_an_error(tmp_path):
    contract = GOOD.replace("nodes:\n", "  合同编号: {field: contract_no}\nnodes:\n") + \
        '  - {role: sale, label: Contract, id: contract_no, props: {kind: "=property_sale"}}\n'
    message = _error(tmp_path, contract)
    assert "t.yaml line 12" in message and "would name no Contract" in message
    assert "add `contract_no: contract_no`" in message
    load_spec(_write(tmp_path, contract.replace('props: {kind:', 'props: {contract_no: contract_no, kind:')))


def test_a_filter_on_a_field_no_column_produces_is_an_error(tmp_path):
    message = _error(tmp_path, GOOD.replace("grade: internal", "grade: internal\nwhen: {status: 存续}"))
    assert "t.yaml line 6" in message and "'status'" in message
    message = _error(tmp_path, GOOD.replace("name: name}}", "name: name}, when: {name: {given: maybe}}}"))
    assert "t.yaml line 10" in message and "given: true" in message


def _docstring_examples() -> list[str]:
    """The YAML examples in loaders/spec.py's docstring: its runs of lines indented 4 or more."""
    from crossaudit.loaders import spec as spec_module

    blocks, block = [], []
    for line in spec_module.__doc__.splitlines() + [""]:
        if line.startswith("    ") and line.strip():
            block.append(line)
        elif block:
            blocks.append(textwrap.dedent("\n".join(block)) + "\n")
            block = []
    return blocks


def test_the_docstring_examples_validate(tmp_path):
    examples = _docstring_examples()
    specs = [e for e in examples if e.startswith("department:")]
    assert len(specs) == 2 and len(examples) == 3
    for example in specs:
        spec = load_spec(_write(tmp_path, example))
        assert spec.nodes and all(c.on_invalid in ("quarantine", "null") for c in spec.columns.values())
    for columns in set(examples) - set(specs):  # column entries: under the columns of a spec
        spec = load_spec(_write(tmp_path, GOOD.replace("nodes:\n", textwrap.indent(columns, "  ") + "nodes:\n")))
        assert [d.type for c in spec.columns.values() for d in c.derive] == ["date", "date"]
    first = load_spec(_write(tmp_path, specs[0]))
    assert first.columns["联系电话"].on_invalid == "null"  # YAML's null, unquoted
    second = load_spec(_write(tmp_path, specs[1]))
    assert [n.role for n in second.nodes if n.when] == ["sale"] and second.when


def test_a_filter_compares_a_code_column_by_its_mapped_value(tmp_path):
    coded = GOOD.replace("nodes:\n", "  登记状态: {field: status, type: code, codes: {存续: operating, 注销: deregistered}}\n"
                                     "nodes:\n")
    message = _error(tmp_path, coded.replace("grade: internal", "grade: internal\nwhen: {status: 存续}"))
    assert "t.yaml line 6" in message and "'存续'" in message and "operating, deregistered" in message
    spec = load_spec(_write(tmp_path, coded.replace("grade: internal", "grade: internal\nwhen: {status: operating}")))
    assert [(c.field, c.test, c.values) for c in spec.when] == [("status", "one_of", ("operating",))]


def test_a_register_is_kept_of_enterprises_persons_and_properties_only(tmp_path):
    spec = load_spec(_write(tmp_path, GOOD.replace("id: credit_code,", "id: credit_code, register: true,")))
    assert spec.nodes[0].register
    message = _error(tmp_path, GOOD.replace("label: Enterprise, id: credit_code,",
                                            "label: Party, id: credit_code, register: true,"
                                            ).replace("props: {credit_code: credit_code, name: name}",
                                                      "props: {code: credit_code, name: name}"))
    assert "t.yaml line 10" in message and "Enterprise, Person, Property" in message and "Party" in message
    message = _error(tmp_path, GOOD.replace("id: credit_code,", "id: credit_code, register: yes please,"))
    assert "t.yaml line 10" in message and "true or false" in message

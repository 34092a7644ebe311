"""The CLI skeleton: help everywhere, store commands, one-line errors."""
from __future__ import annotations

import json
import subprocess
import sys

import click
from click.testing import CliRunner

from crossaudit.cli import main_group


def all_commands(group: click.Group, prefix=()):
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


def test_every_command_has_help_text():
    runner = CliRunner()
    for path, command in all_commands(main_group):
        assert command.help, f"crossaudit {' '.join(path)} has no help text"
        result = runner.invoke(main_group, [*path, "--help"])
        assert result.exit_code == 0, result.output


def test_a_read_command_imports_neither_the_rule_runner_nor_the_resolver_nor_the_demo():
    """Start-up of `explore`, `findings` and the other reads: the commands' modules are imported on
    demand, and the rule runner (pandas, scipy), the resolver, the demo, openpyxl and networkx with them only."""
    heavy = ("pandas", "scipy", "openpyxl", "networkx", "crossaudit.resolve", "crossaudit.engine.rules", "crossaudit.demo")
    code = ("import sys; from click.testing import CliRunner; from crossaudit.cli import main_group; "
            "assert CliRunner().invoke(main_group, ['explore', '--help']).exit_code == 0; "
            f"print(sorted(name for name in {heavy!r} if name in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout


def test_explore_writes_its_page_without_importing_arrow_numpy_or_pandas(tmp_path):
    """A run of `explore`, access check, clearance (the specs' grades and fills), audit entry and
    page, imports none of them (about 0.3 s of a 1 s page on the medium region)."""
    from crossaudit.engine import open_store

    uri, page = f"ladybug:{tmp_path / 'graph.db'}", tmp_path / "page.html"
    with open_store(uri) as store:
        store.apply_schema()
        store.upsert_nodes("Enterprise", [{"uid": "91640100MA00000001", "credit_code": "91640100MA00000001",
                                           "name": "宁夏测试有限公司"}])
    heavy = ("pyarrow", "numpy", "pandas")
    code = ("import sys; from click.testing import CliRunner; from crossaudit.cli import main_group; "
            f"result = CliRunner().invoke(main_group, ['--store', {uri!r}, 'explore', '宁夏测试有限公司', '-o', {str(page)!r}]); "
            "assert result.exit_code == 0, result.output; "
            f"print(sorted(name for name in {heavy!r} if name in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]" and "宁夏测试有限公司" in page.read_text(encoding="utf-8"), result.stdout


def test_store_info_json_on_a_fresh_store(store_uri):
    result = CliRunner().invoke(main_group, ["--store", store_uri, "store", "info", "--format", "json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert set(info) >= {"engine", "nodes", "relationships"}
    assert info["engine"] == ("ladybug" if store_uri.startswith("ladybug:") else "neo4j")
    assert info["nodes"]["Enterprise"] == 0 and info["relationships"]["DESCRIBES"] == 0


def test_store_init_then_table_output(store_uri):
    runner = CliRunner()
    assert runner.invoke(main_group, ["--store", store_uri, "store", "init"]).exit_code == 0
    result = runner.invoke(main_group, ["--store", store_uri, "store", "info"])
    assert result.exit_code == 0 and "SHAREHOLDER_OF" in result.output


def test_store_uri_from_the_environment(tmp_path):
    env = {"CROSSAUDIT_STORE": f"ladybug:{tmp_path / 'env.db'}"}
    result = CliRunner().invoke(main_group, ["store", "info", "--format", "json"], env=env)
    assert result.exit_code == 0 and (tmp_path / "env.db").exists()


def run_cli(*args):
    return subprocess.run([sys.executable, "-c", "from crossaudit.cli import main; main()", *args],
                          capture_output=True, text=True)


def test_errors_are_one_line_without_traceback():
    result = run_cli("--store", "bolt://127.0.0.1:1", "store", "info")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot reach Neo4j at bolt://127.0.0.1:1")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    debug = run_cli("--debug", "--store", "nowhere:x", "store", "info")
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_a_held_ladybug_file_names_the_holder_to_a_command_that_writes(tmp_path):
    from crossaudit.engine import open_store

    path = tmp_path / "held.db"
    with open_store(f"ladybug:{path}") as holder:
        holder.apply_schema()
        result = run_cli("--store", f"ladybug:{path}", "resolve")
    assert result.returncode == 1
    assert "cannot open the Ladybug database" in result.stderr and "Only one process may write" in result.stderr


def test_a_password_in_a_store_uri_is_never_echoed():
    result = run_cli("--store", "bolt://neo4j:s3cret-pw@127.0.0.1:1", "store", "info")
    assert result.returncode == 1 and "bolt://neo4j:***@127.0.0.1:1" in result.stderr
    assert "s3cret-pw" not in result.stderr + result.stdout


def test_load_exits_non_zero_when_a_file_fails(tmp_path):
    folder = tmp_path / "delivery" / "tax"
    folder.mkdir(parents=True)
    (folder / "税务机关.csv").write_text("编号,名称\n1,甲\n", encoding="utf-8")  # not the spec's headers
    result = run_cli("--store", f"ladybug:{tmp_path / 'graph.db'}", "load", str(tmp_path / "delivery"))
    assert result.returncode == 2 and "missing from tax/税务机关.csv" in result.stderr, result.stderr

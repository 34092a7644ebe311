"""`crossaudit stats`: tax at risk and recovered by office, rule family and industry."""
from __future__ import annotations

import html
from pathlib import Path

import click

from crossaudit.cli.common import clearance_of, format_option, guard, main_group, open_reading, office_scope_of, print_json, print_table
from crossaudit.engine import audit
from crossaudit.engine.stats import DIMENSIONS, finding_stats

TITLES = {"office": "税务机关", "pack": "规则类别", "industry": "行业"}


@main_group.command("stats")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a self-contained HTML page with charts.")
@format_option("table", "json")
@click.pass_context
def stats(ctx: click.Context, output: Path | None, fmt: str) -> None:
    """Tax at risk and tax recovered by office, rule family and industry (an inspector's own
    office and those below it only)."""
    with open_reading(ctx) as store:
        user = guard(ctx, store, "stats")
        totals = finding_stats(store, office_scope_of(store, user), clearance_of(store, user))
        audit.record(store, user, "stats", str(output) if output else None, "allowed")
    if output:
        output.write_text(_page(totals), encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    if fmt == "json":
        print_json(totals)
        return
    for dimension in DIMENSIONS:
        rows = sorted(totals[f"by_{dimension}"].items(), key=lambda kv: -kv[1]["tax_at_risk"])
        print_table(f"by {dimension}", [dimension, "findings", "tax at risk (元)", "recovered (元)"],
                    [(k, v["findings"], f"{v['tax_at_risk']:,.2f}", f"{v['recovered']:,.2f}") for k, v in rows])


def _page(totals: dict) -> str:
    from crossaudit.viz.charts import bar_chart

    sections = []
    for dimension in DIMENSIONS:
        items = sorted(totals[f"by_{dimension}"].items(), key=lambda kv: -kv[1]["tax_at_risk"])[:20]
        labels = [k for k, _ in items]
        sections.append(f"<h2>按{TITLES[dimension]}</h2>"
                        f'<img alt="chart" src="{bar_chart(labels, [v["tax_at_risk"] / 1e4 for _, v in items], "风险税额（万元）")}">'
                        f'<img alt="chart" src="{bar_chart(labels, [v["recovered"] / 1e4 for _, v in items], "已追缴税款（万元）")}">')
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>疑点统计</title>'
            f'<style>body{{font-family:"Noto Sans CJK SC",sans-serif;margin:2em}}img{{max-width:100%}}</style></head>'
            f"<body><h1>疑点统计</h1><p>疑点 {totals['findings']:,} 条，风险税额 {totals['tax_at_risk']:,.2f} 元，"
            f"已追缴 {totals['recovered']:,.2f} 元。</p>{''.join(sections)}"
            f"<p><small>{html.escape('crossaudit stats')}</small></p></body></html>")

"""The circulated report (通报) of the department ledger: ranking, figures and charts in one
self-contained HTML page (charts are inline PNGs; nothing is fetched).

    html = ledger_report(rows, period="2026-11")
"""
from __future__ import annotations

import datetime as dt
import html as html_lib

from crossaudit.viz.charts import bar_chart

COLUMNS = (("rank", "排名"), ("department_name", "部门"), ("score", "综合得分"), ("datasets_delivered", "已交数据集"),
           ("datasets_expected", "应交数据集"), ("on_time", "按时"), ("rows_delivered", "交付行数"),
           ("quarantine_rate", "隔离率"), ("duplicate_rate", "重复率"), ("id_validity", "证件号有效率"),
           ("completeness", "必填完整率"), ("timeliness", "及时率"))
RATES = {"quarantine_rate", "duplicate_rate", "id_validity", "completeness", "timeliness"}


def _cell(name: str, value) -> str:
    if value is None:
        return "—"
    if name in RATES:
        return f"{value:.2%}"
    if isinstance(value, (int, float)) and name != "rank":
        return f"{value:,}"
    return html_lib.escape(str(value))


def ledger_report(rows: list[dict], period: str) -> str:
    """The report page for one period's ledger rows (as `engine.ledger.ledger` gives them)."""
    rows = [r for r in rows if r["period"] == period]
    names = [r["department_name"] or r["department"] for r in rows]
    charts = [bar_chart(names, [r["score"] for r in rows], f"{period} 部门数据交付综合得分"),
              bar_chart(names, [100 * (r["quarantine_rate"] or 0) for r in rows], f"{period} 隔离率", "%"),
              bar_chart(names, [100 * r["timeliness"] for r in rows], f"{period} 及时率", "%")]
    head = "".join(f"<th>{label}</th>" for _, label in COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{_cell(name, row.get(name) if name != 'department_name' else label)}</td>"
                                    for name, _ in COLUMNS) + "</tr>" for row, label in zip(rows, names))
    images = "".join(f'<img alt="chart" src="{uri}">' for uri in charts)
    period = html_lib.escape(period)
    worst = min(rows, key=lambda r: r["score"]) if rows else None
    summary = (f"本期共 {len(rows)} 个部门交付数据，合计 {sum(r['rows_delivered'] for r in rows):,} 行；"
               + (f"得分最低：{html_lib.escape(worst['department_name'] or worst['department'])}"
                  f"（{worst['score']}）。" if worst else ""))
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>涉税数据交付情况通报 {period}</title>
<style>body{{font-family:"Noto Sans CJK SC","Noto Sans SC",sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #bbb;padding:4px 8px;text-align:right}}
th{{background:#eef2f7}}td:nth-child(2){{text-align:left}}img{{display:block;max-width:100%;margin:1em 0}}
@media print{{img{{page-break-inside:avoid}}}}</style></head><body>
<h1>涉税数据交付情况通报（{period}）</h1>
<p>{summary}</p>
<p>综合得分 = 50% 质量（隔离率、重复率、证件号有效率、必填完整率）+ 20% 数量（已交/应交数据集）+ 30% 及时性（每月 10 日前交付）。</p>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
{images}
<p><small>生成时间 {dt.datetime.now():%Y-%m-%d %H:%M}</small></p></body></html>"""

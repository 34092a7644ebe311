"""Charts for circulated reports, rendered as inline PNG images with a CJK font.

The font is Noto Sans CJK SC from the `mplfonts` package (installed with crossaudit), so the
Chinese labels render on a fresh machine with no system fonts.

    uri = bar_chart(["市场监管", "税务"], [92.5, 88.0], "综合得分")   # data:image/png;base64,…
    html = stats_page(finding_stats(store))    # `crossaudit stats -o`, the console's /stats
"""
from __future__ import annotations

import base64
import io
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: pages are files

from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

from crossaudit.engine.stats import DIMENSIONS  # noqa: E402

FONT_FILE = "NotoSansCJKsc-Regular.otf"


@lru_cache(maxsize=1)
def cjk_font() -> font_manager.FontProperties:
    """The bundled Noto Sans CJK SC, registered with matplotlib."""
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / FONT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the CJK font for charts is missing; reinstall mplfonts")
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path))


def bar_chart(labels: list[str], values: list[float], title: str, unit: str = "") -> str:
    """A horizontal bar chart as a data URI, largest value on top."""
    font = cjk_font()
    pairs = sorted(zip(labels, values), key=lambda p: p[1])
    figure, axes = plt.subplots(figsize=(7, 0.45 * max(len(pairs), 2) + 1.2), dpi=110)
    bars = axes.barh([p[0] for p in pairs], [p[1] for p in pairs], color="#3a6ea5")
    axes.bar_label(bars, labels=[f"{v:,.1f}{unit}" for _, v in pairs], padding=3, fontproperties=font, fontsize=9)
    axes.set_title(title, fontproperties=font, fontsize=13)
    for label in axes.get_yticklabels():
        label.set_fontproperties(font)
    axes.spines[["top", "right"]].set_visible(False)
    axes.margins(x=0.15)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


STATS_TITLES = {"office": "税务机关", "pack": "规则类别", "industry": "行业"}


def stats_page(totals: dict) -> str:
    """The statistics page (engine.stats.finding_stats): tax at risk and recovered by office, rule
    family and industry, the 20 largest of each as charts; one self-contained HTML file."""
    sections = []
    for dimension in DIMENSIONS:
        items = sorted(totals[f"by_{dimension}"].items(), key=lambda kv: -kv[1]["tax_at_risk"])[:20]
        labels = [k for k, _ in items]
        sections.append(f"<h2>按{STATS_TITLES[dimension]}</h2>"
                        f'<img alt="chart" src="{bar_chart(labels, [v["tax_at_risk"] / 1e4 for _, v in items], "风险税额（万元）")}">'
                        f'<img alt="chart" src="{bar_chart(labels, [v["recovered"] / 1e4 for _, v in items], "已追缴税款（万元）")}">')
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>疑点统计</title>'
            f'<style>body{{font-family:"Noto Sans CJK SC",sans-serif;margin:2em}}img{{max-width:100%}}</style></head>'
            f"<body><h1>疑点统计</h1><p>疑点 {totals['findings']:,} 条，风险税额 {totals['tax_at_risk']:,.2f} 元，"
            f"已追缴 {totals['recovered']:,.2f} 元。</p>{''.join(sections)}"
            "<p><small>crossaudit stats</small></p></body></html>")

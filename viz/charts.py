"""Charts for circulated reports, rendered as inline PNG images with a CJK font.

The font is Noto Sans CJK SC from the `mplfonts` package (installed with crossaudit), so the
Chinese labels render on a fresh machine with no system fonts.

    uri = bar_chart(["市场监管", "税务"], [92.5, 88.0], "综合得分")   # data:image/png;base64,…
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

"""Charts for the usage report, drawn with reportlab's own graphics (vector, embedded fonts)."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from reports.fonts import FontChain

PALETTE = [
    colors.HexColor(c)
    for c in (
        "#2f6f8f",
        "#e07a3f",
        "#5aa469",
        "#b84a62",
        "#8a6fb3",
        "#c9a227",
        "#4c9aa8",
        "#7d7d7d",
    )
]


def stacked_bars(
    categories: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    width: float,
    height: float,
    fonts: FontChain,
    title: str,
) -> Drawing:
    """Vertical bars per category (month), stacked by series (needle length)."""
    drawing = Drawing(width, height)
    legend_width = 110
    chart = VerticalBarChart()
    chart.x, chart.y = 36, 34
    chart.width, chart.height = width - chart.x - legend_width - 10, height - 60
    chart.data = [list(values) for values in series.values()] or [[0] * len(categories)]
    chart.categoryAxis.categoryNames = list(categories)
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.fontName = fonts.primary
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30 if len(categories) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(categories) > 8 else "n"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = fonts.primary
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#dde5ea")
    chart.barSpacing = 1
    for i in range(len(chart.data)):
        chart.bars[i].fillColor = PALETTE[i % len(PALETTE)]
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = width - legend_width, height - 30
    legend.fontName = legend_font = fonts.font_covering(list(series))
    legend.fontSize = 7.5
    legend.alignment = "right"
    legend.colorNamePairs = [
        (PALETTE[i % len(PALETTE)], fonts.one_font(name, legend_font))
        for i, name in enumerate(series)
    ]
    drawing.add(legend)
    drawing.add(String(0, height - 12, title, fontName=fonts.primary, fontSize=9))
    return drawing


def horizontal_bars(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    width: float,
    fonts: FontChain,
    title: str,
    label_width: float = 170,
    cap: float | None = None,
) -> Drawing:
    """One bar per label (practitioner, product); values above ``cap`` are drawn at the cap."""
    bar = 14
    height = max(60, bar * len(labels) + 50)
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = label_width, 24
    chart.width, chart.height = width - label_width - 20, height - 46
    shown = [min(v, cap) if cap is not None else v for v in values]
    chart.data = [list(reversed(shown))] if shown else [[0]]
    names = [fonts.one_font(label, fonts.font_covering([label])) for label in labels]
    names = list(reversed(names)) or [""]
    chart.categoryAxis.categoryNames = names
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.fontName = fonts.primary
    for i, label in enumerate(reversed(list(labels))):
        chart.categoryAxis.labels[i].fontName = fonts.font_covering([label])
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = fonts.primary
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#dde5ea")
    chart.bars[0].fillColor = PALETTE[0]
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "values"
    chart.barLabelArray = [[f"{v:.0f}" for v in reversed(list(values))]] if values else [[""]]
    chart.barLabels.fontName = fonts.primary
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    drawing.add(String(0, height - 12, title, fontName=fonts.primary, fontSize=9))
    return drawing

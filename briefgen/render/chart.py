"""The briefing's chart drawn with matplotlib: SVG for HTML and PDF, PNG for DOCX."""

from __future__ import annotations

import io

from briefgen.models import Chart

INK, ACCENT = "#1a1a1a", "#1f3a5f"


def _draw(chart: Chart, fmt: str, dpi: int = 150) -> bytes:
    # Imported here: matplotlib takes a moment to load and only editions with a chart need it.
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    # labels are the config's plain text: "$...$" in a section title must not be read as mathtext
    with matplotlib.rc_context(
        {
            "text.parse_math": False,
            "svg.hashsalt": "briefgen",
            "svg.fonttype": "path",
            "font.family": "DejaVu Sans",
            "font.size": 8,
        }
    ):
        figure = Figure(figsize=(6.3, 1.9), dpi=dpi)
        axes = figure.add_subplot()
        positions = range(len(chart.values))
        axes.bar(positions, chart.values, color=ACCENT, width=0.6)
        axes.set_xticks(
            list(positions),
            chart.labels,
            rotation=0 if len(chart.labels) <= 10 else 45,
            ha="center" if len(chart.labels) <= 10 else "right",
        )
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of items: no tick at 2.5
        axes.set_title(chart.title, loc="left", color=INK, fontsize=9, fontweight="bold")
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        figure.tight_layout()
        buffer = io.BytesIO()
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        figure.savefig(buffer, format=fmt, metadata=metadata)
        return buffer.getvalue()


def chart_svg(chart: Chart) -> str:
    return _draw(chart, "svg").decode("utf-8")


def chart_png(chart: Chart) -> bytes:
    return _draw(chart, "png")

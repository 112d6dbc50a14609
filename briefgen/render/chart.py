"""The briefing's bar chart, drawn by hand: SVG for HTML and PDF, PNG (with Pillow) for DOCX.

One layout, computed in points, feeds both drawings, so that the Word edition's picture matches the PDF's.
No plotting library: matplotlib took about a second to import and draw this one small chart, longer than
WeasyPrint took to lay out the whole executive edition.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from html import escape

from briefgen.files import resource_path
from briefgen.models import Chart

INK, ACCENT, MUTED, GRID = "#1a1a1a", "#1f3a5f", "#555555", "#d8dee8"
WIDTH, HEIGHT = 453.6, 136.8  # points: 6.3 x 1.9 inches, shown at 70% of the text width
TITLE_SIZE, LABEL_SIZE = 9.0, 8.0
TICK = 3.5  # length of a tick mark, and the gap between a tick and its label
PAD = 6.0  # empty border around the drawing
ADVANCE = 0.62  # a DejaVu Sans character's mean width, in ems: enough to reserve room for labels
ASCENT = 0.76  # DejaVu Sans cap height and digits, in ems: where a baseline goes below a top edge
SLANTED = 10  # more day labels than this and they are slanted, so that they do not run into each other
FONT_FAMILY = "'Brief Sans', 'DejaVu Sans', Verdana, sans-serif"  # Brief Sans is print.css's DejaVu Sans


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    size: float
    anchor: str  # start, middle or end, as SVG's text-anchor
    bold: bool = False
    slanted: bool = False  # turned 45 degrees about (x, y), reading upwards to the right


@dataclass(frozen=True)
class Layout:
    bars: tuple[tuple[float, float, float, float], ...]  # x, y, width, height
    grid: tuple[float, ...]  # heights of the light lines behind the bars, one per tick above 0
    axis: tuple[float, float, float, float]  # left, top, right, bottom of the plotting area
    ticks: tuple[tuple[float, float, float, float], ...]  # x1, y1, x2, y2 of each tick mark
    texts: tuple[Text, ...]


def _tick_step(highest: int) -> int:
    """An integer step of 1, 2 or 5 times a power of ten giving at most five intervals: counts of items
    have no tick at 2.5."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if math.ceil(highest / (factor * magnitude)) <= 5:
                return factor * magnitude
        magnitude *= 10


def layout(chart: Chart) -> Layout:
    highest = max(max(chart.values, default=0), 1)
    step = _tick_step(highest)
    top_value = math.ceil(highest / step) * step
    slanted = len(chart.labels) > SLANTED
    longest = max((len(label) for label in chart.labels), default=0) * ADVANCE * LABEL_SIZE
    label_depth = (longest + LABEL_SIZE * ASCENT) * math.sqrt(0.5) if slanted else LABEL_SIZE * ASCENT

    left = PAD + len(str(top_value)) * ADVANCE * LABEL_SIZE + 2 * TICK
    right = WIDTH - PAD
    top = PAD + TITLE_SIZE + 8
    bottom = HEIGHT - PAD - label_depth - 2 * TICK
    scale = (bottom - top) / top_value
    slot = (right - left) / max(len(chart.values), 1)

    bars, ticks = [], []
    texts = [Text(left, PAD + TITLE_SIZE * ASCENT, chart.title, TITLE_SIZE, "start", bold=True)]
    for index, (label, value) in enumerate(zip(chart.labels, chart.values, strict=True)):
        centre = left + (index + 0.5) * slot
        if value:
            bars.append((centre - 0.3 * slot, bottom - value * scale, 0.6 * slot, value * scale))
        ticks.append((centre, bottom, centre, bottom + TICK))
        baseline = bottom + 2 * TICK + LABEL_SIZE * ASCENT
        if slanted:
            # the baseline's end a little right of and below the tick, so the turned label's middle meets it
            end = (centre + LABEL_SIZE * 0.3, bottom + 2 * TICK + LABEL_SIZE * 0.5)
            texts.append(Text(*end, label, LABEL_SIZE, "end", slanted=True))
        else:
            texts.append(Text(centre, baseline, label, LABEL_SIZE, "middle"))
    for value in range(0, top_value + 1, step):
        y = bottom - value * scale
        ticks.append((left - TICK, y, left, y))
        texts.append(Text(left - 2 * TICK, y + LABEL_SIZE * ASCENT / 2, str(value), LABEL_SIZE, "end"))
    grid = tuple(bottom - value * scale for value in range(step, top_value + 1, step))
    return Layout(tuple(bars), grid, (left, top, right, bottom), tuple(ticks), tuple(texts))


def _n(value: float) -> str:
    """A coordinate in the SVG: two decimals at most, so that the same chart gives the same bytes."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def chart_svg(chart: Chart) -> str:
    shape = layout(chart)
    left, _, right, bottom = shape.axis
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(WIDTH)}pt" height="{_n(HEIGHT)}pt" '
        f'viewBox="0 0 {_n(WIDTH)} {_n(HEIGHT)}" role="img">',
        f"<title>{escape(chart.title)}</title>",
        f'<rect width="{_n(WIDTH)}" height="{_n(HEIGHT)}" fill="#ffffff"/>',
    ]
    parts += [
        f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(right)}" y2="{_n(y)}" stroke="{GRID}" stroke-width="0.6"/>'
        for y in shape.grid
    ]
    parts += [
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{ACCENT}"/>' for x, y, w, h in shape.bars
    ]
    lines = [(left, bottom, right, bottom), (left, shape.axis[1], left, bottom), *shape.ticks]
    parts += [
        f'<line x1="{_n(a)}" y1="{_n(b)}" x2="{_n(c)}" y2="{_n(d)}" stroke="{INK}" stroke-width="0.8"/>'
        for a, b, c, d in lines
    ]
    for text in shape.texts:
        turn = f' transform="rotate(-45 {_n(text.x)} {_n(text.y)})"' if text.slanted else ""
        weight = ' font-weight="bold"' if text.bold else ""
        colour = INK if text.bold else MUTED
        parts.append(
            f'<text x="{_n(text.x)}" y="{_n(text.y)}" font-family="{FONT_FAMILY}" font-size="{_n(text.size)}"'
            f'{weight} fill="{colour}" text-anchor="{text.anchor}"{turn}>{escape(text.text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def chart_png(chart: Chart, dpi: int = 200) -> bytes:
    """The same drawing as a PNG for Word, with the DejaVu Sans faces that the templates ship."""
    from PIL import Image, ImageDraw, ImageFont  # WeasyPrint's own dependency; only the DOCX needs it

    shape = layout(chart)
    zoom = dpi / 72

    def px(value: float) -> int:
        return round(value * zoom)

    fonts_folder = resource_path("briefgen", "templates", "fonts")
    fonts = {
        bold: ImageFont.truetype(str(fonts_folder / name), px(size))
        for bold, name, size in ((False, "DejaVuSans.ttf", LABEL_SIZE), (True, "DejaVuSans-Bold.ttf", TITLE_SIZE))
    }
    image = Image.new("RGB", (px(WIDTH), px(HEIGHT)), "#ffffff")
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = shape.axis
    for y in shape.grid:
        draw.line([(px(left), px(y)), (px(right), px(y))], fill=GRID, width=max(1, px(0.6)))
    for x, y, w, h in shape.bars:
        draw.rectangle([px(x), px(y), px(x + w) - 1, px(y + h) - 1], fill=ACCENT)
    for a, b, c, d in [(left, bottom, right, bottom), (left, top, left, bottom), *shape.ticks]:
        draw.line([(px(a), px(b)), (px(c), px(d))], fill=INK, width=max(1, px(0.8)))
    anchors = {"start": "ls", "middle": "ms", "end": "rs"}  # horizontal alignment, on the baseline
    for text in shape.texts:
        font, colour = fonts[text.bold], INK if text.bold else MUTED
        if not text.slanted:
            draw.text((px(text.x), px(text.y)), text.text, font=font, fill=colour, anchor=anchors[text.anchor])
            continue
        # drawn level on a scrap with its anchor at `end`, turned about the scrap's centre, and laid on so that
        # the anchor lands at (x, y)
        x0, y0, x1, y1 = (round(v) for v in draw.textbbox((0, 0), text.text, font=font, anchor="rs"))
        scrap = Image.new("L", (x1 - x0, y1 - y0), 0)
        end = (-x0, -y0)
        ImageDraw.Draw(scrap).text(end, text.text, font=font, fill=255, anchor="rs")
        turned = scrap.rotate(45, expand=True, resample=Image.Resampling.BICUBIC)
        # where the anchor went: turned 45 degrees counter-clockwise about the centre, with y pointing down
        dx, dy = end[0] - scrap.width / 2, end[1] - scrap.height / 2
        half = math.sqrt(0.5)
        at = (turned.width / 2 + (dx + dy) * half, turned.height / 2 + (dy - dx) * half)
        corner = (round(px(text.x) - at[0]), round(px(text.y) - at[1]))
        image.paste(Image.new("RGB", turned.size, colour), corner, turned)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi), optimize=False)
    return buffer.getvalue()

"""The portal's charts, drawn server-side as SVG markup (no script, no network, no matplotlib start-up).

Every text is escaped; colours are presentation attributes (allowed under the page's CSP,
unlike ``style=``). Each chart has a ``<title>`` for screen readers and tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

HEALTH_COLOURS = {"healthy": "#2e7d32", "warning": "#f9a825", "failing": "#c62828", "unpublished": "#9e9e9e"}
CELL_COLOURS = {
    "": "#ffffff",
    "needs it (hand-off)": "#dbe4f0",
    "met": "#4caf50",
    "fit gap": "#ffc107",
    "captured gap": "#ff7f0e",
    "promised gap": "#d62728",
}


def _text(x: float, y: float, text: object, *, size: int = 12, anchor: str = "start", **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def _svg(width: float, height: float, title: str, body: list[str], css_class: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" font-family="sans-serif">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


@dataclass
class StageBox:
    name: str
    title: str
    domain: str
    products: list[tuple[str, str]] = field(default_factory=list)  # (product id, health)


@dataclass
class Arrow:
    source: str
    target: str
    gaps: int
    needs: int


# The value chain wraps into rows no wider than this (the portal's card is ~1,300 px at 1,400);
# narrower windows scale it down (portal.css), so it never scrolls sideways.
CHAIN_WIDTH = 1100.0


def chain_rows(stages: int, per_row: int) -> list[int]:
    """How many stages each row holds: as few rows as fit ``per_row``, balanced, fuller first.

    >>> chain_rows(7, 4), chain_rows(7, 3), chain_rows(4, 9), chain_rows(0, 3)
    ([4, 3], [3, 2, 2], [4], [])
    """
    if stages <= 0:
        return []
    rows = -(-stages // max(per_row, 1))
    base, extra = divmod(stages, rows)
    return [base + (1 if r < extra else 0) for r in range(rows)]


def _short(product: str, domain: str) -> str:
    """A product's id without its domain, which the box already names."""
    return product.removeprefix(f"{domain}.")


def value_chain(title: str, stages: Sequence[StageBox], arrows: Sequence[Arrow]) -> Markup:
    """Stages left to right, wrapping into rows of at most ``CHAIN_WIDTH``; each stage with its
    owning domain and its products (a dot per health; the product's page on click). Hand-offs
    are arrows, red with the number of open gaps they carry: straight to the next stage in a
    row, down and across to the next row, an arc above the row past a stage or backwards."""
    # Widths of sans-serif text: ~6.8 px a character at 13 px bold (titles), ~5.9 at 11 px.
    texts = [6.8 * len(s.title) for s in stages] + [5.9 * len(f"domain: {s.domain}") for s in stages]
    texts += [18 + 5.9 * len(_short(p, s.domain)) for s in stages for p, _ in s.products]
    box_w, gap_w = max(150.0, max(texts, default=0.0) + 22), 70.0
    products = max((len(s.products) for s in stages), default=0)
    box_h = 56.0 + 18.0 * max(products, 1)
    band, between = 40.0, 50.0  # above each row: arcs; between rows: the wrap's connector
    per_row = max(1, int((CHAIN_WIDTH - 20 + gap_w) // (box_w + gap_w)))
    counts = chain_rows(len(stages), per_row)
    at: dict[str, tuple[float, float, int, int]] = {}  # stage -> x, y, row, column
    index = 0
    for r, count in enumerate(counts):
        y = 24 + band + r * (band + box_h + between)
        for c in range(count):
            at[stages[index].name] = (10 + c * (box_w + gap_w), y, r, c)
            index += 1
    widest = max(counts, default=1)
    width = widest * (box_w + gap_w) - gap_w + 20
    height = 24 + len(counts or [1]) * (band + box_h + between) - between + 34
    body: list[str] = [_text(10, 18, title, size=13, font_weight="bold")]
    for stage in stages:
        x, top, _, _ = at[stage.name]
        body.append(
            f'<rect x="{x:.1f}" y="{top:.1f}" width="{box_w:.1f}" height="{box_h}" rx="8" fill="#f5f7fb" stroke="#5c6bc0"/>'
        )
        body.append(_text(x + 10, top + 20, stage.title, size=13, font_weight="bold"))
        domain = _text(x + 10, top + 38, f"domain: {stage.domain}", size=11, fill="#3949ab")
        body.append(f'<a href="/domains/{escape(stage.domain)}">{domain}</a>')  # the domain's page
        for i, (product, health) in enumerate(stage.products):
            y = top + 58 + 18 * i
            colour = HEALTH_COLOURS.get(health, "#9e9e9e")
            body.append(
                f'<a href="/products/{escape(product)}"><title>{escape(product)}: {escape(health)}</title>'
                f'<circle cx="{x + 16:.1f}" cy="{y - 4:.1f}" r="5" fill="{colour}"/>'
                + _text(x + 28, y, _short(product, stage.domain), size=11)
                + "</a>"
            )
        if not stage.products:
            body.append(_text(x + 10, top + 58, "no products", size=11, fill="#757575"))
    for n, arrow in enumerate(arrows):
        if arrow.source not in at or arrow.target not in at:
            continue
        colour = "#c62828" if arrow.gaps else "#2e7d32"
        label = (
            f"{arrow.gaps} gap{'s' if arrow.gaps != 1 else ''} of {arrow.needs}"
            if arrow.needs
            else "hand-off"
        )
        (xs, ys, rs, cs), (xt, yt, rt, ct) = at[arrow.source], at[arrow.target]
        head = f'stroke="{colour}" stroke-width="2" fill="none"'
        if rs == rt and ct == cs + 1:  # to the next stage in the row
            x1, x2, y = xs + box_w, xt, ys + box_h / 2
            body.append(
                f'<line x1="{x1:.1f}" y1="{y:.1f}" x2="{x2 - 6:.1f}" y2="{y:.1f}" {head}/>'
                f'<polygon points="{x2:.1f},{y:.1f} {x2 - 8:.1f},{y - 5:.1f} {x2 - 8:.1f},{y + 5:.1f}" fill="{colour}"/>'
            )
            body.append(_text((x1 + x2) / 2, y - 8, label, size=10, anchor="middle", fill=colour))
        elif rt > rs:  # down to a later row: below the source, across the gap, into the target's top
            x1, x2 = xs + box_w / 2 + 20, xt + box_w / 2 - 20
            y1, mid = ys + box_h, ys + box_h + between / 2
            body.append(
                f'<path d="M {x1:.1f} {y1:.1f} V {mid:.1f} H {x2:.1f} V {yt - 8:.1f}" {head}/>'
                f'<polygon points="{x2:.1f},{yt:.1f} {x2 - 5:.1f},{yt - 8:.1f} {x2 + 5:.1f},{yt - 8:.1f}" fill="{colour}"/>'
            )
            body.append(_text((x1 + x2) / 2, mid - 5, label, size=10, anchor="middle", fill=colour))
        else:  # past a stage, backwards, or up: an arc above the boxes, ending on the target's top
            x1, x2 = xs + box_w / 2 - 12, xt + box_w / 2 + 12
            if x2 == x1:
                x2 += 24
            rise = yt - band + 10 + 6 * (n % 2)
            body.append(
                f'<path d="M {x1:.1f} {ys:.1f} C {x1:.1f} {rise:.1f}, {x2:.1f} {rise:.1f}, {x2:.1f} {yt - 8:.1f}" {head}/>'
                f'<polygon points="{x2:.1f},{yt:.1f} {x2 - 5:.1f},{yt - 8:.1f} {x2 + 5:.1f},{yt - 8:.1f}" fill="{colour}"/>'
            )
            peak = ys + 0.75 * (rise - ys)  # how high a cubic with both controls at `rise` goes
            body.append(_text((x1 + x2) / 2, peak - 4, label, size=10, anchor="middle", fill=colour))
    for i, (health, colour) in enumerate(HEALTH_COLOURS.items()):  # the dots' legend
        x = 10 + 110 * i
        body.append(f'<circle cx="{x + 5}" cy="{height - 12:.1f}" r="5" fill="{colour}"/>')
        body.append(_text(x + 14, height - 8, health, size=10))
    return _svg(width, height, title, body, "chart value-chain")


def heatmap(
    title: str, rows: Sequence[str], columns: Sequence[str], cells: dict[tuple[int, int], tuple[str, str]]
) -> Markup:
    """Rows × columns; ``cells[(r, c)] = (state, label)`` with a state of ``CELL_COLOURS``."""
    label_w = min(8 * max((len(r) for r in rows), default=10) + 10, 380)
    cell_w = max(60.0, 6.4 * max((len(c) for c in columns), default=8) + 10)
    cell_h, head = 22.0, 40.0
    width = label_w + cell_w * len(columns) + 190
    height = head + cell_h * max(len(rows), 1) + 10
    body = [_text(4, 14, title, size=13, font_weight="bold")]
    for c, column in enumerate(columns):
        body.append(_text(label_w + cell_w * (c + 0.5), head - 8, column, size=11, anchor="middle"))
    for r, row in enumerate(rows):
        y = head + cell_h * r
        body.append(_text(label_w - 6, y + 15, row, size=11, anchor="end"))
        for c in range(len(columns)):
            state, label = cells.get((r, c), ("", ""))
            colour = CELL_COLOURS.get(state, "#ffffff")
            body.append(
                f'<rect x="{label_w + cell_w * c:.1f}" y="{y:.1f}" width="{cell_w}" height="{cell_h}" '
                f'fill="{colour}" stroke="#cccccc"><title>{escape(state or "—")}</title></rect>'
            )
            if label:
                body.append(_text(label_w + cell_w * (c + 0.5), y + 15, label, size=10, anchor="middle"))
    legend_x = label_w + cell_w * len(columns) + 14
    for i, (state, colour) in enumerate(list(CELL_COLOURS.items())[1:]):
        y = head + 18 * i
        body.append(
            f'<rect x="{legend_x:.1f}" y="{y:.1f}" width="12" height="12" fill="{colour}" stroke="#999999"/>'
        )
        body.append(_text(legend_x + 18, y + 10, state, size=10))
    return _svg(width, max(height, head + 18 * 5 + 10), title, body, "chart heatmap")


@dataclass
class Bar:
    label: str
    values: list[float]  # one per series
    note: str = ""


def bars(title: str, items: Sequence[Bar], series: Sequence[tuple[str, str]], unit: str = "") -> Markup:
    """Horizontal bars, one group per item, one bar per series ``(name, colour)``."""
    label_w = min(7 * max((len(i.label) for i in items), default=8) + 14, 300)
    plot_w, bar_h = 360.0, 14.0
    group_h = bar_h * len(series) + 10
    top = 24.0 + (16 if len(series) > 1 else 0)
    peak = max((v for i in items for v in i.values), default=0.0) or 1.0
    height = top + group_h * max(len(items), 1) + 8
    width = label_w + plot_w + 140
    body = [_text(4, 14, title, size=13, font_weight="bold")]
    if len(series) > 1:
        for s, (name, colour) in enumerate(series):
            x = label_w + 110 * s
            body.append(f'<rect x="{x:.1f}" y="22" width="10" height="10" fill="{colour}"/>')
            body.append(_text(x + 14, 31, name, size=10))
    for n, item in enumerate(items):
        y = top + group_h * n
        body.append(_text(label_w - 6, y + bar_h * len(series) / 2 + 4, item.label, size=11, anchor="end"))
        for s, (name, colour) in enumerate(series):
            value = item.values[s] if s < len(item.values) else 0.0
            w = plot_w * max(value, 0.0) / peak
            yb = y + bar_h * s
            body.append(
                f'<rect x="{label_w:.1f}" y="{yb:.1f}" width="{w:.1f}" height="{bar_h - 2}" fill="{colour}">'
                f"<title>{escape(name)}: {value:,.1f}{escape(unit)}</title></rect>"
            )
            body.append(
                _text(label_w + w + 4, yb + bar_h - 4, f"{value:,.0f}{unit}", size=10, fill="#37474f")
            )
        if item.note:
            body.append(_text(label_w + plot_w + 60, y + 12, item.note, size=10, fill="#c62828"))
    return _svg(width, height, title, body, "chart bars")


def scale(v: float, low: float, high: float, length: float) -> float:
    """Where ``v`` falls along an axis of ``length`` from ``low`` to ``high``, clamped to it.

    >>> scale(3.0, 1.0, 5.0, 320.0), scale(5.0, 1.0, 5.0, 320.0), scale(0.0, 1.0, 5.0, 320.0)
    (160.0, 320.0, 0.0)
    """
    return length * (min(max(v, low), high) - low) / (high - low)


@dataclass
class Point:
    name: str
    label: str
    x: float  # feasibility, 1–5
    y: float  # value, 1–5
    current: bool = False
    href: str = ""


def matrix(
    title: str,
    points: Sequence[Point],
    quadrants: dict[tuple[bool, bool], str],
    *,
    midpoint: float = 3.0,
    low: float = 1.0,
    high: float = 5.0,
) -> Markup:
    """The prioritization matrix: feasibility across, value up, both split at ``midpoint``;
    ``quadrants[(high value?, high feasibility?)]`` names each quarter. The page's own use case
    is drawn larger and labelled; every point links to its use case."""
    size, left, top = 320.0, 60.0, 30.0
    width, height = left + size + 40, top + size + 50

    def sx(v: float) -> float:
        return left + scale(v, low, high, size)

    def sy(v: float) -> float:
        return top + size - scale(v, low, high, size)  # value grows upwards

    body = [_text(4, 16, title, size=13, font_weight="bold")]
    body.append(
        f'<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="#fafafa" stroke="#9e9e9e"/>'
    )
    mx, my = sx(midpoint), sy(midpoint)
    body.append(
        f'<line x1="{mx:.1f}" y1="{top}" x2="{mx:.1f}" y2="{top + size}" stroke="#bdbdbd" stroke-dasharray="4 3"/>'
    )
    body.append(
        f'<line x1="{left}" y1="{my:.1f}" x2="{left + size}" y2="{my:.1f}" stroke="#bdbdbd" stroke-dasharray="4 3"/>'
    )
    for (high_value, high_feasibility), name in quadrants.items():
        x = (mx + left + size) / 2 if high_feasibility else (left + mx) / 2
        y = top + 16 if high_value else top + size - 8
        body.append(_text(x, y, name, size=11, anchor="middle", fill="#757575"))
    for tick in range(int(low), int(high) + 1):
        body.append(_text(sx(tick), top + size + 14, tick, size=10, anchor="middle"))
        body.append(_text(left - 6, sy(tick) + 4, tick, size=10, anchor="end"))
    body.append(_text(left + size / 2, top + size + 32, "feasibility →", size=11, anchor="middle"))
    body.append(_text(14, top + size / 2, "value →", size=11, anchor="middle",
                      transform=f"rotate(-90 14 {top + size / 2:.1f})"))  # fmt: skip
    # The page's own use case last, so it is drawn on top of any point at the same place.
    for p in sorted(points, key=lambda p: p.current):
        colour, r = ("#c62828", 8) if p.current else ("#3f51b5", 5)
        dot = (
            f'<circle class="use-case{" current" if p.current else ""}" cx="{sx(p.x):.1f}" cy="{sy(p.y):.1f}" '
            f'r="{r}" fill="{colour}" fill-opacity="0.85"><title>{escape(p.label)}: value {p.y:.2f}, '
            f"feasibility {p.x:.2f}</title></circle>"
        )
        if p.href:
            dot = f'<a href="{escape(p.href)}">{dot}</a>'
        body.append(dot)
        # Every point named beside it: to its left in the right third, so the name stays inside.
        right = sx(p.x) > left + size * 0.66
        x = sx(p.x) - 11 if right else sx(p.x) + 11
        weight = {"font_weight": "bold"} if p.current else {"fill": "#3f51b5"}
        body.append(
            _text(
                x,
                sy(p.y) + 4,
                p.label,
                size=11 if p.current else 10,
                anchor="end" if right else "start",
                **weight,
            )
        )
    return _svg(width, height, title, body, "chart matrix")

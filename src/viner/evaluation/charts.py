"""Small inline SVG charts for the HTML reports (no JavaScript, no external files)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#3b6fb6", "#e07b39", "#3f9e6e", "#9b59b6", "#c0392b", "#7f8c8d", "#d4a017", "#16a085")


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def _label_margin(labels: Sequence[str]) -> int:
    """Room left of the plot for the longest label (up to 9 px a character: bold capitals at the charts' 12 px font)."""
    return max(110, 16 + 9 * max((len(label) for label in labels), default=0))


def f1_bars(rows: Sequence[dict], *, title: str = "F1 per label (strict)", width: int = 640) -> str:
    """Horizontal bars, one group per label, one bar per series, with an optional interval whisker.

    ``rows``: ``{"label": str, "bars": [{"series": str, "value": float, "ci": [lo, hi] | None}]}``.
    Values are in [0, 1].
    """
    series = list(dict.fromkeys(bar["series"] for row in rows for bar in row["bars"]))
    bar_h, gap, right, top = 16, 12, 56, 30
    left = _label_margin([row["label"] for row in rows])
    width += left - 110  # the plot keeps its width whatever the labels' length
    n_bars = max(1, len(series))
    group_h = n_bars * bar_h + gap
    legend_h = 22 if len(series) > 1 else 0
    height = top + legend_h + len(rows) * group_h + 28
    plot_w = width - left - right
    out = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    y0 = top + legend_h
    # grid lines at 0, 25, 50, 75, 100 %
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + tick * plot_w
        out.append(f'<line x1="{x:.1f}" y1="{y0 - 4}" x2="{x:.1f}" y2="{height - 24}" class="grid"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 8}" class="tick" text-anchor="middle">{int(tick * 100)}%</text>')
    if len(series) > 1:
        lx: float = left
        for k, name in enumerate(series):
            color = PALETTE[k % len(PALETTE)]
            out.append(f'<rect x="{lx}" y="{top - 6}" width="12" height="12" rx="2" fill="{color}"/>')
            out.append(f'<text x="{lx + 17}" y="{top + 4}" class="legend">{escape(name)}</text>')
            lx += 30 + 7.5 * len(name)
    for i, row in enumerate(rows):
        gy = y0 + i * group_h
        out.append(
            f'<text x="{left - 10}" y="{gy + n_bars * bar_h / 2 + 4:.1f}" class="label" text-anchor="end">{escape(row["label"])}</text>'
        )
        by_series = {bar["series"]: bar for bar in row["bars"]}
        for k, name in enumerate(series):
            bar = by_series.get(name)
            if bar is None:
                continue
            color = PALETTE[k % len(PALETTE)]
            y = gy + k * bar_h
            w = max(0.0, min(1.0, bar["value"])) * plot_w
            tip = f"{name}: F1 {_pct(bar['value'])}%"
            if bar.get("ci"):
                tip += f" (95% CI {_pct(bar['ci'][0])}-{_pct(bar['ci'][1])})"
            out.append(
                f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{bar_h - 4}" rx="3" fill="{color}"><title>{escape(tip)}</title></rect>'
            )
            if bar.get("ci"):
                lo, hi = (left + max(0.0, min(1.0, v)) * plot_w for v in bar["ci"])
                cy = y + bar_h / 2
                out.append(f'<line x1="{lo:.1f}" y1="{cy:.1f}" x2="{hi:.1f}" y2="{cy:.1f}" class="whisker"/>')
                out.append(f'<line x1="{lo:.1f}" y1="{cy - 4:.1f}" x2="{lo:.1f}" y2="{cy + 4:.1f}" class="whisker"/>')
                out.append(f'<line x1="{hi:.1f}" y1="{cy - 4:.1f}" x2="{hi:.1f}" y2="{cy + 4:.1f}" class="whisker"/>')
            out.append(
                f'<text x="{width - right + 44}" y="{y + bar_h / 2 + 4:.1f}" class="value" text-anchor="end">{_pct(bar["value"])}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def forest(rows: Sequence[dict], *, title: str = "F1 difference (B - A) with 95% interval", width: int = 640) -> str:
    """A forest plot of differences: ``{"label", "delta", "ci": [lo, hi]}``, values in F1 points (0-1 scale)."""
    row_h, right, top = 26, 70, 16
    left = _label_margin([row["label"] for row in rows])
    width += left - 110
    height = top + len(rows) * row_h + 30
    plot_w = width - left - right
    largest = max([0.0] + [abs(v) for row in rows for v in (row["delta"], *row["ci"])])
    extent = next(
        nice for nice in (0.05, 0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.8, 1.0) if nice >= largest * 1.05 or nice == 1.0
    )

    def x(v: float) -> float:
        return left + (v + extent) / (2 * extent) * plot_w

    out = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in (-extent, -extent / 2, 0.0, extent / 2, extent):
        out.append(
            f'<line x1="{x(tick):.1f}" y1="{top - 4}" x2="{x(tick):.1f}" y2="{height - 24}" class="{"zero" if tick == 0 else "grid"}"/>'
        )
        out.append(
            f'<text x="{x(tick):.1f}" y="{height - 8}" class="tick" text-anchor="middle">{100 * tick:+.0f}</text>'
        )
    for i, row in enumerate(rows):
        cy = top + i * row_h + row_h / 2
        lo, hi = row["ci"]
        cls = "better" if lo > 0 else "worse" if hi < 0 else "unclear"
        out.append(
            f'<text x="{left - 10}" y="{cy + 4:.1f}" class="label" text-anchor="end">{escape(row["label"])}</text>'
        )
        out.append(f'<line x1="{x(lo):.1f}" y1="{cy:.1f}" x2="{x(hi):.1f}" y2="{cy:.1f}" class="ci {cls}"/>')
        tip = f"{row['label']}: {100 * row['delta']:+.1f} points (95% CI {100 * lo:+.1f} to {100 * hi:+.1f})"
        out.append(
            f'<circle cx="{x(row["delta"]):.1f}" cy="{cy:.1f}" r="5" class="dot {cls}"><title>{escape(tip)}</title></circle>'
        )
        out.append(f'<text x="{width - right + 8}" y="{cy + 4:.1f}" class="value">{100 * row["delta"]:+.1f}</text>')
    out.append("</svg>")
    return "".join(out)

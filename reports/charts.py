"""Geometry for server-rendered SVG charts. Templates draw the shapes; every chart has its numbers in a
table beside it."""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    low: float
    high: float
    start: float
    end: float

    def __call__(self, value):
        value = min(max(value, self.low), self.high)
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


def rate_range(values, floor=0.0):
    """A 10-point-aligned range of rates that holds every value, at least 50% to 100%."""
    lowest = min([v for v in values if v is not None] + [0.5])
    return max(floor, math.floor(lowest * 10) / 10), 1.0


def interval_bar(figure, low=0.5, width=160, height=18):
    """A horizontal bar from the interval's low to high with a mark at the rate."""
    if figure is None or figure.rate is None:
        return None
    x = Scale(low, 1.0, 4, width - 4)
    bar = {"width": width, "height": height, "rate": x(figure.rate), "mid": height / 2, "text": f"{figure.rate:.1%}"}
    if figure.margin is not None:
        bar.update(low=x(figure.low), high=x(figure.high),
                   text=f"{figure.rate:.1%}, 95% interval {figure.low:.1%} to {figure.high:.1%}")
    return bar


def trend_chart(points, width=640, height=260, low=None):
    """``points`` is a list of (label, Figure), oldest first: a line through the rates with the 95%
    interval as a band. ``low``: the bottom of the y-axis, so that charts of one report share it (by default the
    range of these points)."""
    if not points:
        return None
    margin_left, margin_right, margin_top, margin_bottom = 64, 64, 16, 44
    own_low, high = rate_range([f.low if f.low is not None else f.rate for _, f in points])
    low = own_low if low is None else min(low, own_low)
    y = Scale(low, high, height - margin_bottom, margin_top)
    step = (width - margin_left - margin_right) / max(len(points) - 1, 1)
    xs = [margin_left + (step * i if len(points) > 1 else (width - margin_left - margin_right) / 2)
          for i in range(len(points))]
    marks = [
        {"x": x, "y": y(f.rate), "label": label, "rate": f.rate,
         "top": y(f.high) if f.high is not None else None, "bottom": y(f.low) if f.low is not None else None}
        for x, (label, f) in zip(xs, points)
    ]
    with_band = [m for m in marks if m["top"] is not None]
    band = " ".join(f"{m['x']:.1f},{m['top']:.1f}" for m in with_band) + " " + " ".join(
        f"{m['x']:.1f},{m['bottom']:.1f}" for m in reversed(with_band))
    ticks = [{"y": y(v / 100), "label": f"{v}%"} for v in range(round(low * 100), 101, 10)]
    return {
        "width": width, "height": height, "marks": marks, "band": band.strip() if len(with_band) > 1 else "",
        "line": " ".join(f"{m['x']:.1f},{m['y']:.1f}" for m in marks), "ticks": ticks,
        "left": margin_left, "right": width - margin_right, "baseline": height - margin_bottom,
    }

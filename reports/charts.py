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


PUBLISHED = "published"
COMPUTED = "computed"
# How each series is drawn: never by colour alone. Published: solid line, square markers, its interval only where
# the report printed one (as whiskers). Computed: dashed line, round hollow markers, its 95% interval as a band.
SERIES = {
    PUBLISHED: {"name": "Published", "colour": "#0b0c0c", "dash": "", "offset": -5},
    COMPUTED: {"name": "Computed from audited cases", "colour": "#1d70b8", "dash": "7 4", "offset": 5},
}


def chart_values(points):
    """Every value a trend chart of ``points`` draws (rates and interval bottoms), for a shared axis."""
    return [f.low if f.low is not None else f.rate for _, *figures in points for f in figures if f is not None]


def _in_words(figure, series):
    if figure is None:
        return "none published" if series == PUBLISHED else "no audited cases"
    if figure.low is None:
        return f"{figure.rate:.1%}" + (" (no interval published)" if series == PUBLISHED else "")
    return f"{figure.rate:.1%} (95% interval {figure.low:.1%} to {figure.high:.1%})"


def trend_chart(points, width=640, height=270, low=None):
    """``points`` is a list of (label, published figure, computed figure), oldest first, either figure None: a
    line for each series present, the published figure with its interval only where one was published, the
    computed one with its 95% interval as a band. Any figure with ``rate``, ``low`` and ``high`` will do (a
    reports.figures.Figure or a reports.league.ShownFigure). ``low``: the bottom of the y-axis, so that the charts
    of one report share it (``rate_range(chart_values(...))`` over all of them; by default these points')."""
    if not points:
        return None
    margin_left, margin_right, margin_top, margin_bottom = 64, 64, 40, 44
    own_low, high = rate_range(chart_values(points))
    low = own_low if low is None else min(low, own_low)
    y = Scale(low, high, height - margin_bottom, margin_top)
    step = (width - margin_left - margin_right) / max(len(points) - 1, 1)
    xs = [margin_left + (step * i if len(points) > 1 else (width - margin_left - margin_right) / 2)
          for i in range(len(points))]
    series = []
    for key in (PUBLISHED, COMPUTED):
        style = SERIES[key]
        marks = [
            {"x": x + style["offset"], "y": y(f.rate), "label": label, "rate": f.rate, "series": key,
             "top": y(f.high) if f.high is not None else None, "bottom": y(f.low) if f.low is not None else None}
            for x, (label, *figures) in zip(xs, points)
            if (f := figures[0 if key == PUBLISHED else 1]) is not None
        ]
        if not marks:
            continue
        with_band = [m for m in marks if m["top"] is not None] if key == COMPUTED else []
        band = " ".join(f"{m['x']:.1f},{m['top']:.1f}" for m in with_band) + " " + " ".join(
            f"{m['x']:.1f},{m['bottom']:.1f}" for m in reversed(with_band))
        series.append({**style, "key": key, "marks": marks,
                       "line": " ".join(f"{m['x']:.1f},{m['y']:.1f}" for m in marks) if len(marks) > 1 else "",
                       "band": band.strip() if len(with_band) > 1 else ""})
    ticks = [{"y": y(v / 100), "label": f"{v}%"} for v in range(round(low * 100), 101, 10)]
    return {
        "width": width, "height": height, "series": series, "ticks": ticks,
        "marks": [mark for line in series for mark in line["marks"]],
        "labels": [{"x": x, "text": label} for x, (label, *_) in zip(xs, points)],
        "left": margin_left, "right": width - margin_right, "baseline": height - margin_bottom,
        "legend": [{**line, "x": margin_left + 150 * n} for n, line in enumerate(series)],
        "description": "; ".join(f"{label}: published {_in_words(published, PUBLISHED)}, computed "
                                 f"{_in_words(computed, COMPUTED)}" for label, published, computed in points) + ".",
    }


def p_chart_geometry(p_bar, points, width=720, height=300):
    """A p-chart: ``points`` is a list of (label, ControlPoint or None), oldest first. Each point's 95% and 99.8%
    limits are steps around it (they depend on its own n); the centre line p̄ runs across. A point outside its
    limits is drawn as a different shape (a triangle outside the 95% limits, a square outside the 99.8% ones), so
    the signal never rests on colour alone."""
    drawn = [(label, point) for label, point in points if point is not None]
    if p_bar is None or not drawn:
        return None
    margin_left, margin_right, margin_top, margin_bottom = 64, 24, 16, 56
    low, high = rate_range([min(point.low_998, point.rate) for _, point in drawn])
    y = Scale(low, high, height - margin_bottom, margin_top)
    step = (width - margin_left - margin_right) / len(points)
    marks = []
    for i, (label, point) in enumerate(points):
        x = margin_left + step * (i + 0.5)
        if point is None:
            marks.append({"x": x, "label": label, "point": None})
            continue
        shape = "square" if point.outside_998 else "triangle" if point.outside_95 else "circle"
        marks.append({
            "x": x, "label": label, "point": point, "y": y(point.rate), "shape": shape,
            "left": x - step / 2, "right": x + step / 2,
            "low_95": y(point.low_95), "high_95": y(point.high_95),
            "low_998": y(point.low_998), "high_998": y(point.high_998),
            # a triangle's three corners, a square's top-left corner
            "triangle": f"{x:.1f},{y(point.rate) - 7:.1f} {x - 6:.1f},{y(point.rate) + 5:.1f} "
                        f"{x + 6:.1f},{y(point.rate) + 5:.1f}",
            "square_x": x - 5.5, "square_y": y(point.rate) - 5.5,
        })
    ticks = [{"y": y(v / 100), "label": f"{v}%"} for v in range(round(low * 100), 101, 10)]
    return {"width": width, "height": height, "marks": marks, "centre": y(p_bar), "p_bar": p_bar, "ticks": ticks,
            "left": margin_left, "right": width - margin_right, "baseline": height - margin_bottom,
            "line": " ".join(f"{m['x']:.1f},{m['y']:.1f}" for m in marks if m["point"] is not None)}

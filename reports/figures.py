"""A headline figure for an inspection and category: computed from cases where there are cases,
otherwise as published; or, for what a re-inspection did not audit, the previous inspection's figure
carried forward. Always labelled with where it came from."""

from dataclasses import dataclass, replace

from reports.statistics import (
    RateEstimate,
    estimate_rate,
    implied_sample_size,
    published_too_small_reason,
    sample_too_small_reason,
)

COMPUTED = "computed"
PUBLISHED = "published"
FIGURE_SOURCE_CHOICES = [(COMPUTED, "Computed from audited cases"), (PUBLISHED, "As the report published it")]


@dataclass(frozen=True)
class Figure:
    source: str
    rate: float  # 0..1 (both constructors below return None rather than a Figure without a rate)
    margin: float | None  # half-width of the 95% interval, 0..1
    recorded: int | None
    audited: int | None
    estimate: RateEstimate | None  # counts to test changes with (implied from "p ± m" for published rates)
    carried_from: str = ""  # the earlier inspection's title, for a figure carried forward from it

    @property
    def origin(self) -> str:
        """Where the figure came from, in words: "computed", "published", or carried forward from an inspection."""
        if self.carried_from:
            return f"carried forward from {self.carried_from} ({self.source})"
        return self.source

    def carried_forward_from(self, title: str) -> "Figure":
        return replace(self, carried_from=title)

    @property
    def low(self) -> float | None:
        if self.rate is None or self.margin is None:
            return None
        if self.source == COMPUTED:
            return self.estimate.low
        return max(self.rate - self.margin, 0.0)

    @property
    def high(self) -> float | None:
        if self.rate is None or self.margin is None:
            return None
        if self.source == COMPUTED:
            return self.estimate.high
        return min(self.rate + self.margin, 1.0)

    @property
    def is_small(self):
        return self.audited is not None and self.estimate is not None and self.estimate.is_small

    @property
    def small_sample_reason(self) -> str:
        """Why the figure is shown as "x of y" rather than "rate ± margin", or "": a computed figure whose sample
        is too small for the normal approximation; a published "x of y" of a small sample, printed without an
        interval (none is invented for it)."""
        if not self.audited or self.recorded is None:
            return ""
        if self.source == COMPUTED:
            return sample_too_small_reason(self.recorded, self.audited)
        return published_too_small_reason(self.recorded, self.audited, has_interval=self.margin is not None)


def computed_figure(group_result) -> Figure | None:
    """The group's headline: its interval method where the normal approximation is adequate, else Wilson
    (or a one-sided bound for none or all recorded); ``estimate.description`` says which."""
    estimate = group_result.headline
    if estimate.rate is None:
        return None
    return Figure(COMPUTED, estimate.rate, estimate.margin, estimate.recorded, estimate.audited, estimate)


def published_figure(result, method) -> Figure | None:
    """A PublishedResult as a Figure. "x of y" gives exact counts; "p ± m" an implied sample size."""
    if result.audited:
        # The counts give an estimate to test changes with, but its interval was not published: a published
        # figure carries an interval only if the report printed one ("62 of 63" has none; never "± 3.09").
        estimate = estimate_rate(result.recorded, result.audited, method)
        rate = float(result.rate) / 100 if result.rate is not None else estimate.rate
        margin = float(result.interval) / 100 if result.interval is not None else None
        return Figure(PUBLISHED, rate, margin, result.recorded, result.audited, estimate)
    if result.rate is None:
        return None
    rate = float(result.rate) / 100
    margin = float(result.interval) / 100 if result.interval is not None else None
    n = implied_sample_size(rate, margin)
    estimate = estimate_rate(round(rate * n), n, method) if n else None
    return Figure(PUBLISHED, rate, margin, None, None, estimate)

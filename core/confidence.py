"""The confidence level every interval and sample size uses, and its z value, defined once."""

from scipy.stats import norm

CONFIDENCE = 0.95
#: The two-sided 95% normal quantile, 1.959963…: the "1.96" of every published interval.
Z_95 = float(norm.ppf(1 - (1 - CONFIDENCE) / 2))

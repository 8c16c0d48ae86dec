"""The statistics of `agora analyze` (docs/analysis.md), in numpy, with the same definitions."""

from __future__ import annotations

import numpy as np


def excess_kurtosis(x) -> float:
    """m4 / m2**2 - 3 with population moments; NaN with fewer than 4 values or no variance."""
    x = np.asarray(x, dtype=float)
    if len(x) < 4:
        return float("nan")
    d = x - x.mean()
    m2, m4 = (d**2).mean(), (d**4).mean()
    return float(m4 / m2**2 - 3) if m2 > 0 else float("nan")


def hill(x, k: int) -> float:
    """Hill tail index from the k largest |x|: k / sum(ln(x_(i) / x_(k)))."""
    a = np.sort(np.abs(np.asarray(x, dtype=float)))[::-1]
    if k < 1 or k >= len(a) or a[k] <= 0:
        return float("nan")
    s = np.log(a[:k] / a[k]).sum()
    return float(k / s) if s > 0 else float("nan")


def autocorrelation(x, lag: int) -> float:
    """sum((x_t - m)(x_{t+lag} - m)) / sum((x_t - m)**2), m the mean of all values."""
    x = np.asarray(x, dtype=float)
    if lag < 0 or lag >= len(x):
        return float("nan")
    d = x - x.mean()
    den = (d * d).sum()
    return float((d[: len(x) - lag] * d[lag:]).sum() / den) if den > 0 else float("nan")


def acf(x, lags: int = 20) -> np.ndarray:
    return np.array([autocorrelation(x, k) for k in range(lags + 1)])


def gini(x) -> float:
    s = np.sort(np.asarray(x, dtype=float))
    n, total = len(s), s.sum()
    if n == 0:
        return float("nan")
    if total <= 0:
        return 0.0
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * s).sum() / (n * total))

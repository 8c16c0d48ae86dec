"""Bars, returns and stylized facts from a run's trades, as `agora analyze` computes them."""

from __future__ import annotations

import numpy as np

from .log import EventLog
from .stats import acf, excess_kurtosis, hill


def bars(log: EventLog, instrument: int, bar_ticks: int = 1):
    """OHLCV bars of one instrument (its index, or its name; a DataFrame indexed by bar start tick): open, high, low, close,
    volume, trades, and the volume bought and sold by the side that took liquidity."""
    import pandas as pd

    if isinstance(instrument, str):
        names = log.kind("trade").labels.get("instrument", {})
        codes = [c for c, n in names.items() if n == instrument]
        if not codes:
            raise KeyError(f"no instrument {instrument!r}; the log names {', '.join(names.values()) or 'none'}")
        instrument = codes[0]
    t = log.frame("trade", ["tick", "instrument", "price", "quantity", "aggressor"])
    t = t[t["instrument"] == instrument]
    if t.empty:
        return pd.DataFrame(columns=["open", "high", "low", "close", "volume", "trades", "buy_volume", "sell_volume"])
    t = t.assign(bar=(t["tick"] // bar_ticks) * bar_ticks)
    g = t.groupby("bar", sort=True)
    out = pd.DataFrame({
        "open": g["price"].first(), "high": g["price"].max(), "low": g["price"].min(), "close": g["price"].last(),
        "volume": g["quantity"].sum(), "trades": g["price"].size(),
        "buy_volume": t[t["aggressor"] == 0].groupby("bar")["quantity"].sum(),
        "sell_volume": t[t["aggressor"] == 1].groupby("bar")["quantity"].sum(),
    }).fillna(0)
    return out.astype({"buy_volume": "int64", "sell_volume": "int64"})


def log_returns(b) -> np.ndarray:
    """ln(close_b / close_{b-1}) between consecutive bars that traded."""
    c = b["close"].to_numpy(dtype=float)
    c = c[c > 0]
    return np.log(c[1:] / c[:-1])


def stylized_facts(r, lags: int = 20, tail_share: float = 0.05) -> dict:
    """The figures `agora analyze` reports for a return series."""
    r = np.asarray(r, dtype=float)
    absolute = acf(np.abs(r), lags)
    return {
        "returns": len(r),
        "excess_kurtosis": excess_kurtosis(r),
        "hill_tail_index": hill(r, max(1, int(len(r) * tail_share))),
        "return_acf": acf(r, lags),
        "abs_return_acf": absolute,
        "volatility_clustering": float(np.nanmean(absolute[1:11])) if len(absolute) > 1 else float("nan"),
    }

"""Common pictures of a run, with matplotlib (an optional dependency: pip install -e 'analysis[plots]')."""

from __future__ import annotations

import numpy as np

from .market import bars, log_returns, stylized_facts


def stylized_facts_figure(log, instrument: int = 0, bar_ticks: int = 1, lags: int = 20):
    """Four panels: price, return distribution against a normal, autocorrelation of returns and of
    |returns|. Returns the matplotlib Figure."""
    # The caller's backend stays as it is (a notebook's inline one, a script's Agg); the figure is
    # made without pyplot's global state, so it does not show up twice in a notebook.
    from matplotlib.figure import Figure

    b = bars(log, instrument, bar_ticks)
    r = log_returns(b)
    facts = stylized_facts(r, lags)
    fig = Figure(figsize=(10, 7))
    ax = fig.subplots(2, 2)
    ax[0, 0].plot(b.index, b["close"], lw=1)
    ax[0, 0].set(title="close per bar", xlabel="tick", ylabel="price")
    if len(r) > 1 and r.std() > 0:
        z = (r - r.mean()) / r.std()
        ax[0, 1].hist(z, bins=41, range=(-8, 8), log=True, label="returns")
        x = np.linspace(-5, 5, 200)
        ax[0, 1].plot(x, len(z) * (16 / 41) * np.exp(-x * x / 2) / np.sqrt(2 * np.pi), label="normal")
        ax[0, 1].set_ylim(bottom=0.5)
        ax[0, 1].legend()
    ax[0, 1].set(title=f"standardized returns (excess kurtosis {facts['excess_kurtosis']:.1f})", xlabel="return / sd")
    ax[1, 0].bar(range(1, lags + 1), facts["return_acf"][1:])
    ax[1, 0].set(title="autocorrelation of returns", xlabel="lag")
    ax[1, 1].bar(range(1, lags + 1), facts["abs_return_acf"][1:], color="tab:red")
    ax[1, 1].set(title="autocorrelation of |returns|", xlabel="lag")
    fig.tight_layout()
    return fig

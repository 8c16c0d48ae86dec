"""agora_analysis: Agora's runs, seen from Python.

    from agora_analysis import read_run
    run = read_run("runs/<run-id>")
    trades = run.log.frame("trade")          # pandas, one row per trade
    run.metrics                              # metrics.csv
    bars(run.log, instrument=0)              # OHLCV bars, as `agora analyze` builds them

The event-log reader is this package's own implementation of docs/log-format.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .catalog import metrics_wide, read_catalog
from .log import EventLog, LogFormatError, read_log
from .market import bars, log_returns, stylized_facts
from .stats import acf, autocorrelation, excess_kurtosis, gini, hill

__all__ = [
    "Run", "read_run", "read_manifest", "read_metrics", "read_log", "EventLog", "LogFormatError", "read_catalog",
    "metrics_wide", "bars", "log_returns", "stylized_facts", "acf", "autocorrelation", "excess_kurtosis", "gini", "hill",
]


def read_manifest(run_dir):
    """The run's manifest.json as a dict."""
    return json.loads((Path(run_dir) / "manifest.json").read_text())


def read_metrics(run_dir):
    """The run's metrics.csv as a DataFrame, one row per tick."""
    import pandas as pd

    return pd.read_csv(Path(run_dir) / "metrics.csv")


@dataclass
class Run:
    """A run directory: its manifest, metrics and event log."""

    directory: Path
    manifest: dict
    log: EventLog

    @property
    def metrics(self):
        return read_metrics(self.directory)


def read_run(run_dir) -> Run:
    d = Path(run_dir)
    return Run(d, read_manifest(d), read_log(d / "events.agl"))

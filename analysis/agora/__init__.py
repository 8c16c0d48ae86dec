"""agora: Agora's runs from Python — start runs and sweeps, read what they wrote.

    import agora
    run = agora.run("scenarios/market.yaml", seed=3, set={"ticks": 400})
    run.metrics                                   # metrics.csv, one row per tick (NaN: no value)
    for chunk in run.events("trade"):             # chunk by chunk, bounded memory
        ...                                       # instrument "ACME", aggressor "buy"
    trades = run.events("trade").to_pandas()      # or all at once
    run.agents                                    # agent → population and kind
    table = agora.sweep("scenarios/sweeps/sir-transmission.yaml")   # one row per run
    agora.export(run.directory, "out/", format="parquet")          # for DuckDB, polars
    agora.read_trajectories(path)                 # an `agora export trajectories` file

The event-log reader is this package's own implementation of docs/log-format.md; docs/data.md
documents every table and column.
"""

from __future__ import annotations

from .binary import AgoraError, binary
from .catalog import metrics_wide, read_catalog
from .export import ExportError, export
from .log import EventLog, LogFormatError, read_log
from .market import bars, log_returns, stylized_facts
from .run import Events, Run, read_manifest, read_metrics, read_run, run
from .stats import acf, autocorrelation, excess_kurtosis, gini, hill
from .sweep import read_sweep, sweep
from .trajectories import read_trajectories

__all__ = [
    "run", "sweep", "read_run", "read_sweep", "read_trajectories", "export", "Run", "Events", "AgoraError", "ExportError", "binary",
    "read_manifest", "read_metrics", "read_log", "EventLog", "LogFormatError", "read_catalog", "metrics_wide",
    "bars", "log_returns", "stylized_facts", "acf", "autocorrelation", "excess_kurtosis", "gini", "hill",
]

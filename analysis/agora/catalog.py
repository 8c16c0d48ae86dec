"""The run catalog (docs/catalog.md): SQLite, read into pandas."""

from __future__ import annotations

import sqlite3


def read_catalog(path="runs/catalog.sqlite"):
    """(runs, metrics) as DataFrames; metrics long-form: run_id, name, value."""
    import pandas as pd

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        runs = pd.read_sql_query("SELECT * FROM runs ORDER BY started_at", db)
        metrics = pd.read_sql_query("SELECT run_id, name, value FROM metrics", db)
    return runs, metrics


def metrics_wide(metrics):
    """One row per run, one column per metric."""
    return metrics.pivot_table(index="run_id", columns="name", values="value")

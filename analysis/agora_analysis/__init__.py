"""agora_analysis: Agora's runs, seen from Python.

The event-log reader and the catalog come with the event-log work; until then a run directory is
plain files: metrics.csv (one row per tick) and manifest.json.
"""

import csv
import json
from pathlib import Path

__all__ = ["read_manifest", "read_metrics"]


def read_manifest(run_dir):
    """The run's manifest.json as a dict."""
    return json.loads((Path(run_dir) / "manifest.json").read_text())


def read_metrics(run_dir):
    """The run's metrics.csv as a list of dicts (numbers parsed); pandas users: pd.read_csv."""
    with open(Path(run_dir) / "metrics.csv", newline="") as f:
        return [{k: float(v) if "." in v or "e" in v else int(v) for k, v in row.items()} for row in csv.DictReader(f)]

"""Sweeps from Python: run one with the `agora` binary, read one from the catalog as a tidy table."""

from __future__ import annotations

import json
import re
import sqlite3
import warnings
from pathlib import Path

from .binary import AgoraError, call


def _catalog_path(catalog):
    import os

    return Path(catalog or os.environ.get("AGORA_CATALOG") or "runs/catalog.sqlite")


def sweep(file, jobs=None, catalog=None, max_runs=None, resume=False):
    """Runs (or resumes) the sweep `file` and returns `read_sweep` of it: one row per run.

    A bad sweep file raises AgoraError with agora's file:line:col message. Points that failed stay
    in the table (`status` failed, `error` why) and are named in a warning; running the sweep
    again retries them. `resume=True` continues a sweep that was interrupted, and refuses one the
    catalog does not know. Interrupting the call (Ctrl-C, a notebook's stop) stops the sweep's
    runs, which are recorded as interrupted.
    """
    args = ["sweep", "run", file, "--quiet"]
    if jobs is not None:
        args += ["--jobs", jobs]
    if max_runs is not None:
        args += ["--max-runs", max_runs]
    if resume:
        args.append("--resume")
    done = call(*args, catalog=catalog, check=False)
    found = re.search(r"agora: sweep (\S+):", done.stdout)
    if found is None:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise AgoraError("\n".join(lines[-8:]) or f"agora sweep exited with status {done.returncode}", status=done.returncode)
    table = read_sweep(found.group(1), catalog=catalog)
    failed = table[table["status"] != "finished"]
    if len(failed):
        first = failed.iloc[0]
        warnings.warn(f"{len(failed)} of {len(table)} runs of sweep {found.group(1)} failed; the first "
                      f"(point {first['point']}, replicate {first['replicate']}): {first['error']}. Run the sweep again to retry them.")
    return table


def read_sweep(sweep_id, catalog=None):
    """A sweep of the catalog (by id, or by name: its newest) as a DataFrame, one row per run:
    `point`, `replicate`, `seed`, `status`, `run_id`, `run_dir`, `error`, then one column per
    parameter, then the run's metrics (summary figures without their `summary.` prefix)."""
    import pandas as pd

    path = _catalog_path(catalog)
    if not path.exists():
        raise AgoraError(f"no run catalog at {path}: run a sweep first, or name the catalog (catalog=, $AGORA_CATALOG)")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        row = db.execute("SELECT id FROM sweeps WHERE id = ? OR name = ? ORDER BY (id = ?) DESC, created_at DESC LIMIT 1",
                         (sweep_id, sweep_id, sweep_id)).fetchone()
        if row is None:
            known = [r[0] for r in db.execute("SELECT id FROM sweeps ORDER BY created_at DESC LIMIT 10")]
            raise AgoraError(f"no sweep {sweep_id!r} in {path}; sweeps: {', '.join(known) or 'none'}")
        points = pd.read_sql_query(
            "SELECT point, replicate, seed, status, run_id, run_dir, error, parameters FROM sweep_points "
            "WHERE sweep_id = ? ORDER BY point, replicate", db, params=(row[0],))
        metrics = pd.read_sql_query(
            "SELECT m.run_id, m.name, m.value FROM metrics m JOIN sweep_points p ON p.run_id = m.run_id WHERE p.sweep_id = ?",
            db, params=(row[0],))
    params = pd.DataFrame([{k: _number(v) for k, v in json.loads(p).items()} for p in points.pop("parameters")], index=points.index)
    table = pd.concat([points, params], axis=1)
    if len(metrics):
        metrics["name"] = metrics["name"].str.replace(r"^summary\.", "", regex=True)
        wide = metrics.pivot_table(index="run_id", columns="name", values="value", aggfunc="last", dropna=False)
        table = table.merge(wide, how="left", left_on="run_id", right_index=True)
    table.attrs["sweep_id"] = row[0]
    return table


def _number(v):
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            return v
        return int(f) if re.fullmatch(r"-?\d+", v) else f
    return v

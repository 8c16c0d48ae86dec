"""A run's events and metrics as Parquet, Arrow or CSV files (docs/data.md), for DuckDB, polars,
pandas or anything else that reads them. `agora export RUN` runs this module.

One file per event kind (`trade.parquet`, `report.parquet`…), plus `metrics` (metrics.csv, typed)
and `agents` (agent → population and kind). Coded columns hold their names (side `buy`,
instrument `ACME`); `text` columns hold their strings. The log is read chunk by chunk and written
batch by batch, so memory stays bounded whatever the log's size.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

from .binary import AgoraError
from .log import EventLog
from .run import Run

FORMATS = {"parquet": "parquet", "arrow": "arrow", "csv": "csv"}


class ExportError(AgoraError):
    """The export cannot start (a missing library, an existing folder, an unknown kind)."""


def _pyarrow():
    try:
        import pyarrow
        import pyarrow.csv
        import pyarrow.ipc
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise ExportError("export needs pyarrow: pip install 'pyarrow>=14' (or pip install -e 'analysis[arrow]' from the checkout)") from None
    return pyarrow


def _arrow_type(pa, log: EventLog, kind, column):
    typ = kind.types[kind.columns.index(column)]
    if typ == "f64":
        return pa.float64()
    if typ == "text" or column in kind.labels:
        return pa.string()
    return pa.int64()


class _Writer:
    """One output file, opened at its first batch."""

    def __init__(self, pa, path: Path, fmt: str, schema):
        self.pa, self.path, self.fmt, self.schema = pa, path, fmt, schema
        self.rows = 0
        if fmt == "parquet":
            self.w = pa.parquet.ParquetWriter(str(path), schema, compression="zstd")
        elif fmt == "arrow":
            self.sink = pa.OSFile(str(path), "wb")
            self.w = pa.ipc.new_file(self.sink, schema)
        else:
            self.w = pa.csv.CSVWriter(str(path), schema)

    def write(self, columns: dict):
        batch = self.pa.record_batch([self._array(columns[f.name], f.type) for f in self.schema], schema=self.schema)
        self.w.write_batch(batch)
        self.rows += batch.num_rows

    def _array(self, values, typ):
        pa = self.pa
        if hasattr(values, "codes") and hasattr(values, "categories"):  # a pandas Categorical: names by code
            names = pa.array(list(values.categories), type=pa.string())
            return pa.DictionaryArray.from_arrays(pa.array(np.asarray(values.codes), type=pa.int32()), names).cast(typ)
        return pa.array(values, type=typ, from_pandas=True)

    def close(self):
        self.w.close()
        if self.fmt == "arrow":
            self.sink.close()


def export(run_dir, out=None, format="parquet", kinds=None, force=False) -> dict:
    """Writes the run's tables into `out` (default RUN_DIR/export) and returns what it wrote:
    {"files": {name: rows}, "problems": [damaged frames]}. A damaged log exports its readable
    records and lists the damage; an existing non-empty `out` is refused unless `force`."""
    if format not in FORMATS:
        raise ExportError(f"unknown format {format!r}; formats: {', '.join(FORMATS)}")
    pa = _pyarrow()
    run = Run(run_dir)
    log = run.log
    model_kinds = [k for k in log.kinds.values() if 0 < k.id < 256]
    if kinds:
        by_name = {k.name: k for k in log.kinds.values()}
        unknown = [n for n in kinds if n not in by_name and n not in ("metrics", "agents")]
        if unknown:
            raise ExportError(f"the run has no event kind {', '.join(map(repr, unknown))}; it has "
                              f"{', '.join(['metrics', 'agents'] + [k.name for k in model_kinds])}")
        chosen = [by_name[n] for n in kinds if n in by_name and by_name[n].id != 256]
        tables = [n for n in ("metrics", "agents") if n in kinds]
    else:
        chosen, tables = model_kinds, ["metrics", "agents"]
    target = Path(out) if out is not None else run.directory / "export"
    if target.exists() and any(target.iterdir()):
        if not force:
            raise ExportError(f"{target} exists and is not empty: give another --out, or --force to replace what it holds")
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    target.mkdir(parents=True, exist_ok=True)
    ext = FORMATS[format]
    written = {}
    for k in chosen:
        schema = pa.schema([(c, _arrow_type(pa, log, k, c)) for c in k.columns])
        w = _Writer(pa, target / f"{k.name}.{ext}", format, schema)
        for chunk in log.chunks(k, names=True):
            w.write(chunk)
        w.close()
        written[k.name] = w.rows
    if "metrics" in tables:
        m = run.metrics
        schema = pa.schema([(c, pa.int64() if c in ("tick", "events") else pa.float64()) for c in m.columns])
        w = _Writer(pa, target / f"metrics.{ext}", format, schema)
        w.write({c: m[c].to_numpy() for c in m.columns})
        w.close()
        written["metrics"] = w.rows
    if "agents" in tables and "populations" in run.manifest:
        a = run.agents
        schema = pa.schema([("agent", pa.int64()), ("population", pa.int64()), ("kind", pa.string())])
        w = _Writer(pa, target / f"agents.{ext}", format, schema)
        w.write({"agent": a["agent"].to_numpy(), "population": a["population"].to_numpy(), "kind": a["kind"].array})
        w.close()
        written["agents"] = w.rows
    return {"out": str(target), "files": written, "problems": [str(p) for p in log.problems]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="agora export", description="Write a run's events and metrics as Parquet, Arrow or CSV files.")
    parser.add_argument("run", help="the run directory")
    parser.add_argument("--format", default="parquet", choices=sorted(FORMATS))
    parser.add_argument("--kinds", default=None, help="comma-separated event kinds (and metrics, agents); default all")
    parser.add_argument("--out", default=None, help="the folder to write (default RUN/export)")
    parser.add_argument("--force", action="store_true", help="replace what --out holds")
    a = parser.parse_args(argv)
    try:
        done = export(a.run, a.out, a.format, [k for k in a.kinds.split(",") if k] if a.kinds else None, a.force)
    except AgoraError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    files = ", ".join(f"{name} ({rows:,} rows)" for name, rows in done["files"].items())
    print(f"agora: exported {files} to {done['out']}")
    if done["problems"]:
        for p in done["problems"]:
            print(f"error: {Path(a.run) / 'events.agl'}: {p}", file=sys.stderr)
        print(f"error: the log is damaged ({len(done['problems'])} frames); the readable records were exported", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A run directory seen from Python, and starting runs."""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from .binary import AgoraError, call
from .log import EventLog, read_log


def read_manifest(run_dir) -> dict:
    """The run's manifest.json as a dict."""
    path = Path(run_dir) / "manifest.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise AgoraError(f"{run_dir} has no manifest.json: it is not a finished run directory "
                         "(a run that is still going, or was killed, has none; agora run --resume continues it)") from None
    except json.JSONDecodeError as e:
        raise AgoraError(f"{path}:{e.lineno}:{e.colno}: not JSON ({e.msg})") from e


def read_metrics(run_dir):
    """The run's metrics.csv as a DataFrame, one row per tick; a figure that does not exist
    (the last price before the first trade, a spread during a call) is NaN."""
    import pandas as pd

    return pd.read_csv(Path(run_dir) / "metrics.csv")


class Events:
    """One kind's events of a run, read lazily: iterate for one DataFrame per chunk of the log
    (bounded memory, whatever the log's size), or `to_pandas()` for all of them at once."""

    def __init__(self, log: EventLog, kind, columns=None, ticks=None, names=True):
        self.log, self.kind = log, log.kind(kind)
        self.columns, self.ticks, self.names = columns, ticks, names

    def __iter__(self):
        import pandas as pd

        for chunk in self.log.chunks(self.kind, self.columns, self.ticks, self.names):
            yield pd.DataFrame(chunk)

    def to_pandas(self):
        """Every chunk in one DataFrame."""
        return self.log.frame(self.kind, self.columns, self.ticks, self.names)

    def __len__(self):
        return self.log.records(self.kind) if self.ticks is None else sum(len(f) for f in self.log.chunks(self.kind, ["tick"], self.ticks))

    def __repr__(self):
        return f"<Events {self.kind.name} of {self.log.path}: {self.log.records(self.kind):,} records; iterate for chunks, .to_pandas() for all>"


class Run:
    """A finished run directory: its manifest, summary, metrics, agents and events."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.manifest = read_manifest(self.directory)
        self._log = None
        self._metrics = None

    @property
    def id(self) -> str:
        return self.manifest["run_id"]

    @property
    def summary(self) -> dict:
        """The figures the run ended with (`null` in the manifest, for one that does not exist, is NaN)."""
        return {k: (float("nan") if v is None else v) for k, v in self.manifest.get("summary", {}).items()}

    @property
    def log(self) -> EventLog:
        if self._log is None:
            self._log = read_log(self.directory / self.manifest.get("log", "events.agl"))
        return self._log

    @property
    def metrics(self):
        """metrics.csv: one row per tick (a fresh copy each time; cached reading)."""
        if self._metrics is None:
            self._metrics = read_metrics(self.directory)
        return self._metrics.copy()

    @property
    def agents(self):
        """One row per agent: `agent` (its id in events), `population` (its index in the
        scenario's `agents` list) and `kind`."""
        import pandas as pd

        pops = self.manifest.get("populations")
        if pops is None:
            raise AgoraError(f"{self.directory}: the manifest has no populations (a run from before they were recorded); run it again")
        counts = [p["count"] for p in pops]
        return pd.DataFrame({
            "agent": np.arange(sum(counts), dtype=np.int64),
            "population": np.repeat([p["population"] for p in pops], counts),
            "kind": pd.Categorical(np.repeat([p["kind"] for p in pops], counts), categories=list(dict.fromkeys(p["kind"] for p in pops))),
        })

    def events(self, kind, columns=None, ticks=None, names=True) -> Events:
        """A kind's events (`trade`, `report`, `post`…), streamed chunk by chunk: iterate, or
        `.to_pandas()`. `columns` picks columns, `ticks` a range or (first, stop); coded columns
        come as names (side `buy`, reason `insufficient_cash`, instrument `ACME`) unless `names=False`."""
        return Events(self.log, kind, columns, ticks, names)

    def report(self, path=None) -> Path:
        """Writes the run's HTML report (`agora analyze --report`) and returns its path
        (default: report.html in the run directory)."""
        target = Path(path) if path is not None else self.directory / "report.html"
        call("analyze", self.directory, "--report", target)
        return target

    def __repr__(self):
        m = self.manifest
        return f"<Run {m['run_id']}: {m['model']}, {m['agents']:,} agents, {m['ticks']} ticks, seed {m['seed']}, digest {m['digest']}>"

    def _repr_html_(self):
        m = self.manifest
        rows = [("run", m["run_id"]), ("scenario", m.get("scenario", "")), ("model", m["model"]), ("seed", m["seed"]),
                ("agents", f"{m['agents']:,}"), ("ticks", m["ticks"]), ("digest", m["digest"])]
        summary = list(self.summary.items())
        shown = ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in summary[:8])
        if len(summary) > 8:
            shown += f", … ({len(summary) - 8} more in .summary)"
        rows.append(("summary", shown))
        cells = "".join(f"<tr><th style='text-align:left'>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
        return f"<table>{cells}</table>"


def read_run(run_dir) -> Run:
    """Opens a finished run directory."""
    return Run(run_dir)


def run(scenario, seed=None, set=None, shards=None, threads=None, ticks=None, out=None, catalog=None) -> Run:
    """Runs a scenario with the `agora` binary and returns the finished Run.

    `set`: overrides, {field path: value} (`{"agents[0].count": 5000}`), as `--set` takes them.
    `out`: the run directory (default: runs/<run-id>). `catalog`: the run catalog (default:
    $AGORA_CATALOG, else runs/catalog.sqlite). A bad scenario raises AgoraError with agora's
    file:line:col message.
    """
    args = ["run", scenario, "--json", "--quiet"]
    for key, value in (set or {}).items():
        args += ["--set", f"{key}={_override(value)}"]
    for flag, value in (("--seed", seed), ("--shards", shards), ("--threads", threads), ("--ticks", ticks), ("--out", out)):
        if value is not None:
            args += [flag, value]
    done = call(*args, catalog=catalog)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise AgoraError(f"agora run printed no run report: {done.stdout[:200]!r}") from None
    return Run(report["run_dir"])


def _override(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)

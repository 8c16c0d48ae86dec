"""`import agora` as a researcher uses it: start runs and sweeps, stream events with names."""

import json

import numpy as np
import pandas as pd
import pytest

import agora
from conftest import ROOT, SMALL_MARKET


def small_market_overrides():
    pairs = [SMALL_MARKET[i + 1] for i in range(0, len(SMALL_MARKET), 2)]
    return dict(p.split("=", 1) for p in pairs)


@pytest.fixture(scope="module")
def started(cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("front") / "market"
    return agora.run(str(ROOT / "scenarios/market.yaml"), seed=3, set=small_market_overrides(), shards=3, out=str(out))


def test_run_returns_the_finished_run(cli, started):
    assert started.manifest["seed"] == 3 and started.manifest["shards"] == 3
    assert "--set ticks=400" in started.manifest["overrides"] and "--set agents[4].count=10" in started.manifest["overrides"]
    # The same seed through the CLI: the same digest.
    again = json.loads(cli("run", "scenarios/market.yaml", "--seed", "3", "--json", "--quiet", "--out",
                           str(started.directory.parent / "again"), *SMALL_MARKET))
    assert again["digest"] == started.manifest["digest"]


def test_events_stream_chunk_by_chunk_with_names(started):
    # Each fill is two reports: the log holds several chunks of them.
    chunks = list(started.events("report", columns=["tick", "report", "quantity"]))
    assert len(chunks) > 1 and all(len(c) <= 65_536 for c in chunks)
    reports = pd.concat(chunks, ignore_index=True)
    assert len(reports) == started.log.records("report")
    assert reports["tick"].is_monotonic_increasing
    assert (reports["report"] == "fill").sum() == 2 * started.summary["trades"]
    trades = started.events("trade")
    whole = trades.to_pandas()
    assert len(whole) == len(trades) == started.summary["trades"]
    assert set(whole["instrument"].unique()) == {"ACME", "BOLT", "CORE"}
    assert set(whole["aggressor"].unique()) <= {"buy", "sell", "auction"} and "auction" in set(whole["aggressor"])
    raw = started.log.frame("trade")
    assert np.array_equal(raw["price"].to_numpy(), whole["price"].to_numpy())
    assert (whole["instrument"].cat.codes.to_numpy() == raw["instrument"].to_numpy()).all()
    reports = started.events("report", columns=["tick", "report", "reason", "side"]).to_pandas()
    assert list(reports.columns) == ["tick", "report", "reason", "side"]
    assert {"fill", "accepted"} <= set(reports["report"]) and set(reports["side"]) == {"buy", "sell"}
    assert "none" in set(reports["reason"])
    # A tick window reads only what it asks for.
    window = started.events("trade", ticks=(100, 150)).to_pandas()
    assert len(window) == ((raw["tick"] >= 100) & (raw["tick"] < 150)).sum() > 0
    assert window["tick"].between(100, 149).all()
    with pytest.raises(KeyError, match="no column 'nope'"):
        started.events("trade", columns=["nope"]).to_pandas()
    with pytest.raises(KeyError, match="kinds: digest"):
        started.events("trades")


def test_agents_map_ids_to_populations(started):
    agents = started.agents
    assert len(agents) == started.manifest["agents"] == 10_000
    counts = agents.groupby("kind", observed=True).size()
    assert counts["zero_intelligence"] == 3000 and counts["market_maker"] == 10
    assert agents.loc[2999, "kind"] == "zero_intelligence" and agents.loc[3000, "kind"] == "noise"
    # Every trade's buyer is someone.
    buyers = started.events("trade", columns=["agent"]).to_pandas()["agent"]
    assert buyers.between(0, len(agents) - 1).all()


def test_a_bad_scenario_raises_with_the_cli_message(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nmodel: sir\nseed: 1\nticks: 10\nnetwork: {generator: barabasi_albert, nodes: 100, m: 2}\n"
                   "agents:\n  - kind: person\n    params: {transmision: 0.1}\n")
    with pytest.raises(agora.AgoraError) as e:
        agora.run(str(bad))
    assert f"{bad}:8:" in str(e.value) and "transmision" in str(e.value) and "transmission" in str(e.value)
    with pytest.raises(agora.AgoraError, match="not a finished run directory"):
        agora.read_run(tmp_path)


def test_the_notebook_view_is_short_and_escaped(started, tmp_path):
    text = started._repr_html_()
    assert len(text) < 2000 and started.id in text
    assert len(repr(started)) < 300
    manifest = dict(started.manifest, scenario="<script>alert(1)</script>")
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    shown = agora.Run(tmp_path)._repr_html_()
    assert "<script>" not in shown and "&lt;script&gt;" in shown


def test_plots_leave_the_backend_alone(started):
    import matplotlib

    from agora.plots import stylized_facts_figure

    matplotlib.use("svg")
    before = matplotlib.get_backend()
    fig = stylized_facts_figure(started.log, "ACME")
    assert matplotlib.get_backend() == before and len(fig.axes) == 4


def test_a_sweep_is_a_tidy_table(cli, tmp_path):
    sweep = tmp_path / "sir.yaml"
    sweep.write_text(f"name: py-sir\nbase: {ROOT / 'scenarios/sir-network.yaml'}\nseed: 4\nreplicates: 2\ndesign: grid\n"
                     "parameters:\n  agents[0].params.transmission: {min: 0.1, max: 0.3, steps: 3}\n"
                     "set:\n  network.nodes: 2000\n  ticks: 30\n")
    table = agora.sweep(str(sweep), jobs=2)
    assert len(table) == 6 and (table["status"] == "finished").all()
    assert sorted(table["agents[0].params.transmission"].unique()) == [0.1, 0.2, 0.3]
    assert {"R", "peak_infected", "wall_s"} <= set(table.columns)
    # More transmission, a bigger epidemic (on average over the replicates).
    by = table.groupby("agents[0].params.transmission")["R"].mean()
    assert by[0.3] > by[0.1]
    again = agora.read_sweep(table.attrs["sweep_id"])
    pd.testing.assert_frame_equal(again, table)
    assert len(agora.read_sweep("py-sir")) == 6
    with pytest.raises(agora.AgoraError, match="no sweep 'nope'"):
        agora.read_sweep("nope")


def test_streaming_holds_a_chunk_or_two_not_the_log(cli, tmp_path):
    import tracemalloc

    out = tmp_path / "wealth"
    cli("run", "scenarios/boltzmann.yaml", "--out", str(out), "--quiet", "--set", "agents[0].count=20000", "--ticks", "60",
        "--set", "log.kinds.wealth.sample=1")
    run = agora.read_run(out)
    records = run.log.records("wealth")
    assert records == 20_000 * 60
    chunk_bytes = 65_536 * 3 * 8  # tick, agent, wealth as int64
    tracemalloc.start()
    seen = total = 0
    for chunk in run.events("wealth"):
        seen += len(chunk)
        total += int(chunk["wealth"].sum())
    streamed_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    whole = run.events("wealth").to_pandas()
    whole_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seen == records and total == 20_000 * 60  # everyone starts with 1 unit; wealth is conserved
    # Measured: about 4.3 chunks' worth at the peak (the payload, the decoded columns and their
    # temporaries, the DataFrame), against about 37 for the whole log at once.
    assert streamed_peak < 6 * chunk_bytes, f"streaming peaked at {streamed_peak:,} bytes"
    assert whole_peak > 15 * chunk_bytes and len(whole) == records, f"the whole log peaked at {whole_peak:,} bytes"


def test_report_writes_the_runs_page(started, tmp_path):
    page = started.report(tmp_path / "report.html")
    text = page.read_text()
    assert page == tmp_path / "report.html" and "<svg" in text and started.id in text

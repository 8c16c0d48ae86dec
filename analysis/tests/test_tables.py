"""The three tables agree: metrics.csv, `agora analyze --csv` and the log's metrics rows, with no
sentinel where a figure does not exist."""

import numpy as np
import pandas as pd

import agora


def test_no_sentinels_and_the_three_tables_agree(cli, market_run, tmp_path):
    tables = tmp_path / "tables"
    cli("analyze", str(market_run), "--csv", str(tables))
    run = agora.read_run(market_run)
    csv = run.metrics
    logged = run.log.frame("metrics")
    for name in ["ACME", "BOLT", "CORE"]:
        book = pd.read_csv(tables / f"book_{name}.csv").set_index("tick")
        for column in ["last", "mid", "spread"]:
            mine = csv[f"{name}.{column}"].to_numpy()
            # The market opens with a call: there are ticks without a spread, and they are empty.
            assert np.isnan(mine).any(), f"{name}.{column} is never empty"
            assert np.array_equal(np.isnan(mine), np.isnan(logged[f"{name}.{column}"].to_numpy()))
            assert np.allclose(mine, logged[f"{name}.{column}"].to_numpy(), equal_nan=True)
            theirs = book[column].reindex(csv["tick"]).to_numpy()
            assert np.allclose(mine, theirs, equal_nan=True), f"{name}.{column}: metrics.csv and analyze --csv differ"
        spread = csv[f"{name}.spread"].dropna()
        assert (spread > 0).all(), f"{name}.spread holds {spread.min()}"
        last = csv[f"{name}.last"]
        first_trade = int(run.log.frame("trade", names=True).query("instrument == @name")["tick"].min())
        assert last[csv["tick"] < first_trade].isna().all() and last[csv["tick"] >= first_trade].notna().all()
    # The summary says the same as the last row.
    assert run.summary["ACME.last"] == csv["ACME.last"].dropna().iloc[-1]


def test_a_figure_that_never_existed_is_null_in_the_manifest(cli, tmp_path):
    out = tmp_path / "schelling"
    cli("run", "scenarios/schelling.yaml", "--out", str(out), "--quiet", "--ticks", "2")
    run = agora.read_run(out)
    assert run.manifest["summary"]["settled_at"] is None and np.isnan(run.summary["settled_at"])

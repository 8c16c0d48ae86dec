import json

import numpy as np
import pandas as pd

from agora import bars, log_returns, read_catalog, read_log, read_run, stylized_facts
from agora.stats import autocorrelation, excess_kurtosis, gini, hill


def test_statistics_hand_computed():
    assert abs(excess_kurtosis([1, 2, 3, 4]) + 1.36) < 1e-12
    assert abs(hill([1, -2, 4, -8], 2) - 2 / (3 * np.log(2))) < 1e-12
    assert abs(autocorrelation([1, 2, 3, 4, 5], 1) - 0.4) < 1e-12
    assert gini([0, 0, 0, 1]) == 0.75 and gini([2, 2, 2, 2]) == 0


def test_the_reader_agrees_with_agora_analyze(cli, market_run):
    figures = json.loads(cli("analyze", str(market_run), "--json"))
    run = read_run(market_run)
    assert run.log.problems == []
    assert run.log.meta["run_id"] == figures["run_id"]
    names = ["ACME", "BOLT", "CORE"]
    trades = run.log.frame("trade")
    for i, name in enumerate(names):
        mine = trades[trades["instrument"] == i]
        theirs = figures["market"][name]
        assert len(mine) == theirs["trades"] and int(mine["quantity"].sum()) == theirs["volume"]
        facts = stylized_facts(log_returns(bars(run.log, i)))
        assert facts["returns"] == theirs["returns"]
        assert abs(facts["excess_kurtosis"] - theirs["excess_kurtosis"]) < 1e-9
        assert np.allclose(facts["return_acf"], theirs["return_acf"], atol=1e-9)
        assert np.allclose(facts["abs_return_acf"], theirs["abs_return_acf"], atol=1e-9)
    # The run's totals, three ways.
    summary = run.manifest["summary"]
    assert len(trades) == summary["trades"] and int(trades["quantity"].sum()) == summary["volume"]


def test_metrics_and_digest_rows_match_the_run_directory(market_run):
    run = read_run(market_run)
    logged = run.log.frame("metrics")
    csv = run.metrics
    assert len(logged) == len(csv) == 400
    for column in ["orders", "fills", "ACME.last", "CORE.volume"]:
        assert np.allclose(logged[column].to_numpy(), csv[column].to_numpy(), equal_nan=True)
    digest = run.log.frame("digest")
    model_kinds = [k for k in run.log.kinds.values() if 0 < k.id < 256]
    assert len(digest) == 400 * len(model_kinds)


def test_text_columns_come_back_as_strings(cli, tmp_path):
    out = tmp_path / "rate-cut"
    cli("run", "scenarios/rate-cut.yaml", "--out", str(out), "--quiet", "--set", "network.nodes=20000",
          "--set", "agents[0].count=6000", "--set", "agents[1].count=4000", "--set", "agents[2].count=9000",
          "--set", "agents[3].count=980", "--set", "agents[4].count=20", "--set", "ticks=150",
          "--set", "llm.escalation.fraction=0.01")
    llm = read_log(out).frame("llm")
    asked = llm[llm["index"] >= 0]
    assert len(asked) > 0 and asked["prompt"].str.contains("You trade").all()
    figures = json.loads(cli("analyze", str(out), "--json"))
    assert len(asked) == figures["llm"]["questions"]


def test_a_damaged_frame_is_reported_and_skipped(market_run, tmp_path):
    data = bytearray((market_run / "events.agl").read_bytes())
    whole = read_log(market_run)
    data[len(data) // 2] ^= 0xFF
    damaged = tmp_path / "events.agl"
    damaged.write_bytes(bytes(data))
    log = read_log(damaged)
    assert len(log.problems) == 1
    assert 0 < len(log.frame("trade")) <= len(whole.frame("trade"))


def test_the_catalog_holds_the_run_and_its_analysis(cli, market_run):
    cli("analyze", str(market_run))
    runs, metrics = read_catalog(cli.catalog)
    run_id = read_run(market_run).manifest["run_id"]
    assert run_id in set(runs["id"])
    mine = metrics[metrics["run_id"] == run_id].set_index("name")["value"]
    assert "analysis.ACME.excess_kurtosis" in mine.index and mine["summary.trades"] > 0


def test_the_example_draws_the_stylized_facts(market_run, tmp_path):
    import runpy
    import sys

    out = tmp_path / "facts.png"
    sys.argv = ["stylized_facts.py", str(market_run), str(out)]
    runpy.run_path(str(__import__("pathlib").Path(__file__).parents[1] / "examples" / "stylized_facts.py"), run_name="__main__")
    assert out.exists() and out.stat().st_size > 10_000

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


_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix64(z):
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _digests_from_rows(log, kind):
    """Each tick's (lane0, lane1, count) of a kind's rows, hashed as docs/log-format.md says."""
    rows = log.frame(kind.name)
    with np.errstate(over="ignore"):
        h = _mix64((np.uint64(kind.id) * np.uint64(0x9FB21C651E98DF25)) ^ rows["agent"].to_numpy(np.int64).view(np.uint64))
        for column in kind.columns[2:]:
            h = _mix64(h ^ rows[column].to_numpy(np.int64).view(np.uint64))
        lane1 = _mix64(h ^ np.uint64(0xC2B2AE3D27D4EB4F))
    ticks = rows["tick"].to_numpy(np.int64)
    if len(ticks) == 0:
        return {}
    starts = np.flatnonzero(np.r_[True, ticks[1:] != ticks[:-1]])
    counts = np.diff(np.r_[starts, len(ticks)])
    sums0, sums1 = np.add.reduceat(h, starts), np.add.reduceat(lane1, starts)
    return {int(ticks[s]): (int(a), int(b), int(n)) for s, a, b, n in zip(starts, sums0, sums1, counts)}


def test_every_column_decodes_to_the_runs_digest(cli, market_run, tmp_path):
    """Rehashing the decoded rows gives the digest rows: every column of every fully logged kind
    was read right, in bit-packed chunks (stored as they are) and zstd chunks alike."""
    schelling = tmp_path / "schelling"
    cli("run", "scenarios/schelling.yaml", "--out", str(schelling), "--quiet", "--ticks", "5")
    codecs = set()
    for run in [market_run, schelling]:
        log = read_log(run)
        assert log.problems == []
        codecs |= {(log.kinds[f.kind].name, f.codec) for f in log._frames if 0 < f.kind < 256}
        digest = log.frame("digest")
        policy = json.loads(log.meta.get("policy", "{}"))
        checked = 0
        for kind in log.kinds.values():
            if not 0 < kind.id < 256 or policy.get(str(kind.id), {"every": 1, "sample": 1.0}) != {"every": 1, "sample": 1.0}:
                continue
            mine = _digests_from_rows(log, kind)
            rows = digest[digest["kind"] == kind.id]
            logged = {int(t): (int(np.int64(a).view(np.uint64)), int(np.int64(b).view(np.uint64)), int(n))
                      for t, a, b, n in zip(rows["tick"], rows["lane0"], rows["lane1"], rows["count"]) if n > 0}
            assert mine == logged, f"{run.name}: {kind.name}"
            checked += 1
        assert checked > 0
    assert {codec for _, codec in codecs} == {0, 1}, f"both stored codecs are exercised: {sorted(codecs)}"


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

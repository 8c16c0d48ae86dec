"""`agora export`: Parquet, Arrow and CSV that DuckDB, polars and pandas read, with names."""

import shutil

import duckdb
import pandas as pd
import polars as pl

import agora


def test_parquet_reads_in_duckdb_and_agrees_with_the_log(cli, market_run, tmp_path):
    out = tmp_path / "parquet"
    cli("export", str(market_run), "--out", str(out))
    run = agora.read_run(market_run)
    for kind in ["trade", "report", "order", "market"]:
        assert (out / f"{kind}.parquet").exists()
        n = duckdb.sql(f"SELECT count(*) FROM '{out / kind}.parquet'").fetchall()[0][0]
        assert n == run.log.records(kind)
    per = duckdb.sql(f"SELECT instrument, count(*), sum(quantity) FROM '{out}/trade.parquet' GROUP BY 1 ORDER BY 1").fetchall()
    trades = run.log.frame("trade", names=True)
    assert [(name, len(g), int(g["quantity"].sum())) for name, g in trades.groupby("instrument", observed=True)] == per
    metrics = duckdb.sql(f"SELECT * FROM '{out}/metrics.parquet' ORDER BY tick").df()
    pd.testing.assert_frame_equal(metrics, run.metrics, check_dtype=False)
    agents = duckdb.sql(f"SELECT kind, count(*) FROM '{out}/agents.parquet' GROUP BY 1 ORDER BY 1").fetchall()
    assert dict(agents)["fundamentalist"] == 4500


def test_arrow_and_csv_read_in_polars(cli, market_run, tmp_path):
    cli("export", str(market_run), "--format", "arrow", "--kinds", "report,metrics", "--out", str(tmp_path / "a"))
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["metrics.arrow", "report.arrow"]
    reports = pl.read_ipc(tmp_path / "a" / "report.arrow")
    assert reports.height == agora.read_log(market_run).records("report")
    assert set(reports["side"].unique().to_list()) == {"buy", "sell"} and "cancelled_by_owner" in reports["reason"].to_list()
    cli("export", str(market_run), "--format", "csv", "--kinds", "trade", "--out", str(tmp_path / "c"))
    csv = pl.read_csv(tmp_path / "c" / "trade.csv")
    assert csv.height == agora.read_log(market_run).records("trade") and csv["instrument"].dtype == pl.String


def test_text_columns_and_bad_input(cli, market_run, tmp_path):
    out = tmp_path / "again"
    cli("export", str(market_run), "--kinds", "trade", "--out", str(out))
    refused = cli.raw("export", str(market_run), "--kinds", "trade", "--out", str(out))
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert cli.raw("export", str(market_run), "--kinds", "trade", "--out", str(out), "--force").returncode == 0
    unknown = cli.raw("export", str(market_run), "--kinds", "trades", "--out", str(tmp_path / "u"))
    assert unknown.returncode == 2 and "no event kind 'trades'" in unknown.stderr and "trade" in unknown.stderr
    fmt = cli.raw("export", str(market_run), "--format", "xlsx")
    assert fmt.returncode != 0 and "parquet, arrow, csv" in fmt.stderr


def test_a_damaged_log_exports_its_readable_prefix_and_fails(cli, market_run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(market_run, copy)
    shutil.rmtree(copy / "export", ignore_errors=True)
    log = copy / "events.agl"
    data = bytearray(log.read_bytes())
    whole = agora.read_log(market_run).records("trade")
    data[int(len(data) * 0.6)] ^= 0xFF
    log.write_bytes(bytes(data))
    done = cli.raw("export", str(copy), "--kinds", "trade", "--out", str(tmp_path / "out"))
    assert done.returncode == 1 and "damaged" in done.stderr and "frame" in done.stderr
    n = duckdb.sql(f"SELECT count(*) FROM '{tmp_path}/out/trade.parquet'").fetchall()[0][0]
    assert 0 < n <= whole


def test_export_without_pyarrow_says_what_to_do(cli, market_run, tmp_path):
    import os
    import subprocess

    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "pyarrow").mkdir()
    (blocker / "pyarrow" / "__init__.py").write_text("raise ImportError('no pyarrow here')\n")
    env = dict(os.environ, PYTHONPATH=str(blocker))
    done = subprocess.run([os.environ["AGORA_BINARY"], "export", str(market_run), "--out", str(tmp_path / "x")],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "pyarrow" in done.stderr and "pip install" in done.stderr, done.stderr

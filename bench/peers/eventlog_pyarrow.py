"""The eventlog workload in pyarrow: the peer `agora bench eventlog` is compared with.

Makes the 10,000,000 records of the shared workload (record i from SplitMix64(7) outputs
4i+1 … 4i+4), writes them as one Parquet file with zstd (pyarrow's defaults otherwise), reads them
back into columns with pyarrow's multithreaded reader, and checks the sums: with Arrow's own sum
(`read_records_per_s`, the faster) and through NumPy (`read_numpy_records_per_s`). Prints one JSON
line with the same names as `agora bench eventlog`; each figure is the fastest of `--repeat`.
"""
import argparse
import json
import os
import resource
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def splitmix(seed: int, first: int, count: int) -> np.ndarray:
    """Outputs first … first + count − 1 (counted from 1) of SplitMix64(seed)."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + np.arange(first, first + count, dtype=np.uint64) * GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def records(n: int) -> dict:
    out = splitmix(7, 1, 4 * n).reshape(n, 4)
    r0, r1, r2, r3 = out[:, 0], out[:, 1], out[:, 2], out[:, 3]
    k = r1 % np.uint64(100)
    return {
        "tick": (np.arange(n, dtype=np.int64) // 100),
        "agent": (r0 % np.uint64(1_000_000)).astype(np.int64),
        "kind": np.where(k < 60, 0, np.where(k < 70, 1, 2)).astype(np.int64),
        "price": 1_000_000 + np.cumsum((r2 % np.uint64(3)).astype(np.int64) - 1),
        "qty": (1 + r3 % np.uint64(100)).astype(np.int64),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions; the fastest is reported")
    ap.add_argument("--dir", default=tempfile.gettempdir())
    a = ap.parse_args()
    cols = records(a.records)
    expected = {c: int(v.sum()) for c, v in cols.items()}
    table = pa.table(cols)
    path = os.path.join(a.dir, f"agora-peer-eventlog-{os.getpid()}.parquet")
    write = read = read_numpy = float("inf")
    try:
        for _ in range(a.repeat):
            t = time.perf_counter()
            pq.write_table(table, path, compression="zstd")
            write = min(write, time.perf_counter() - t)
        del table
        for _ in range(a.repeat):
            # Arrow's own way: the columns read (multithreaded), summed without a copy.
            t = time.perf_counter()
            back = pq.read_table(path)
            sums = {c: pc.sum(back.column(c)).as_py() for c in cols}
            read = min(read, time.perf_counter() - t)
            if sums != expected or back.num_rows != a.records:
                raise SystemExit(f"read back {back.num_rows} records, sums {sums}; expected {expected}")
            del back
            # A NumPy user's way: the same, each column as one array.
            t = time.perf_counter()
            back = pq.read_table(path)
            sums = {c: int(back.column(c).to_numpy().sum()) for c in cols}
            read_numpy = min(read_numpy, time.perf_counter() - t)
            del back
        size = os.path.getsize(path)
    finally:
        if os.path.exists(path):
            os.remove(path)
    print(json.dumps({
        "bench": "eventlog", "peer": f"pyarrow {pa.__version__} (Parquet, zstd)", "records": a.records, "repeat": a.repeat,
        "bytes_on_disk": size, "bytes_per_record": size / a.records,
        "write_records_per_s": a.records / write, "read_records_per_s": a.records / read,
        "read_numpy_records_per_s": a.records / read_numpy,
        "write_s": write, "read_s": read, "threads": pa.cpu_count(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()

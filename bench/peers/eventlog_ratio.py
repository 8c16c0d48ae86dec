"""Agora's event-log read against pyarrow's Parquet read, side by side in one sitting.

Runs `agora bench eventlog` and `eventlog_pyarrow.py` in turn, `--rounds` times (each side takes
the fastest of its own `--repeat`), so both see the same machine at nearly the same moment. Prints
each round and then one JSON line: the median read rate of each side and the median of the
rounds' ratios, against pyarrow's faster figure (`read_records_per_s`, Arrow's own sum).

    python3 bench/peers/eventlog_ratio.py [--agora .build/release/agora] [--rounds 5]
"""
import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def last_json(command: list[str]) -> dict:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr.strip()}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"{' '.join(command)} printed no JSON line:\n{done.stdout.strip()}")
    return json.loads(lines[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agora", default=str(HERE.parent.parent / ".build" / "release" / "agora"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--records", type=int, default=10_000_000)
    a = ap.parse_args()
    if not Path(a.agora).exists():
        raise SystemExit(f"no agora binary at {a.agora}: build it with `swift build -c release --product agora`")
    agora, arrow, ratios = [], [], []
    for r in range(a.rounds):
        mine = last_json([a.agora, "bench", "eventlog", "--records", str(a.records)])
        theirs = last_json([sys.executable, str(HERE / "eventlog_pyarrow.py"), "--records", str(a.records)])
        agora.append(mine["read_records_per_s"])
        arrow.append(theirs["read_records_per_s"])
        ratios.append(agora[-1] / arrow[-1])
        print(f"round {r + 1}: agora {agora[-1] / 1e6:.1f} M records/s, pyarrow {arrow[-1] / 1e6:.1f} M records/s, "
              f"{ratios[-1]:.2f}x", flush=True)
    print(json.dumps({
        "bench": "eventlog_ratio", "rounds": a.rounds, "records": a.records,
        "agora_read_records_per_s": statistics.median(agora), "pyarrow_read_records_per_s": statistics.median(arrow),
        "ratio_median": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios),
        "agora_bytes_per_record": mine["bytes_per_record"], "pyarrow_bytes_per_record": theirs["bytes_per_record"],
    }))


if __name__ == "__main__":
    main()

"""The lob_cross / lob_passive workloads on bourse (a Rust order book with a Python API): the peer
`agora bench lob_*` is compared with. Needs `pip install bourse numpy` and the zstd command.

The stream is decoded before the timer starts; the timed loop only places and cancels orders.
"""
import argparse
import json
import subprocess
import time

import numpy as np
from bourse import core


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stream", help="orders_*.bin.zst")
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions; the fastest is reported")
    a = ap.parse_args()
    raw = subprocess.run(["zstd", "-dc", a.stream], check=True, capture_output=True).stdout
    rec = np.frombuffer(raw, dtype=np.dtype([("kind", "u1"), ("side", "u1"), ("zero", "<u2"), ("id", "<u4"),
                                             ("price", "<u4"), ("qty", "<u4")]))
    kinds, sides = rec["kind"].tolist(), rec["side"].tolist()
    ids, prices, qtys = rec["id"].tolist(), rec["price"].tolist(), rec["qty"].tolist()
    wall = float("inf")
    for _ in range(a.repeat):
        book = core.OrderBook(0, True)
        ours = {}
        t0 = time.perf_counter()
        for k, s, i, p, q in zip(kinds, sides, ids, prices, qtys):
            if k == 0:
                ours[i] = book.place_order(s == 0, q, 0, price=p)
            elif k == 1:
                ours[i] = book.place_order(s == 0, q, 0)
            elif i in ours:
                book.cancel_order(ours[i])
        wall = min(wall, time.perf_counter() - t0)
    trades = book.get_trades()
    bid, ask = book.bid_ask()
    state = {"n_trades": len(trades), "best_bid": bid, "best_ask": ask,
             "bid_volume": book.bid_vol(), "ask_volume": book.ask_vol()}
    expected_path = a.stream.replace(".bin.zst", ".json")
    with open(expected_path) as f:
        expected = json.load(f)["expected_final"]
    matches = all(expected[k] == v for k, v in state.items())
    print(json.dumps({"bench": "lob", "peer": "bourse", "events": len(kinds), "wall_s": wall,
                      "events_per_s": len(kinds) / wall, **state, "matches_expected": matches}))


if __name__ == "__main__":
    main()

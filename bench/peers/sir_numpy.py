"""The sir_ba workload in vectorised NumPy: the peer `agora bench sir_ba` is compared with.

Reads the shared graph (u32 pairs, zstd), infects the ten listed nodes and runs 100 synchronous
steps: a susceptible node with k infected neighbours is infected with probability 1 - 0.95^k, an
infected node recovers with probability 0.1, not in the step it was infected.
"""
import argparse
import json
import resource
import subprocess
import time

import numpy as np

SEEDS = [73461, 15442, 93471, 66425, 57178, 83819, 52951, 15474, 87888, 17745]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--graph", default="../shared/workloads/ba_n100000_m4_seed42.edges.u32.zst")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions; the fastest is reported")
    a = ap.parse_args()
    raw = subprocess.run(["zstd", "-dc", a.graph], check=True, capture_output=True).stdout
    e = np.frombuffer(raw, dtype="<u4").reshape(-1, 2).astype(np.int64)
    n = int(e.max()) + 1
    src = np.concatenate([e[:, 0], e[:, 1]])
    dst = np.concatenate([e[:, 1], e[:, 0]])
    wall = float("inf")
    for _ in range(a.repeat):
        rng = np.random.default_rng(a.seed)
        state = np.zeros(n, dtype=np.int8)  # 0 S, 1 I, 2 R
        state[SEEDS] = 1
        peak, peak_step = 10, 0
        t0 = time.perf_counter()
        for step in range(1, a.steps + 1):
            inf = state == 1
            k = np.bincount(dst[inf[src]], minlength=n)
            p = 1.0 - 0.95 ** k
            u = rng.random(n)
            new_inf = (state == 0) & (u < p)
            rec = inf & (u < 0.1)
            state[new_inf] = 1
            state[rec] = 2
            i_now = int((state == 1).sum())
            if i_now > peak:
                peak, peak_step = i_now, step
        wall = min(wall, time.perf_counter() - t0)
    counts = np.bincount(state, minlength=3)
    print(json.dumps({
        "bench": "sir_ba", "peer": "numpy " + np.__version__, "nodes": n, "steps": a.steps,
        "wall_s": wall, "agent_steps_per_s": n * a.steps / wall, "S": int(counts[0]), "I": int(counts[1]),
        "R": int(counts[2]), "peak_I": peak, "peak_step": peak_step,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()

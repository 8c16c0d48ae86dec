"""The boltzmann workload in vectorised NumPy: the peer `agora bench boltzmann` is compared with.

Same rules as docs/models.md: synchronous steps, givers fixed at the start of a step, each giver
sends one unit to a uniform other agent (j = draw mod (N-1); j += 1 if j >= i), transfers applied
together. Prints one JSON line with the same keys as `agora bench boltzmann`.
"""
import argparse
import json
import resource
import time

import numpy as np


def gini(w):
    x = np.sort(w).astype(np.float64)
    n = x.size
    return float((2 * np.arange(1, n + 1) - n - 1).dot(x) / (n * x.sum()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=100_000)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions; the fastest is reported")
    a = ap.parse_args()
    n = a.agents
    wall = float("inf")
    for _ in range(a.repeat):
        rng = np.random.default_rng(a.seed)
        w = np.ones(n, dtype=np.int64)
        t0 = time.perf_counter()
        for _ in range(a.steps):
            givers = np.flatnonzero(w > 0)
            # NumPy's bounded integers (the fastest plain-NumPy draw) in place of draw mod (N-1).
            j = rng.integers(0, n - 1, size=givers.size, dtype=np.int32)
            j += j >= givers
            w[givers] -= 1
            w += np.bincount(j, minlength=n)
        wall = min(wall, time.perf_counter() - t0)
    assert int(w.sum()) == n
    print(json.dumps({
        "bench": "boltzmann", "peer": "numpy " + np.__version__, "agents": n, "steps": a.steps,
        "wall_s": wall, "agent_steps_per_s": n * a.steps / wall, "gini": gini(w),
        "zero_share": float((w == 0).mean()), "total_wealth": int(w.sum()),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()

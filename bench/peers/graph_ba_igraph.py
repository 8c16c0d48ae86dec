"""The graph_ba workload on igraph: the peer `agora bench graph_ba` is compared with.
Needs `pip install igraph numpy`. Prints one JSON line with the same keys."""
import json
import random
import resource
import time

import igraph
import numpy as np


def main():
    best = float("inf")
    for seed in (1, 2):
        igraph.set_random_number_generator(random.Random(seed))
        t0 = time.perf_counter()
        g = igraph.Graph.Barabasi(1_000_000, 5)
        best = min(best, time.perf_counter() - t0)
    deg = np.array(g.degree(), dtype=float)
    e = np.array(g.get_edgelist())
    neighbor_sum = (np.bincount(e[:, 0], weights=deg[e[:, 1]], minlength=deg.size)
                    + np.bincount(e[:, 1], weights=deg[e[:, 0]], minlength=deg.size))
    has = deg > 0
    print(json.dumps({
        "bench": "graph_ba", "peer": "igraph " + igraph.__version__, "nodes": g.vcount(), "edges": g.ecount(),
        "wall_s": best, "edges_per_s": g.ecount() / best, "mean_degree": float(deg.mean()),
        "mean_neighbor_degree": float((neighbor_sum[has] / deg[has]).mean()),
        "k2_over_k": float((deg ** 2).mean() / deg.mean()),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()

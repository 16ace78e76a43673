"""POT peer for bench/exact.bench.ts (Debian's /usr/bin/python3, python3-pot 0.8.2).

Argument (JSON): {"n": N, "m": M}. The clouds are the benchmark's: x = the first N points of
clouds(N) and y = the first M points of the y of clouds(N) from pot_sinkhorn.py (twins of
benchClouds() in bench/sinkhorn.bench.ts), weights a_i = 1 + 0.5 sin(i + 1), b_j = 1 + 0.5 cos(j + 1),
normalised. Timed: ot.dist (squared Euclidean) + ot.emd2 (network simplex), as the user runs it.
One run when it takes over a second (median of several below). Prints {"name", "medianMs",
"firstMs", "runs", "value"}.
"""
import json
import time

import numpy as np

try:
    import ot
except ImportError:  # POT missing (a GPU machine with only PyTorch): no peer, said by the runner
    raise SystemExit(0)

from peer_timing import args, measure
from pot_sinkhorn import clouds


def main():
    a_ = args()
    n, m = int(a_["n"]), int(a_["m"])
    x, y = clouds(max(n, m))
    x, y = x[:n], y[:m]
    a = 1 + 0.5 * np.sin(np.arange(n) + 1.0)
    b = 1 + 0.5 * np.cos(np.arange(m) + 1.0)
    a /= a.sum()
    b /= b.sum()
    value = None

    def solve():
        nonlocal value
        value = float(ot.emd2(a, b, ot.dist(x, y), numItermax=100_000_000))

    t0 = time.perf_counter()
    solve()
    first = (time.perf_counter() - t0) * 1e3
    if first > 1000:
        median, runs = first, 1
    else:
        first, median, runs = measure(solve, warmup=1, min_runs=3, max_runs=10, budget_s=3.0)
    print(json.dumps({"name": f"POT {ot.__version__} emd2 (network simplex, with ot.dist)", "medianMs": median, "firstMs": first, "runs": runs, "value": value}), flush=True)


if __name__ == "__main__":
    main()

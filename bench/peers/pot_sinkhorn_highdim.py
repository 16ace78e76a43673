"""POT peer for bench/w2_highdim.bench.ts (Debian's /usr/bin/python3, python3-pot 0.8.2).

Argument (JSON): {"n": N, "d": D, "reg": eps}
  ot.sinkhorn(a, b, M, reg, method='sinkhorn_log', stopThr=1e-6) on M = |x - y|² (ot.dist): the
  solver of ot.sinkhorn2(method='sinkhorn_log'), which returns only <π, M>; the plan π gives the
  value the benchmark compares, OT_ε = <π, M> + reg·KL(π | a⊗b) (the engine's OT_ε),
  x ~ N(0, I_D), y ~ N(0.3, 0.64 I_D), N points each, rounded to float32: the twin of
  highdimClouds() in the benchmark (the counter-hash normals of pot_sinkhorn.py), so both sides
  solve the same problem without passing files.
One timed run (seconds to minutes; the time includes building M, as the peer needs it): prints
{"name", "medianMs", "firstMs", "runs": 1, "value" (OT_ε), "linear" (<π, M>, sinkhorn2's value), "iterations"}.
"""
import json
import time
import warnings

import numpy as np

try:
    import ot
except ImportError:  # POT missing: no peer, said by the runner
    raise SystemExit(0)

from peer_timing import args
from pot_sinkhorn import normals


def clouds(n, d):
    x = normals(n * d, 1).astype(np.float32).reshape(n, d)
    y = (normals(n * d, 2) * 0.8 + 0.3).astype(np.float32).reshape(n, d)
    return x.astype(np.float64), y.astype(np.float64)


def main():
    a_ = args()
    n, d, reg = int(a_["n"]), int(a_["d"]), float(a_["reg"])
    x, y = clouds(n, d)
    a = np.full(n, 1.0 / n)
    b = np.full(n, 1.0 / n)
    t0 = time.perf_counter()
    M = ot.dist(x, y)  # squared Euclidean
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        G, log = ot.sinkhorn(a, b, M, reg, method="sinkhorn_log", stopThr=1e-6, numItermax=100000, log=True)
    ms = (time.perf_counter() - t0) * 1e3
    linear = float(np.sum(G * M))
    pos = G > 0
    kl = float(np.sum(G[pos] * np.log(G[pos] / np.outer(a, b)[pos])) - G.sum() + 1.0)
    out = {"name": f"POT {ot.__version__} sinkhorn (sinkhorn_log, stopThr 1e-6)", "runs": 1, "medianMs": ms, "firstMs": ms,
           "value": linear + reg * kl, "linear": linear, "iterations": int(log.get("niter", -1)), "warnings": len(w)}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()

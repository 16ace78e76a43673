"""POT peers for bench/sinkhorn.bench.ts (Debian's /usr/bin/python3, python3-pot 0.8.2).

Argument (JSON): {"kind": "sinkhorn" | "emd", "n": N, "reg": eps, "maxIter": cap (default 100000)}
  sinkhorn: ot.sinkhorn2(a, b, M, reg, method='sinkhorn_log', stopThr=1e-6, numItermax=cap) on |x - y|²
            ("warnings" counts POT's, e.g. the cap reached before stopThr)
  emd:      ot.emd2(a, b, M) (exact)
The clouds are the benchmark's (x ~ N(0, I), y ~ N((2, 0), 0.25 I) in 2-D), generated here by the
twin of benchClouds() in bench/sinkhorn.bench.ts (counter hash + Box-Muller, rounded to float32), so
both sides solve the same problem without passing files. One timed run (these take seconds to
minutes): prints {"name", "medianMs", "firstMs", "runs": 1, "value", "iterations"}; the time includes
building the cost matrix, as the peer needs it.
"""
import json
import time
import warnings

import numpy as np

try:
    import ot
except ImportError:  # POT missing (e.g. on a GPU machine with only PyTorch): no peer, said by the runner
    raise SystemExit(0)

from peer_timing import args


def lowbias32(x):
    x = x.astype(np.uint32)
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x


def normals(count, seed):
    """count standard normals: Box-Muller on pairs of hashed counters (twin of the TS generator)."""
    k = np.arange((count + 1) // 2, dtype=np.uint64)
    base = np.uint64(seed) * np.uint64(0x9E3779B1)
    h1 = lowbias32(((2 * k + base) & np.uint64(0xFFFFFFFF)).astype(np.uint32))
    h2 = lowbias32(((2 * k + 1 + base) & np.uint64(0xFFFFFFFF)).astype(np.uint32))
    u1 = ((h1 >> np.uint32(8)).astype(np.float64) + 0.5) / 16777216.0
    u2 = ((h2 >> np.uint32(8)).astype(np.float64) + 0.5) / 16777216.0
    r = np.sqrt(-2.0 * np.log(u1))
    z = np.empty(2 * len(k))
    z[0::2] = r * np.cos(2 * np.pi * u2)
    z[1::2] = r * np.sin(2 * np.pi * u2)
    return z[:count]


def clouds(n):
    x = normals(2 * n, 1).astype(np.float32).reshape(n, 2)
    y = normals(2 * n, 2).reshape(n, 2) * 0.5
    y[:, 0] += 2.0
    return x.astype(np.float64), y.astype(np.float32).astype(np.float64)


def main():
    a_ = args()
    n = int(a_["n"])
    x, y = clouds(n)
    a = np.full(n, 1.0 / n)
    b = np.full(n, 1.0 / n)
    t0 = time.perf_counter()
    M = ot.dist(x, y)  # squared Euclidean
    out = {"runs": 1}
    if a_["kind"] == "sinkhorn":
        reg = float(a_["reg"])
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            cap = int(a_.get("maxIter", 100000))
            value, log = ot.sinkhorn2(a, b, M, reg, method="sinkhorn_log", stopThr=1e-6, numItermax=cap, log=True)
        out.update(name=f"POT {ot.__version__} sinkhorn2 (sinkhorn_log, stopThr 1e-6, at most {cap} iterations)", value=float(value), iterations=int(log.get("niter", -1)), warnings=len(w))
    else:
        value = ot.emd2(a, b, M, numItermax=10_000_000)
        out.update(name=f"POT {ot.__version__} emd2 (exact)", value=float(value))
    ms = (time.perf_counter() - t0) * 1e3
    out.update(medianMs=ms, firstMs=ms)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()

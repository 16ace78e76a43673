"""POT peers for bench/sinkhorn.ts (run with Debian's /usr/bin/python3, python3-pot 0.8.2).

usage: pot_sinkhorn.py sinkhorn X.f32 Y.f32 d reg      -> ot.sinkhorn2(method='sinkhorn_log', stopThr=1e-6)
       pot_sinkhorn.py emd X.f32 Y.f32 d               -> ot.emd2 (exact)
Points are raw little-endian float32, row-major. Prints one JSON line: value, seconds, iterations.
"""
import json
import sys
import time
import warnings

import numpy as np
import ot


def main():
    kind, fx, fy, d = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    x = np.fromfile(fx, dtype=np.float32).astype(np.float64).reshape(-1, d)
    y = np.fromfile(fy, dtype=np.float32).astype(np.float64).reshape(-1, d)
    a = np.full(len(x), 1.0 / len(x))
    b = np.full(len(y), 1.0 / len(y))
    t0 = time.perf_counter()
    M = ot.dist(x, y)  # squared Euclidean
    out = {"peer": f"POT {ot.__version__}", "n": len(x), "m": len(y)}
    if kind == "sinkhorn":
        reg = float(sys.argv[5])
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            value, log = ot.sinkhorn2(a, b, M, reg, method="sinkhorn_log", stopThr=1e-6, numItermax=100000, log=True)
        out.update(value=float(value), iterations=int(log.get("niter", -1)), warnings=len(w))
    else:
        value = ot.emd2(a, b, M, numItermax=10_000_000)
        out.update(value=float(value))
    out["seconds"] = time.perf_counter() - t0
    print(json.dumps(out))


if __name__ == "__main__":
    main()

"""Peer of bench/flows.bench.ts: the same exact-Gaussian flow transitions in numpy on the CPU.

args: {"kind": "vp" | "bridge", "n": N (particles), "d": D, "steps": S}
  vp:     x ← e^−h x + sqrt(1 − e^−2h) ξ            (Ornstein–Uhlenbeck, h = 3/S)
  bridge: x ← x + h/(1−t) (x1 − x) + σ sqrt(h(1−t−h)/(1−t)) ξ   (Brownian bridge, σ = 1, t = k/S)
ξ standard normal (numpy's PCG64 + ziggurat), float32 like the GPU, S steps per timed run.
"""
import math

import numpy as np
from peer_timing import args, report

a = args()
n, d, steps, kind = a["n"], a["d"], a["steps"], a["kind"]
rng = np.random.default_rng(0)
x = rng.standard_normal((n, d), dtype=np.float32)
x1 = rng.standard_normal((n, d), dtype=np.float32) + 2
coefs = []
for k in range(steps):
    if kind == "vp":
        h = 3.0 / steps
        coefs.append((math.exp(-h), 0.0, math.sqrt(-math.expm1(-2 * h))))
    else:
        t, h = k / steps, 1.0 / steps
        rest = 1 - t
        coefs.append((1.0, h / rest, math.sqrt(max(0.0, h * (rest - h) / rest))))


def run():
    y = x.copy()
    for ca, ck, cs in coefs:
        z = rng.standard_normal((n, d), dtype=np.float32)
        if ck:
            y += np.float32(ck) * (x1 - y)
        if ca != 1.0:
            y *= np.float32(ca)
        y += np.float32(cs) * z
    return y


report(f"numpy {np.__version__} {kind} steps (float32, CPU)", run, budget_s=3.0)

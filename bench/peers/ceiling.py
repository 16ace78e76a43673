"""Peers of the adapter-ceiling benchmarks (bench/ceiling.bench.ts): the same f32 matmul and the
same count of f32 exps with numpy and torch on the CPU.

args: {"op": "matmul", "m": M, "n": N, "k": K} or {"op": "exp", "count": C}
"""
import numpy as np

from peer_timing import args, report, torch_cpu

a = args()
torch = torch_cpu()
rng = np.random.default_rng(0)
if a["op"] == "matmul":
    A = rng.standard_normal((a["m"], a["k"]), dtype=np.float32)
    B = rng.standard_normal((a["k"], a["n"]), dtype=np.float32)
    report(f"numpy {np.__version__}", lambda: A @ B)
    if torch is not None:
        tA, tB = torch.from_numpy(A), torch.from_numpy(B)
        report(f"torch {torch.__version__.split('a')[0]} CPU", lambda: tA @ tB)
elif a["op"] == "exp":
    # Same arguments range as the kernel ([-4.2, 0]); one array of `count` f32 values.
    x = -4.2 * rng.random(a["count"], dtype=np.float32)
    out = np.empty_like(x)
    report(f"numpy {np.__version__}", lambda: np.exp(x, out=out))
    if torch is not None:
        tx, tout = torch.from_numpy(x), torch.from_numpy(out)
        report(f"torch {torch.__version__.split('a')[0]} CPU", lambda: torch.exp(tx, out=tout))
else:
    raise SystemExit(f"unknown op {a['op']}")

"""Peer for bench/lipschitz.ts: power iteration on the symmetric part of the score Jacobian of the
paper's network (2->64->64->64->2, softplus, per-step embedding, eps output), with autograd VJP and
a JVP by the double-VJP trick, PyTorch CPU. Prints one JSON line: {"rate": point-iterations/s}.
usage: python3 lipschitz_torch.py POINTS ITERS"""
import json, sys, time
import torch

torch.manual_seed(0)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
ITERS = int(sys.argv[2]) if len(sys.argv) > 2 else 31
H = 64
lin = [torch.nn.Linear(2, H), torch.nn.Linear(H, H), torch.nn.Linear(H, H), torch.nn.Linear(H, 2)]
emb = [torch.rand(H) for _ in range(3)]
sigma = 0.5

def score(x):
    h = x
    for l, e in zip(lin[:3], emb):
        h = torch.nn.functional.softplus(l(h) * e)
    return -lin[3](h) / sigma

def sym_mul(x, v):
    # VJP: J^T v; JVP: J v = d/du (J^T u . v) via double backward.
    x = x.detach().requires_grad_(True)
    s = score(x)
    u = torch.zeros_like(s, requires_grad=True)
    (jtu,) = torch.autograd.grad(s, x, u, create_graph=True)
    (jv,) = torch.autograd.grad(jtu, u, v)
    (jtv,) = torch.autograd.grad(s, x, v)
    return 0.5 * (jv + jtv)

x = torch.randn(N, 2)
def run():
    v = torch.randn(N, 2)
    v = v / v.norm(dim=1, keepdim=True)
    for _ in range(ITERS):
        w = sym_mul(x, v) + 50.0 * v
        v = w / w.norm(dim=1, keepdim=True)
    return v

with torch.no_grad():
    pass
run()
ts = []
for _ in range(3):
    t0 = time.perf_counter(); run(); ts.append(time.perf_counter() - t0)
t = sorted(ts)[1]
print(json.dumps({"rate": N * ITERS / t, "seconds": t, "threads": torch.get_num_threads()}))

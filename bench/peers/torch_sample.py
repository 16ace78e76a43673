"""Peer of bench/sampler.bench.ts: the same reverse-SDE Euler–Maruyama integration with the same
network, particle count and step count, in PyTorch 1.13 on the CPU (2 threads, no_grad).

args: {"model": "paper" | "mlp128", "n": N, "steps": S}
  paper:  2→64→64→64→2, each hidden Linear times a per-step embedding row, softplus, ε output
          (Kwon et al. 2022), VP β 0.1→20 with the embedding index of t on 10 steps.
  mlp128: 4 hidden layers of 128, SiLU, input x ⊕ 4 Fourier sin/cos pairs of τ = t, ε output.
Each step: ε = net(x, t); s = −ε/σ_t; x ← x − h(−½β x − β s) + sqrt(β h) z.
"""
import math

from peer_timing import args, report, torch_cpu

a = args()
torch = torch_cpu()
if torch is None:
    raise SystemExit(0)
torch.manual_seed(0)
n, steps, model = a["n"], a["steps"], a["model"]
nn = torch.nn


class Paper(nn.Module):
    def __init__(self, k=10):
        super().__init__()
        self.lins = nn.ModuleList([nn.Linear(2, 64), nn.Linear(64, 64), nn.Linear(64, 64)])
        self.embs = nn.ModuleList([nn.Embedding(k, 64) for _ in range(3)])
        self.head = nn.Linear(64, 2)

    def forward(self, x, k):
        for lin, emb in zip(self.lins, self.embs):
            x = nn.functional.softplus(lin(x) * emb.weight[k])
        return self.head(x)


class Mlp(nn.Module):
    def __init__(self, width=128, depth=4, features=4):
        super().__init__()
        self.w = math.pi * 2.0 ** torch.arange(features)
        dims = [2 + 2 * features] + [width] * depth
        self.body = nn.Sequential(*[m for i in range(depth) for m in (nn.Linear(dims[i], dims[i + 1]), nn.SiLU())])
        self.head = nn.Linear(width, 2)

    def forward(self, x, tau):
        f = self.w * tau
        feats = torch.cat([torch.sin(f), torch.cos(f)]).expand(x.shape[0], -1)
        return self.head(self.body(torch.cat([x, feats], dim=1)))


net = Paper() if model == "paper" else Mlp()
beta = lambda t: 0.1 + 19.9 * t
B = lambda t: 0.1 * t + 0.5 * 19.9 * t * t
sigma = lambda t: math.sqrt(1 - math.exp(-B(t)))


def run():
    with torch.no_grad():
        x = torch.randn(n, 2)
        h = (1 - 1e-3) / steps if steps > 1 else 1e-3
        for m in range(steps):
            t = 1 - m * h
            eps = net(x, min(9, max(0, math.ceil(t * 10) - 1))) if model == "paper" else net(x, t)
            s = -eps / sigma(t)
            b = beta(t)
            x = x - h * (-0.5 * b * x - b * s) + math.sqrt(b * h) * torch.randn(n, 2)
        return float(x[0, 0])


report(f"torch {torch.__version__.split('a')[0]} CPU, 2 threads", run, min_runs=3, max_runs=10, budget_s=5.0, warmup=1)

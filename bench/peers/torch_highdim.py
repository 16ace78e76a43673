"""Peer of bench/highdim.bench.ts: a d → w → w → d SiLU MLP with F Fourier time features, ε output,
in PyTorch on the CPU (2 threads).

args: {"mode": "train" | "sample", "d": D, "width": W, "features": F, "batch": B, "steps": S, "n": N}
  train:  S Adam steps of the DSM loss on the VP SDE (β 0.1→20) at batch B over N random data points.
  sample: S reverse-SDE Euler–Maruyama steps for N particles (no_grad): ε = net(x, t), s = −ε/σ_t,
          x ← x − h(−½β x − β s) + sqrt(β h) z.
"""
import math

from peer_timing import args, report, torch_cpu

a = args()
torch = torch_cpu()
if torch is None:
    raise SystemExit(0)
torch.manual_seed(0)
nn = torch.nn
d, w, F, S = a["d"], a["width"], a["features"], a["steps"]
freqs = math.pi * 2.0 ** torch.arange(F)
model = nn.Sequential(nn.Linear(d + 2 * F, w), nn.SiLU(), nn.Linear(w, w), nn.SiLU(), nn.Linear(w, d))


def alpha(t):
    return torch.exp(-0.25 * t ** 2 * (20 - 0.1) - 0.5 * t * 0.1)


if a["mode"] == "train":
    B, N = a["batch"], a["n"]
    data = torch.rand(N, d) * 2 - 1
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        x0 = data[torch.randint(0, N, (B,))]
        t = 1e-3 + (1 - 1e-3) * torch.rand(B)
        al = alpha(t).unsqueeze(1)
        sg = (1 - al ** 2).sqrt()
        e = torch.randn_like(x0)
        ang = t.unsqueeze(1) * freqs
        loss = ((model(torch.cat([al * x0 + sg * e, ang.sin(), ang.cos()], 1)) - e) ** 2).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    def run():
        loss = None
        for _ in range(S):
            loss = step()
        loss.item()

    report(f"torch {torch.__version__.split('a')[0]} CPU, 2 threads", run, min_runs=3, max_runs=10, budget_s=6.0, warmup=1)
else:
    n = a["n"]

    def run():
        with torch.no_grad():
            x = torch.randn(n, d)
            h = (1 - 1e-3) / S
            for m in range(S):
                t = torch.tensor(1 - m * h)
                ang = t * freqs
                feats = torch.cat([ang.sin(), ang.cos()]).expand(n, -1)
                eps = model(torch.cat([x, feats], 1))
                sig = math.sqrt(1 - float(alpha(t)) ** 2)
                b = 0.1 + 19.9 * float(t)
                x = x - h * (-0.5 * b * x + b * eps / sig) + math.sqrt(b * h) * torch.randn(n, d)
            return float(x[0, 0])

    report(f"torch {torch.__version__.split('a')[0]} CPU, 2 threads", run, min_runs=2, max_runs=5, budget_s=6.0, warmup=1)

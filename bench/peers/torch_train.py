"""Peer of bench/train.bench.ts: the same score-model training step in PyTorch on the CPU.

args: {"model": "paper" | "mlp", "steps": S, "batch": B, "n": N}
  paper: Kwon et al.'s model (2→64→64→64→2, each hidden Linear times a learned per-step embedding
         (10 steps, init U[0,1)), softplus), DDPM sigmoid schedule, ε-MSE weighted by β/(1-ᾱ),
         antithetic t, AdamW lr 1e-3, grad-norm clip 1.0.
  mlp:   4×128 SiLU MLP on [x, sin/cos of 4 Fourier features of t], VP linear β 0.1→20, ε-MSE,
         uniform t, Adam lr 1e-3.
One timed run = S full training steps (batch draw, forward, loss, backward, optimizer) and a
final loss.item(), as the GPU run reads its loss back once.
"""
import math

from peer_timing import args, report, torch_cpu

a = args()
torch = torch_cpu()
if torch is None:
    raise SystemExit(0)
nn = torch.nn
torch.manual_seed(0)
B, S, N = a["batch"], a["steps"], a.get("n", 4000)
model_kind = a["model"]

if model_kind == "paper":
    n = 10
    x = torch.linspace(-6, 6, n)
    betas = torch.sigmoid(x) * (1e-2 - 1e-5) + 1e-5
    abar = torch.cumprod(1 - betas, 0)
    weight = betas / (1 - abar)
    centers = torch.tensor([[-0.5, -0.5], [-0.5, 0.5], [0.5, -0.5], [0.5, 0.5]])
    data = centers[torch.randint(0, 4, (N,))] + 0.0125 * torch.randn(N, 2)

    class Paper(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.ModuleList([nn.Linear(2, 64), nn.Linear(64, 64), nn.Linear(64, 64)])
            self.emb = nn.ModuleList([nn.Embedding(n, 64) for _ in range(3)])
            for e in self.emb:
                e.weight.data.uniform_()
            self.out = nn.Linear(64, 2)

        def forward(self, x, t):
            for lin, emb in zip(self.lin, self.emb):
                x = nn.functional.softplus(lin(x) * emb(t))
            return self.out(x)

    model = Paper()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def step():
        x0 = data[torch.randint(0, N, (B,))]
        t = torch.randint(0, n, (B // 2 + 1,))
        t = torch.cat([t, n - 1 - t])[:B]
        e = torch.randn_like(x0)
        ab = abar[t].unsqueeze(1)
        xt = ab.sqrt() * x0 + (1 - ab).sqrt() * e
        loss = (weight[t] * ((model(xt, t) - e) ** 2).sum(1)).mean()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss
else:
    F = 4
    freqs = math.pi * 2.0 ** torch.arange(F)
    data = torch.randn(N, 2)
    layers = [nn.Linear(2 + 2 * F, 128), nn.SiLU()]
    for _ in range(3):
        layers += [nn.Linear(128, 128), nn.SiLU()]
    layers += [nn.Linear(128, 2)]
    model = nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        x0 = data[torch.randint(0, N, (B,))]
        t = 1e-3 + (1 - 1e-3) * torch.rand(B)
        logm = -0.25 * t ** 2 * (20 - 0.1) - 0.5 * t * 0.1
        al = logm.exp().unsqueeze(1)
        sg = (1 - al ** 2).sqrt()
        e = torch.randn_like(x0)
        xt = al * x0 + sg * e
        ang = t.unsqueeze(1) * freqs
        inp = torch.cat([xt, ang.sin(), ang.cos()], 1)
        loss = ((model(inp) - e) ** 2).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss


def run():
    loss = None
    for _ in range(S):
        loss = step()
    loss.item()


report(f"torch {torch.__version__.split('a')[0]} CPU, 2 threads", run, min_runs=3, budget_s=4.0)

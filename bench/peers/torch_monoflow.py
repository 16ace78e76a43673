"""Peer of bench/flows.bench.ts: MonoFlow generator rounds in PyTorch on the CPU, same work as the GPU.

args: {"n": latents, "rounds": R, "K": discriminator steps per round, "k": generator steps per round,
       "batch": discriminator minibatch (half data, half generated), "eps": ε}
One round: K Adam steps of the logistic loss on D (2→32→32→2 softplus, D = output row 0) with data
vs g(z); the targets y = g(z) + ε∇D(g(z)) (h = identity) by autograd; k Adam steps of the regression
loss (2/n)·½Σ||g(z) − y||² on the generator (2→64→64→2 softplus) over all n latents; float32.
"""
from peer_timing import args, report, torch_cpu

torch = torch_cpu()
if torch is None:
    raise SystemExit(0)
a = args()
n, rounds, K, k, batch, eps = a["n"], a["rounds"], a["K"], a["k"], a["batch"], a["eps"]
torch.manual_seed(0)


def mlp(width):
    return torch.nn.Sequential(
        torch.nn.Linear(2, width), torch.nn.Softplus(), torch.nn.Linear(width, width), torch.nn.Softplus(), torch.nn.Linear(width, 2)
    )


D, G = mlp(32), mlp(64)
optD = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
optG = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
data = torch.randn(2000, 2) @ torch.tensor([[1.0, 0.8], [0.0, 0.5]])
z = torch.randn(n, 2)
half = batch // 2


def round_():
    with torch.no_grad():
        g = G(z)
    for _ in range(K):
        xr = data[torch.randint(0, data.shape[0], (half,))]
        xf = g[torch.randint(0, n, (half,))]
        loss = torch.nn.functional.softplus(-D(xr)[:, 0]).mean() + torch.nn.functional.softplus(D(xf)[:, 0]).mean()
        optD.zero_grad()
        loss.backward()
        optD.step()
    x = g.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x)[:, 0].sum(), x)
    y = (g + eps * grad).detach()
    for _ in range(k):
        loss = ((G(z) - y) ** 2).sum() / n
        optG.zero_grad()
        loss.backward()
        optG.step()


def run():
    for _ in range(rounds):
        round_()


report(f"PyTorch {torch.__version__} MonoFlow generator rounds (float32, CPU, 2 threads)", run, budget_s=5.0)

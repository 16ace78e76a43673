"""Peer for bench/lipschitz.bench.ts: power iteration on the symmetric part of the score Jacobian of
the paper's network (2->64->64->64->2, softplus, per-step embedding, eps output) with autograd VJP
and a JVP by the double-VJP trick, PyTorch 1.13 CPU. Same work per run: n points x iters steps.
usage: python3 lipschitz_torch.py '{"n": 10000, "iters": 31}'
With "dim", "hidden" and "act": "silu" the same iteration on a d->hidden->d SiLU network without the
per-step embedding (the 784-D row)."""
from peer_timing import args, report, torch_cpu

a = args()
N = int(a.get("n", 10000))
ITERS = int(a.get("iters", 31))
torch = torch_cpu()
if torch is not None:
    torch.manual_seed(0)
    D = int(a.get("dim", 2))
    widths = [int(w) for w in a.get("hidden", [64, 64, 64])]
    act = torch.nn.functional.silu if a.get("act") == "silu" else torch.nn.functional.softplus
    dims = [D] + widths + [D]
    lin = [torch.nn.Linear(dims[i], dims[i + 1]) for i in range(len(dims) - 1)]
    emb = [torch.rand(w) if "dim" not in a else torch.ones(w) for w in widths]
    sigma = 0.5

    def score(x):
        h = x
        for l, e in zip(lin[:-1], emb):
            h = act(l(h) * e)
        return -lin[-1](h) / sigma

    def sym_mul(x, v):
        x = x.detach().requires_grad_(True)
        s = score(x)
        u = torch.zeros_like(s, requires_grad=True)
        (jtu,) = torch.autograd.grad(s, x, u, create_graph=True)
        (jv,) = torch.autograd.grad(jtu, u, v)
        (jtv,) = torch.autograd.grad(s, x, v)
        return 0.5 * (jv + jtv)

    x = torch.randn(N, D)

    def run():
        v = torch.randn(N, D)
        v = v / v.norm(dim=1, keepdim=True)
        for _ in range(ITERS):
            w = sym_mul(x, v) + 50.0 * v
            v = w / w.norm(dim=1, keepdim=True)

    report(f"PyTorch {torch.__version__} CPU autograd JVP+VJP ({torch.get_num_threads()} threads)", run, budget_s=5.0)

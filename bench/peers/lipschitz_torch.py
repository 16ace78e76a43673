"""Peer for bench/lipschitz.bench.ts: power iteration on the symmetric part of the score Jacobian of
the paper's network (2->64->64->64->2, softplus, per-step embedding, eps output) with autograd VJP
and a JVP by the double-VJP trick, PyTorch 1.13 CPU. Same work per run: n points x iters steps.
usage: python3 lipschitz_torch.py '{"n": 10000, "iters": 31}'"""
from peer_timing import args, report, torch_cpu

a = args()
N = int(a.get("n", 10000))
ITERS = int(a.get("iters", 31))
torch = torch_cpu()
if torch is not None:
    torch.manual_seed(0)
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

    report(f"PyTorch {torch.__version__} CPU autograd JVP+VJP ({torch.get_num_threads()} threads)", run, budget_s=5.0)

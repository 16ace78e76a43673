"""Peer for the lipschitz.search row of bench/lipschitz.bench.ts: multi-start projected ascent of
lambda_max(1/2 (J + J^T)) over x in a box for the paper's network (2->64->64->64->2, softplus,
per-step embedding, eps output), PyTorch 1.13 CPU autograd, the same schedule as ours
(src/lipschitz/search.ts): initial power steps on S(x) (10 unshifted, 20 shifted), then per ascent
step 4 shifted power steps (J v by the double-VJP trick, J^T v by a VJP), the Rayleigh quotient
f = v^T J v and its exact gradient in x (double backward), x <- clamp(x_best + eta g/|g|), eta grown
after an improvement and halved after a failure, the best point kept. Work per run: n starts x steps.
usage: python3 lipschitz_search_torch.py '{"n": 2048, "steps": 30}'"""
from peer_timing import args, report, torch_cpu

a = args()
N = int(a.get("n", 2048))
STEPS = int(a.get("steps", 30))
POWER = int(a.get("power", 4))
BOX = float(a.get("box", 1.5))
torch = torch_cpu()
if torch is not None:
    torch.manual_seed(0)
    D = 2
    widths = [64, 64, 64]
    act = torch.nn.functional.softplus
    dims = [D] + widths + [D]
    lin = [torch.nn.Linear(dims[i], dims[i + 1]) for i in range(len(dims) - 1)]
    for l in lin:
        l.requires_grad_(False)
    emb = [torch.rand(w) for w in widths]
    sigma = 0.5

    def score(x):
        h = x
        for l, e in zip(lin[:-1], emb):
            h = act(l(h) * e)
        return -lin[-1](h) / sigma

    def jv_jtv(x, v, create_graph=False):
        s = score(x)
        u = torch.zeros_like(s, requires_grad=True)
        (jtu,) = torch.autograd.grad(s, x, u, create_graph=True)
        (jv,) = torch.autograd.grad(jtu, u, v, create_graph=create_graph)
        (jtv,) = torch.autograd.grad(s, x, v, create_graph=create_graph)
        return jv, jtv

    def unit(w):
        return w / w.norm(dim=1, keepdim=True).clamp_min(1e-30)

    x0 = (torch.rand(N, D) * 2 - 1) * BOX

    def run():
        x = x0.clone().requires_grad_(True)
        v = unit(torch.randn(N, D))
        rho = torch.zeros(N, 1)
        for _ in range(10):
            jv, jtv = jv_jtv(x, v)
            w = 0.5 * (jv + jtv)
            rho = w.norm(dim=1, keepdim=True)
            v = unit(w)
        shift = 1.05 * rho
        for _ in range(20):
            jv, jtv = jv_jtv(x, v)
            v = unit(0.5 * (jv + jtv) + shift * v)
        best_x = x.detach().clone()
        best_f = torch.full((N,), -float("inf"))
        eta = torch.full((N, 1), 0.05 * BOX)
        for s in range(STEPS):
            if s > 0:
                for _ in range(POWER):
                    jv, jtv = jv_jtv(x, v)
                    v = unit(0.5 * (jv + jtv) + shift * v)
            v = v.detach()
            jv, _ = jv_jtv(x, v, create_graph=True)
            f = (v * jv).sum(dim=1)
            (g,) = torch.autograd.grad(f.sum(), x)
            with torch.no_grad():
                better = f > best_f
                best_f = torch.where(better, f, best_f)
                best_x = torch.where(better[:, None], x, best_x)
                eta = torch.where(better[:, None], eta * 1.5, eta * 0.5)
                step = best_x + eta * unit(g)
            x = step.clamp(-BOX, BOX).detach().requires_grad_(True)
        return best_f.max().item()

    report(f"PyTorch {torch.__version__} CPU autograd ascent + power steps ({torch.get_num_threads()} threads)", run, budget_s=5.0)

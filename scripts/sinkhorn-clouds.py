#!/usr/bin/python3
"""Robustness sweep of the Sinkhorn solver at a small blur (issue #17).

Generates fresh point clouds with numpy (uniform, Gaussian, clusters, anisotropic, shifted; 2-D and
3-D; 700-1000 points, equal and unequal sizes), runs

    wasserflow w2 X.csv Y.csv --method sinkhorn --blur 0.01 --json

on each and prints iterations, converged, marginal error, wall time and the relative error of W2²
against POT's exact ot.emd2 (uniform weights; cached beside the clouds).

usage: /usr/bin/python3 scripts/sinkhorn-clouds.py [--cli dist/lib/cli.js] [--dir /tmp/wf-clouds] [--only NAME,...] [--blur 0.01]
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np


def cloud(family, n, d, rng):
    """n points of `family` in d dimensions, coordinates roughly within ±3."""
    if family == 'uniform':
        return rng.uniform(-3, 3, (n, d))
    if family == 'gauss':
        return rng.normal(0, 1, (n, d))
    if family == 'clusters':
        centres = np.array([[-2, -2, -1], [2, -1.5, 1], [-1.5, 2, 0], [1.8, 1.8, -1.5], [0, 0, 1.5]])[:, :d]
        k = rng.integers(0, len(centres), n)
        return centres[k] + rng.normal(0, 0.25, (n, d))
    if family == 'aniso':
        scale = np.array([2.0, 0.3, 0.8])[:d]
        q, _ = np.linalg.qr(np.random.default_rng(7).normal(size=(d, d)))
        return (rng.normal(0, 1, (n, d)) * scale) @ q.T
    if family == 'shifted':
        # Uniform in ±2.5 (the Y cloud of the pair is moved by +1 on every axis).
        return rng.uniform(-2.5, 2.5, (n, d))
    raise ValueError(family)


# name: (X family, Y family, n, m, d, seed)
CASES = {
    'uni2-800-900': ('uniform', 'uniform', 800, 900, 2, 101),
    'uni2-700-1000': ('uniform', 'uniform', 700, 1000, 2, 102),
    'uni2-1000-900': ('uniform', 'uniform', 1000, 900, 2, 103),
    'uni2-750-750': ('uniform', 'uniform', 750, 750, 2, 104),
    'uni3-800-900': ('uniform', 'uniform', 800, 900, 3, 105),
    'uni3-1000-700': ('uniform', 'uniform', 1000, 700, 3, 106),
    'uni3-1000-1000': ('uniform', 'uniform', 1000, 1000, 3, 107),
    'gauss2-900-800': ('gauss', 'gauss', 900, 800, 2, 108),
    'gauss3-1000-1000': ('gauss', 'gauss', 1000, 1000, 3, 109),
    'gauss3-700-1000': ('gauss', 'gauss', 700, 1000, 3, 110),
    'clus2-800-900': ('clusters', 'clusters', 800, 900, 2, 111),
    'clus2-1000-700': ('clusters', 'clusters', 1000, 700, 2, 112),
    'clus3-900-900': ('clusters', 'clusters', 900, 900, 3, 113),
    'clus3-800-1000': ('clusters', 'clusters', 800, 1000, 3, 114),
    'aniso2-1000-900': ('aniso', 'aniso', 1000, 900, 2, 115),
    'aniso3-700-800': ('aniso', 'aniso', 700, 800, 3, 116),
    'shift2-900-1000': ('shifted', 'shifted', 900, 1000, 2, 117),
    'shift3-800-900': ('shifted', 'shifted', 800, 900, 3, 118),
    'clus-uni2-850-950': ('clusters', 'uniform', 850, 950, 2, 119),
    'aniso-gauss2-800-700': ('aniso', 'gauss', 800, 700, 2, 120),
}


def prepare(name, folder):
    fx, fy, n, m, d, seed = CASES[name]
    xp, yp, ep = (os.path.join(folder, f'{name}.{k}') for k in ('x.csv', 'y.csv', 'emd2'))
    if not os.path.exists(ep):
        rng = np.random.default_rng(seed)
        x = cloud(fx, n, d, rng)
        y = cloud(fy, m, d, rng) + (1.0 if fx == 'shifted' else 0.0)
        np.savetxt(xp, x, delimiter=',', fmt='%.9g')
        np.savetxt(yp, y, delimiter=',', fmt='%.9g')
        import ot
        x, y = np.loadtxt(xp, delimiter=','), np.loadtxt(yp, delimiter=',')
        cost = ot.emd2(np.full(n, 1 / n), np.full(m, 1 / m), ot.dist(x, y), numItermax=10**7)
        with open(ep, 'w') as f:
            f.write(repr(float(cost)))
    with open(ep) as f:
        return xp, yp, float(f.read()), (n, m, d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cli', default=os.path.join(os.path.dirname(__file__), '..', 'dist', 'lib', 'cli.js'))
    ap.add_argument('--dir', default='/tmp/wf-clouds')
    ap.add_argument('--only', default='')
    ap.add_argument('--blur', default='0.01')
    ap.add_argument('--json-out', default='')
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    names = a.only.split(',') if a.only else list(CASES)
    env = dict(os.environ, XDG_RUNTIME_DIR=os.environ.get('XDG_RUNTIME_DIR', '/tmp'))
    rows = []
    print(f"{'cloud':22} {'n':>5} {'m':>5} d {'iter':>5} conv  {'marg.err':>8} {'rel.err':>9} {'time s':>6}", flush=True)
    for name in names:
        xp, yp, exact, (n, m, d) = prepare(name, a.dir)
        t = time.time()
        p = subprocess.run(['node', a.cli, 'w2', xp, yp, '--method', 'sinkhorn', '--blur', a.blur, '--json'], capture_output=True, text=True, env=env)
        wall = time.time() - t
        try:
            r = json.loads(p.stdout)
        except json.JSONDecodeError:
            print(f'{name}: no JSON (rc {p.returncode}): {p.stderr[-400:]}', flush=True)
            continue
        w2sq = r.get('w2sq')
        rel = (w2sq - exact) / exact if w2sq is not None else float('nan')
        row = dict(cloud=name, n=n, m=m, d=d, iterations=r['iterations'], converged=r['converged'], marginalError=r['marginalError'], rel=rel, seconds=wall, ms=r.get('ms'))
        rows.append(row)
        print(f"{name:22} {n:5} {m:5} {d} {r['iterations']:5} {str(r['converged']):5} {r['marginalError']:8.2e} {rel:9.2e} {wall:6.1f}", flush=True)
    if rows:
        its = [r['iterations'] for r in rows]
        print(f"converged {sum(r['converged'] for r in rows)}/{len(rows)}, iterations max {max(its)}, median {int(np.median(its))}, total time {sum(r['seconds'] for r in rows):.0f} s")
    if a.json_out:
        with open(a.json_out, 'w') as f:
            json.dump(rows, f, indent=1)


if __name__ == '__main__':
    sys.exit(main())

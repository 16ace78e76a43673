"""Shared timing for the Python peers (run with Debian's /usr/bin/python3: torch 1.13, POT 0.8.2).

Same protocol as bench/harness.ts: the first call timed apart, warm-up, then the median over many
timed calls. Each peer prints one JSON object per line: {"name", "medianMs", "firstMs", "runs"}.
"""
import json
import statistics
import sys
import time


def args():
    """The JSON object passed as the first command-line argument."""
    return json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}


def measure(fn, warmup=2, min_runs=5, max_runs=30, budget_s=5.0):
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < max_runs and (len(times) < min_runs or time.perf_counter() - start < budget_s):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return first * 1e3, statistics.median(times) * 1e3, len(times)


def report(name, fn, **kw):
    first, med, runs = measure(fn, **kw)
    print(json.dumps({"name": name, "medianMs": med, "firstMs": first, "runs": runs}), flush=True)


def torch_cpu(threads=2):
    """torch with a fixed thread count (the machine has 2 cores), or None when it is missing."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch

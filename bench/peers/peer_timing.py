"""Shared timing for the Python peers (run with Debian's /usr/bin/python3: torch 1.13, POT 0.8.2).

Same protocol as bench/harness.ts: the first call timed apart, warm-up, then the median over many
timed calls. Each peer prints one JSON object per line: {"name", "medianMs", "firstMs", "runs"}.
"""
import json
import os
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


# Set by torch_cpu() when WASSERFLOW_TORCH_DEVICE=cuda and CUDA is there (scripts/gpu-check.sh).
_cuda = None


def report(name, fn, **kw):
    if _cuda is not None:
        # CUDA runs asynchronously: each timed call ends when the GPU is done, as ours do.
        inner = fn

        def fn():
            inner()
            _cuda.synchronize()

        name = name.replace(" CPU", " CUDA")
    first, med, runs = measure(fn, **kw)
    print(json.dumps({"name": name, "medianMs": med, "firstMs": first, "runs": runs}), flush=True)


def torch_cpu(threads=2):
    """torch with a fixed thread count (the machine has 2 cores), or None when it is missing.

    With WASSERFLOW_TORCH_DEVICE=cuda (and torch >= 2 with CUDA), tensors are created on the GPU
    instead and report() names the peer "CUDA": the GPU check's peers on the same GPU as ours.
    """
    global _cuda
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    if os.environ.get("WASSERFLOW_TORCH_DEVICE") == "cuda" and torch.cuda.is_available():
        torch.set_default_device("cuda")
        _cuda = torch.cuda
    return torch

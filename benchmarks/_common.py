"""What every benchmark shares: the header saying what its figures were measured on, and the steady-state timer.

The header comes from ``agentnet.get_config()``, the engine's own view: the CPU model (CPUID), the BLAS core the
engine runs (the OpenBLAS it loaded, not whichever ``libopenblas`` a ``ctypes.CDLL`` happens to find) with its thread
count, and whether compiled calls flush denormals (``agentnet.set_flush_denormal``), which changes steady-state times
by up to 100x once training values decay.

The benchmarks run as scripts (``python benchmarks/bench_mlp.py``), so this folder is on ``sys.path`` and they import
``from _common import header, rate``.
"""
import time

import agentnet
from agentnet._config import config_summary


def header():
    """One line for a benchmark's first output: CPU model, BLAS core (and OpenBLAS's own choice where the engine
    chose another), BLAS threads and float mode (``agentnet._config.config_summary``)."""
    return config_summary()


def row_tag():
    """``<BLAS core>/FTZ`` or ``<BLAS core>/IEEE``: the short form of the header that every table row carries."""
    c = agentnet.get_config()
    return f"{c['blas']['core']}/{'FTZ' if c['flush_denormal'] else 'IEEE'}"


def warm(fn, calls):
    """Calls ``fn`` ``calls`` times: a warm-up counted in calls (training steps, so parameters drift as in training)."""
    for _ in range(calls):
        fn()


def rate(fn, units=1, min_time=1.0, warmup=0.0):
    """Units per second of ``fn`` (one call does ``units``) at steady state.

    Calls ``fn`` for ``warmup`` seconds (at least once: the first call may build or allocate), then times whole calls
    until ``min_time`` seconds have passed, so every measurement covers at least one call.
    """
    end = time.perf_counter() + warmup
    fn()
    while time.perf_counter() < end:
        fn()
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return n * units / elapsed


def us_per_call(fn, min_time=1.0):
    """Microseconds per call of ``fn`` (:func:`rate` with one unit per call, no warm-up beyond one call: the callers
    warm up by calls with :func:`warm`)."""
    return 1e6 / rate(fn, 1, min_time)


def torch_mlp(sizes):
    """The anchors' network: ``torch.nn.Sequential`` of Linear layers of ``sizes`` with ReLU between them (none
    after the last), the engine's DenseLayer stack in PyTorch."""
    import torch
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)

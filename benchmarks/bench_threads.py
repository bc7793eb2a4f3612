"""Thread scaling: two threads each running its own compiled function (Adam steps of independent MLPs) against one
thread running them in turn, next to numpy's own two-thread scaling (sgemm, which releases the GIL) measured in the
same run. A ratio near 2 means the engine runs independent functions side by side (ARCHITECTURE §9: one lock per
function and per written shared value); the engine-wide lock it replaced gave 1.02.

Needs at least two idle cores to show real scaling: on a loaded machine both ratios drop together."""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # numpy's own pool: one thread per caller, like the engine's

import ctypes
import threading
import time

import numpy as np

import agentnet
import agentnet.tensor as T
from agentnet import objectives, updates

from _common import header, warm

WARMUP_STEPS = 2000


def blas_cores():
    """OpenBLAS core names of every OpenBLAS loaded in this process (numpy's beside the engine's), by file name."""
    found = {}
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "openblas" in line.lower() and line.split()[-1].startswith("/")}
    for path in sorted(paths):
        lib = ctypes.CDLL(path)
        for symbol in ("openblas_get_corename", "openblas_get_corename64_", "scipy_openblas_get_corename64_",
                       "scipy_openblas_get_corename"):
            fn = getattr(lib, symbol, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                found[os.path.basename(path)] = fn().decode()
                break
    return found


def adam_step(sizes, batch, seed):
    """An independent MLP with its own parameters and Adam state: a zero-argument training step."""
    rng = np.random.default_rng(seed)
    x, y = T.matrix("x"), T.matrix("y")
    h, params = x, []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        w = agentnet.shared(rng.normal(0, np.sqrt(2 / a), (a, b)).astype(np.float32))
        c = agentnet.shared(np.zeros(b, np.float32))
        params += [w, c]
        h = T.dot(h, w) + c
        if i < len(sizes) - 2:
            h = T.relu(h)
    loss = objectives.squared_error(h, y).mean()
    train = agentnet.function([x, y], loss, updates=updates.adam(loss, params, learning_rate=1e-3))
    xs = rng.normal(size=(batch, sizes[0])).astype(np.float32)
    ys = rng.normal(size=(batch, sizes[-1])).astype(np.float32)
    return lambda: train(xs, ys)


def numpy_sgemm(n, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.random((n, n), np.float32), rng.random((n, n), np.float32)
    return lambda: a @ b


def throughput(fns, seconds):
    """Calls per second of all `fns` together, each on its own thread, all started at once."""
    counts = [0] * len(fns)
    barrier = threading.Barrier(len(fns) + 1)
    stop = threading.Event()

    def run(k):
        fn, n = fns[k], 0
        barrier.wait()
        while not stop.is_set():
            fn()
            n += 1
        counts[k] = n

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(fns))]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - start)


def serial_throughput(fns, seconds):
    """Calls per second of `fns` called in turn on one thread."""
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for fn in fns:
            fn()
        n += len(fns)
    return n / (time.perf_counter() - start)


def scaling(fns, seconds, repeats=3):
    """Best-of-`repeats` 1-thread and 2-thread throughputs (interleaved, so load changes hit both)."""
    one = two = 0.0
    for _ in range(repeats):
        one = max(one, serial_throughput(fns, seconds))
        two = max(two, throughput(fns, seconds))
    return one, two


def main():
    seconds = float(os.environ.get("BENCH_SECONDS", "1.5"))
    print(header())
    print(f"{os.cpu_count()} logical CPUs, load average {os.getloadavg()[0]:.1f}")
    for name, core in blas_cores().items():
        print(f"OpenBLAS loaded: {name}, core {core}")
    print(f"{'workload':>36} {'1 thread /s':>12} {'2 threads /s':>13} {'ratio':>7} {'numpy sgemm ratio':>18}")
    anchor = [numpy_sgemm(256, 1), numpy_sgemm(256, 2)]
    for sizes, batch in (([4, 64, 64, 2], 32), ([4, 64, 64, 2], 256), ([4, 256, 256, 2], 32), ([4, 256, 256, 2], 256)):
        fns = [adam_step(sizes, batch, 1), adam_step(sizes, batch, 2)]
        for fn in fns:
            warm(fn, WARMUP_STEPS)
        one, two = scaling(fns, seconds)
        n_one, n_two = scaling(anchor, seconds)
        label = f"Adam step {'-'.join(map(str, sizes))} batch {batch}"
        print(f"{label:>36} {one:12.0f} {two:13.0f} {two / one:6.2f}x {n_two / n_one:17.2f}x")


if __name__ == "__main__":
    main()

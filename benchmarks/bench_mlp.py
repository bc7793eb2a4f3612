"""One Adam training step (and forward only) of an MLP, AgentNet against PyTorch CPU (1 thread) and numpy,
measured in the same run. Prints microseconds per call and ratios; also GFLOP/s against OpenBLAS's sgemm peak.

Steady state: every implementation runs --warmup training steps (default 2,000) before it is timed, so parameters
have drifted as they do in training (denormals appear after a few hundred Adam steps). Every row carries the BLAS
core and float mode; the header the CPU model. `--denormal-steps N` also times the 4-256-256-2 batch-32 Adam step
over N steps with flush-to-zero on and off (agentnet.set_flush_denormal).

    PYTHONPATH=python python benchmarks/bench_mlp.py [--warmup 2000] [--denormal-steps 5000]
"""
import argparse
import time

import numpy as np

import agentnet
import agentnet.tensor as T
from agentnet import objectives, updates

from _common import header, row_tag, torch_mlp, us_per_call, warm

try:
    import torch
    torch.set_num_threads(1)
except ImportError:  # PyTorch is optional
    torch = None

MIN_TIME = 0.3  # seconds timed per figure, after the warm-up


def agentnet_step(sizes, batch, rng):
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
    forward = agentnet.function([x], h)
    xs = rng.normal(size=(batch, sizes[0])).astype(np.float32)
    ys = rng.normal(size=(batch, sizes[-1])).astype(np.float32)
    return (lambda: forward(xs)), (lambda: train(xs, ys))


def torch_step(sizes, batch, rng):
    net = torch_mlp(sizes)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xs = torch.tensor(rng.normal(size=(batch, sizes[0])), dtype=torch.float32)
    ys = torch.tensor(rng.normal(size=(batch, sizes[-1])), dtype=torch.float32)

    def forward():
        with torch.no_grad():
            return net(xs).numpy()

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(xs), ys)
        loss.backward()
        opt.step()
        return loss.item()
    return forward, step


def numpy_step(sizes, batch, rng):
    ws = [rng.normal(0, np.sqrt(2 / a), (a, b)).astype(np.float32) for a, b in zip(sizes, sizes[1:])]
    bs = [np.zeros(b, np.float32) for b in sizes[1:]]
    ms = [np.zeros_like(p) for p in ws + bs]
    vs = [np.zeros_like(p) for p in ws + bs]
    xs = rng.normal(size=(batch, sizes[0])).astype(np.float32)
    ys = rng.normal(size=(batch, sizes[-1])).astype(np.float32)
    state = {"t": 0}

    def forward():
        h = xs
        for i, (w, b) in enumerate(zip(ws, bs)):
            h = h @ w + b
            if i < len(ws) - 1:
                h = np.maximum(h, 0)
        return h

    def step():
        acts, h = [xs], xs
        for i, (w, b) in enumerate(zip(ws, bs)):
            h = h @ w + b
            if i < len(ws) - 1:
                h = np.maximum(h, 0)
            acts.append(h)
        g = 2 * (h - ys) / h.size
        grads_w, grads_b = [], []
        for i in reversed(range(len(ws))):
            grads_w.insert(0, acts[i].T @ g)
            grads_b.insert(0, g.sum(0))
            if i:
                g = (g @ ws[i].T) * (acts[i] > 0)
        state["t"] += 1
        t = state["t"]
        a = 1e-3 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        for p, gr, m, v in zip(ws + bs, grads_w + grads_b, ms, vs):
            m *= 0.9
            m += 0.1 * gr
            v *= 0.999
            v += 0.001 * gr * gr
            p -= a * m / (np.sqrt(v) + 1e-8)
    return forward, step


def sgemm_peak():
    x, w = T.matrix("x"), T.matrix("w")
    f = agentnet.function([x, w], T.dot(x, w))
    a = np.random.rand(1024, 1024).astype(np.float32)
    us = us_per_call(lambda: f(a, a), 0.5)
    return 2 * 1024 ** 3 / us / 1e3


def denormal_effect(steps, block=500):
    """Per-block mean time of the 4-256-256-2 batch-32 Adam step over `steps` steps, FTZ on and off."""
    print(f"\nAdam step 4-256-256-2, batch 32: mean us per step in blocks of {block} steps, from a fresh network")
    print(f"{'steps':>12} {'FTZ on':>9} {'FTZ off':>9}")
    results = {}
    for flush in (True, False):
        agentnet.set_flush_denormal(flush)
        _, train = agentnet_step([4, 256, 256, 2], 32, np.random.default_rng(1))
        times = []
        for _ in range(steps // block):
            start = time.perf_counter()
            warm(train, block)
            times.append((time.perf_counter() - start) / block * 1e6)
        results[flush] = times
    agentnet.set_flush_denormal(True)
    for i, (on, off) in enumerate(zip(results[True], results[False])):
        print(f"{i * block:>5}-{(i + 1) * block:<6} {on:9.1f} {off:9.1f}")
    print(f"{'mean':>12} {np.mean(results[True]):9.1f} {np.mean(results[False]):9.1f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warmup", type=int, default=2000, help="training steps before timing (default 2000)")
    ap.add_argument("--denormal-steps", type=int, default=0, help="also measure FTZ on/off over this many steps")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print(header())
    print(f"PyTorch {torch.__version__ if torch else 'not installed'}; warm-up {args.warmup} steps per implementation")
    peak = sgemm_peak()
    print(f"OpenBLAS sgemm peak through AgentNet (1024^3, 1 thread): {peak:.1f} GFLOP/s")
    columns = (f"{'net':>14} {'batch':>6} {'mode':>8} {'agentnet us':>12} {'numpy us':>9} {'torch us':>9} "
              f"{'vs numpy':>9} {'vs torch':>9} {'GFLOP/s':>8}  core/float")
    print(columns)
    for sizes in ([4, 64, 64, 2], [4, 256, 256, 2]):
        for batch in (32, 256, 4096):
            ours, ref, tor = agentnet_step(sizes, batch, rng), numpy_step(sizes, batch, rng), None
            if torch is not None:
                tor = torch_step(sizes, batch, rng)
            for impl in (ours, ref, tor):
                if impl is not None:
                    warm(impl[1], args.warmup)
                    warm(impl[0], min(args.warmup, 200))
            flops = 2 * batch * sum(a * b for a, b in zip(sizes, sizes[1:]))
            for k, mode in enumerate(("forward", "step")):
                a, n = us_per_call(ours[k], MIN_TIME), us_per_call(ref[k], MIN_TIME)
                t = us_per_call(tor[k], MIN_TIME) if tor else float("nan")
                gflops = flops * (3 if mode == "step" else 1) / a / 1e3
                print(f"{'-'.join(map(str, sizes)):>14} {batch:>6} {mode:>8} {a:12.1f} {n:9.1f} {t:9.1f} "
                      f"{n / a:8.2f}x {t / a:8.2f}x {gflops:8.2f}  {row_tag()}")
    if args.denormal_steps:
        denormal_effect(args.denormal_steps)


if __name__ == "__main__":
    main()

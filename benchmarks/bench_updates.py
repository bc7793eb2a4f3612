"""Optimizer update steps: the fused kernels (ns per element on a [256, 256] parameter) and each update rule of
``agentnet.updates`` against the same rule composed from elementwise ops, on the parameters of a 4-256-256-2 MLP
(67,330 floats) with given gradients, so only the update runs. Both are measured in the same run.

    python benchmarks/bench_updates.py            # AGENTNET_LIB=... to measure another build of the engine

The kernel times come from the engine's own per-kernel profile (AGENTNET_PROFILE=1, in a subprocess), so they
exclude the call overhead and the copy of the new value into the shared variable.
"""
import os
import re
import subprocess
import sys

import numpy as np

import agentnet
import agentnet.tensor as T
from agentnet import _core, updates

from _common import header, us_per_call, warm

SIZES = (4, 256, 256, 2)
KERNEL_SHAPE = (256, 256)
WARMUP, MIN_TIME = 2000, 0.5  # calls before timing, seconds timed per figure


def timed(fn):
    """Microseconds per call after WARMUP calls."""
    warm(fn, WARMUP)
    return us_per_call(fn, MIN_TIME)


def _fused(kind, *args):
    return _core.node(kind, [a if isinstance(a, _core.Variable) else _core.constant(np.float32(a)) for a in args])


def kernel_function(kind):
    """A function whose only kernel is one fused optimizer kernel over a [256, 256] parameter."""
    rng = np.random.default_rng(0)
    p, m, v = (agentnet.shared(rng.standard_normal(KERNEL_SHAPE).astype(np.float32)) for _ in range(3))
    v.set_value(np.abs(v.get_value()))
    expr = {"adam_step": lambda: _fused("adam_step", p, m, v, 1e-3, 1e-8),
            "ema": lambda: _fused("ema", m, p, 0.9),
            "ema_square": lambda: _fused("ema_square", v, p, 0.999)}[kind]()
    return agentnet.function([], [], updates={m if kind != "adam_step" else p: expr})


def composed(name, grads, params):
    """The update rule written with elementwise ops (the anchor the fused kernels are measured against)."""
    one, out = np.float32(1), {}
    zeros = lambda p: agentnet.shared(np.zeros(p.get_value().shape, np.float32))
    for p, g in zip(params, grads):
        if name == "sgd":
            out[p] = p - np.float32(0.01) * g
        elif name in ("momentum", "nesterov_momentum"):
            vel = zeros(p)
            step = p - np.float32(0.01) * g
            x = np.float32(0.9) * vel + step - (p if name == "nesterov_momentum" else 0)
            out[vel] = x if name == "nesterov_momentum" else x - p
            out[p] = np.float32(0.9) * x + step if name == "nesterov_momentum" else x
        elif name == "adagrad":
            a = zeros(p)
            a_new = a + T.square(g)
            out[a], out[p] = a_new, p - np.float32(0.01) * g / T.sqrt(a_new + np.float32(1e-6))
        elif name == "rmsprop":
            a = zeros(p)
            a_new = np.float32(0.9) * a + np.float32(0.1) * T.square(g)
            out[a], out[p] = a_new, p - np.float32(0.01) * g / T.sqrt(a_new + np.float32(1e-6))
        elif name == "adadelta":
            a, d = zeros(p), zeros(p)
            a_new = np.float32(0.95) * a + np.float32(0.05) * T.square(g)
            u = g * T.sqrt(d + np.float32(1e-6)) / T.sqrt(a_new + np.float32(1e-6))
            out[a], out[p], out[d] = a_new, p - u, np.float32(0.95) * d + np.float32(0.05) * T.square(u)
        elif name == "adam":
            m, v = zeros(p), zeros(p)
            m_new = np.float32(0.9) * m + (one - np.float32(0.9)) * g
            v_new = np.float32(0.999) * v + (one - np.float32(0.999)) * T.square(g)
            out[m], out[v] = m_new, v_new
            out[p] = p - np.float32(1e-3) * m_new / (T.sqrt(v_new) + np.float32(1e-8))
    return out


RULES = {
    "sgd": lambda g, p: updates.sgd(g, p, 0.01),
    "momentum": lambda g, p: updates.momentum(g, p, 0.01),
    "nesterov_momentum": lambda g, p: updates.nesterov_momentum(g, p, 0.01),
    "adagrad": lambda g, p: updates.adagrad(g, p, 0.01),
    "rmsprop": lambda g, p: updates.rmsprop(g, p, 0.01),
    "adadelta": lambda g, p: updates.adadelta(g, p),
    "adam": lambda g, p: updates.adam(g, p),
}


def update_step(build):
    """A function taking one gradient per MLP parameter and applying ``build(grads, params)``."""
    rng = np.random.default_rng(1)
    params, grads, values = [], [], []
    for a, b in zip(SIZES, SIZES[1:]):
        for shape in ((a, b), (b,)):
            params.append(agentnet.shared(rng.standard_normal(shape).astype(np.float32) * 0.1))
            grads.append(T.tensor("float32", ndim=len(shape)))
            values.append(rng.standard_normal(shape).astype(np.float32) * 0.01)
    f = agentnet.function(grads, [], updates=build(grads, params))
    return lambda: f(*values)


def kernel_profile():
    """Runs the kernel functions in a profiled subprocess; returns {kind: ns per element}."""
    env = dict(os.environ, AGENTNET_PROFILE="1")
    calls = 20000
    out = subprocess.run([sys.executable, __file__, "--profile-kernels", str(calls)], env=env, capture_output=True,
                         text=True, check=True)
    result = {}
    for kind in ("adam_step", "ema", "ema_square"):
        m = re.search(rf"^(\d+) us .*x(\d+)\s+{kind} \(256, 256\)", out.stderr, re.M)
        if m:
            result[kind] = int(m.group(1)) * 1e3 / int(m.group(2)) / np.prod(KERNEL_SHAPE)
    return result


def main():
    print(f"{header()} | engine: {os.environ.get('AGENTNET_LIB', 'source tree')}")
    print(f"fused kernels on {KERNEL_SHAPE} (engine profile, kernel only):")
    for kind, ns in kernel_profile().items():
        print(f"  {kind:12s} {ns:6.3f} ns/element")
    n = sum(a * b + b for a, b in zip(SIZES, SIZES[1:]))
    print(f"update step of a {'-'.join(map(str, SIZES))} MLP ({n} parameters), gradients given, per call:")
    print(f"  {'rule':18s} {'composed':>10s} {'agentnet.updates':>17s} {'ratio':>6s}")
    for name, rule in RULES.items():
        t_comp = timed(update_step(lambda g, p: composed(name, g, p)))
        t_lib = timed(update_step(rule))
        print(f"  {name:18s} {t_comp:8.1f} us {t_lib:14.1f} us {t_comp / t_lib:6.2f}x")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--profile-kernels":
        fs = [kernel_function(k) for k in ("adam_step", "ema", "ema_square")]
        for _ in range(int(sys.argv[2])):
            for f in fs:
                f()
    else:
        main()

"""Graph build time of a GRU Recurrence unrolled over 400 ticks (agentnet.agent.Recurrence with
agentnet.memory.GRUCell, batch 32), against the same GRU written directly with agentnet.tensor ops (the anchor:
the ops any layer graph must create). Prints the best of several rounds in ms and the ratio to the anchor, so runs
on different trees (say, before and after a change to the layer graph) compare on one machine.

    PYTHONPATH=python python benchmarks/bench_layer_build.py [--ticks 400] [--rounds 3]
"""
import argparse
import gc
import time

import numpy as np

import agentnet
import agentnet.tensor as T

from _common import header

B, NIN, NH = 32, 64, 128


def anchor(ticks):
    """The unrolled GRU from tensor ops: per tick x_t·Wx + b, h·U, gates and the new state."""
    rng = np.random.default_rng(0)
    x = T.tensor3("x")
    wx = agentnet.shared(rng.normal(0, 0.1, (NIN, 3 * NH)).astype(np.float32))
    u = agentnet.shared(rng.normal(0, 0.1, (NH, 3 * NH)).astype(np.float32))
    b = agentnet.shared(np.zeros(3 * NH, np.float32))
    h = T.zeros((x.shape[0], NH))
    hs = []
    for t in range(ticks):
        xp = T.dot(x[:, t], wx) + b
        hp = T.dot(h, u)
        r = T.sigmoid(xp[:, :NH] + hp[:, :NH])
        z = T.sigmoid(xp[:, NH:2 * NH] + hp[:, NH:2 * NH])
        c = T.tanh(xp[:, 2 * NH:] + r * hp[:, 2 * NH:])
        h = (1 - z) * h + z * c
        hs.append(h)
    return T.stack(hs, axis=1).sum()


def recurrence(ticks):
    """The same GRU as layers: GRUCell inside a Recurrence; construction and get_output."""
    from agentnet.agent import Recurrence
    from agentnet.layers import InputLayer, get_output
    from agentnet.memory import GRUCell
    seq = InputLayer((B, ticks, NIN))
    x_t, h_prev = InputLayer((None, NIN)), InputLayer((None, NH))
    h = GRUCell(h_prev, x_t, num_units=NH)
    rec = Recurrence(input_sequences={x_t: seq}, state_variables={h: h_prev}, n_steps=ticks)
    return get_output(rec[h]).sum()


def best_ms(build, ticks, rounds):
    best = float("inf")
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        out = build(ticks)
        best = min(best, (time.perf_counter() - start) * 1e3)
        del out
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    print(f"{header()} (build only: no compiled call runs)")
    a = best_ms(anchor, args.ticks, args.rounds)
    r = best_ms(recurrence, args.ticks, args.rounds)
    print(f"{args.ticks}-tick GRU {NIN}->{NH}, batch {B}: tensor ops {a:.0f} ms, Recurrence+GRUCell build {r:.0f} ms, "
          f"ratio {r / a:.2f}")


if __name__ == "__main__":
    main()

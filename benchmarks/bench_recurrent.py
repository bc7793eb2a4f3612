"""Forward+backward of a GRU unrolled over 20 ticks and of the Atari (DQN) conv stack, AgentNet against PyTorch CPU
(1 thread) measured in the same run. Prints milliseconds per call, the ratio torch/ours (above 1: we are faster),
GFLOP/s (matrix-product and convolution FLOPs of forward+backward, 2·M·N·K per product) and that as a fraction of an
sgemm peak measured here. Without torch only our numbers are printed.

Timing: each implementation first runs --warmup calls (default 2,000: steady state), then calls alternate between
the two implementations in rounds; each round is the mean over ~0.2 s, the table shows the best round (the machine
is shared and noisy; the best round is the least disturbed one). The GRU is timed with three losses: the sum of the
hidden states, `T.mean(h ** 2)` and `T.mean(h * h)` (torch: `out.pow(2).mean()`, `(out * out).mean()`), so that one
op's kernel does not decide the ratio. The header prints the CPU model, BLAS core and float mode, every row its
core and float mode.

    AGENTNET_LIB=.build-perf/release/libagentnet.so PYTHONPATH=python python benchmarks/bench_recurrent.py
"""
import argparse
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # numpy's own OpenBLAS: one thread, like ours and torch's
import numpy as np  # noqa: E402

import agentnet  # noqa: E402
import agentnet.tensor as T  # noqa: E402

from _common import header, row_tag, us_per_call, warm  # noqa: E402

try:
    import torch
    torch.set_num_threads(1)
except ImportError:  # PyTorch is optional
    torch = None

B, TICKS, NIN, NH = 32, 20, 64, 128
ATARI_IN, N_ACTIONS = (4, 84, 84), 6
WARMUP = 2000  # calls of each implementation before timing (--warmup)


def best_of(fns, rounds, min_time, warmup=None):
    """Best per-call time (us) of each function over `rounds` interleaved rounds, after WARMUP calls of each."""
    for f in fns:
        if f is not None:
            warm(f, WARMUP if warmup is None else warmup)
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, f in enumerate(fns):
            if f is not None:
                best[i] = min(best[i], us_per_call(f, min_time))
    return best


# MARK: GRU

def gru_params(rng):
    """Lasagne GRU weights stacked per gate in the order (reset, update, candidate)."""
    wx = rng.normal(0, 0.1, (NIN, 3 * NH)).astype(np.float32)
    u = rng.normal(0, 0.1, (NH, 3 * NH)).astype(np.float32)
    b = rng.normal(0, 0.1, 3 * NH).astype(np.float32)
    return wx, u, b


LOSSES = {
    "sum": (lambda hs: hs.sum(), lambda out: out.sum()),
    "mean h**2": (lambda hs: T.mean(hs ** 2), lambda out: out.pow(2).mean()),
    "mean h*h": (lambda hs: T.mean(hs * hs), lambda out: (out * out).mean()),
}


def gru_agentnet_tensor(params, xs, loss_name="sum"):
    """The unrolled GRU from agentnet.tensor ops: per tick one x_t·Wx and one h·U, then slices per gate."""
    x = T.tensor3("x")
    wx, u, b = (agentnet.shared(p) for p in params)
    h = T.zeros((x.shape[0], NH))
    hs = []
    for t in range(TICKS):
        xp = T.dot(x[:, t], wx) + b
        hp = T.dot(h, u)
        r = T.sigmoid(xp[:, :NH] + hp[:, :NH])
        z = T.sigmoid(xp[:, NH:2 * NH] + hp[:, NH:2 * NH])
        c = T.tanh(xp[:, 2 * NH:] + r * hp[:, 2 * NH:])
        h = (1 - z) * h + z * c
        hs.append(h)
    loss = LOSSES[loss_name][0](T.stack(hs, axis=1))
    grads = T.grad(loss, [wx, u, b])
    f = agentnet.function([x], [loss] + grads)
    return lambda: f(xs)


def gru_agentnet_recurrence(params, xs):
    """The same GRU through agentnet.memory.GRUCell inside agentnet.agent.Recurrence (None if not available)."""
    try:
        from agentnet.agent import Recurrence
        from agentnet.memory import GRUCell
    except ImportError:
        return None
    from agentnet.layers import InputLayer, get_all_params, get_output
    x = T.tensor3("x")
    seq = InputLayer((None, TICKS, NIN), x)
    x_t, h_prev = InputLayer((None, NIN)), InputLayer((None, NH))
    h = GRUCell(h_prev, x_t, num_units=NH)
    rec = Recurrence(input_sequences={x_t: seq}, state_variables={h: h_prev}, n_steps=TICKS)
    loss = get_output(rec[h]).sum()
    weights = get_all_params(rec, trainable=True)
    f = agentnet.function([x], [loss] + T.grad(loss, weights))
    return lambda: f(xs)


def gru_torch(params, xs, loss_name="sum"):
    wx, u, b = params
    net = torch.nn.GRU(NIN, NH, batch_first=True)
    # torch's gate order is (reset, update, new) like ours; weights are [3·NH, in].
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.from_numpy(wx.T.copy()))
        net.weight_hh_l0.copy_(torch.from_numpy(u.T.copy()))
        net.bias_ih_l0.copy_(torch.from_numpy(b))
        net.bias_hh_l0.zero_()
    x = torch.from_numpy(xs)

    def step():
        net.zero_grad()
        out, _ = net(x)
        loss = LOSSES[loss_name][1](out)
        loss.backward()
        return loss.item()
    return step, net


def gru_flops():
    per_tick = 2 * B * NIN * 3 * NH * 2 + 2 * B * NH * 3 * NH * 3  # x·Wx: fwd + dWx; h·U: fwd + dU + dh
    return per_tick * TICKS


# MARK: Atari conv stack

def atari_agentnet(xs, rng):
    from agentnet.layers import Conv2DLayer, DenseLayer, InputLayer, get_all_params, get_output
    from agentnet import nonlinearities
    x = T.tensor4("x")
    net = InputLayer((None,) + ATARI_IN, x)
    net = Conv2DLayer(net, 32, 8, stride=4)
    net = Conv2DLayer(net, 64, 4, stride=2)
    net = Conv2DLayer(net, 64, 3, stride=1)
    net = DenseLayer(net, 512)
    net = DenseLayer(net, N_ACTIONS, nonlinearity=nonlinearities.linear)
    params = get_all_params(net, trainable=True)
    loss = get_output(net).sum()
    f = agentnet.function([x], [loss] + T.grad(loss, params))
    return lambda: f(xs)


def atari_torch(xs):
    nn = torch.nn
    net = nn.Sequential(nn.Conv2d(4, 32, 8, 4), nn.ReLU(), nn.Conv2d(32, 64, 4, 2), nn.ReLU(),
                        nn.Conv2d(64, 64, 3, 1), nn.ReLU(), nn.Flatten(), nn.Linear(3136, 512), nn.ReLU(),
                        nn.Linear(512, N_ACTIONS))
    x = torch.from_numpy(xs)

    def step():
        net.zero_grad()
        loss = net(x).sum()
        loss.backward()
        return loss.item()
    return step


def atari_flops():
    def conv(c, f, k, o, need_dx):
        m, n, kk = f, B * o * o, c * k * k
        return 2 * m * n * kk * (3 if need_dx else 2)
    dense = 2 * B * 3136 * 512 * 3 + 2 * B * 512 * N_ACTIONS * 3
    return conv(4, 32, 8, 20, False) + conv(32, 64, 4, 9, True) + conv(64, 64, 3, 7, True) + dense


def sgemm_peak(rounds, min_time):
    """512³ sgemm through the engine and through numpy (GFLOP/s); the larger is the reference peak."""
    a, b = T.matrix("a"), T.matrix("b")
    f = agentnet.function([a, b], T.dot(a, b))
    m = np.random.rand(512, 512).astype(np.float32)
    ours, npy = best_of([lambda: f(m, m), lambda: m @ m], rounds, min_time, warmup=20)
    flops = 2 * 512 ** 3
    return flops / ours / 1e3, flops / npy / 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.2)
    ap.add_argument("--warmup", type=int, default=2000, help="calls of each implementation before timing")
    args = ap.parse_args()
    global WARMUP
    WARMUP = args.warmup
    rng = np.random.default_rng(0)
    print(header())
    print(f"PyTorch {torch.__version__ if torch else 'not installed'}; warm-up {WARMUP} calls per implementation")

    peak_ours, peak_np = sgemm_peak(args.rounds, args.min_time)
    peak = max(peak_ours, peak_np)
    print(f"sgemm 512^3, 1 thread: engine T.dot {peak_ours:.1f} GFLOP/s, numpy {peak_np:.1f} GFLOP/s "
          f"(peak used below: {peak:.1f})")

    rows = []
    params = gru_params(rng)
    xs = rng.normal(size=(B, TICKS, NIN)).astype(np.float32)
    for loss_name in LOSSES:
        tgru = gru_torch(params, xs, loss_name)[0] if torch is not None else None
        cases = [("gru " + loss_name, gru_agentnet_tensor(params, xs, loss_name))]
        rec = gru_agentnet_recurrence(params, xs) if loss_name == "sum" else None
        if rec is not None:
            cases.append(("gru Recurrence", rec))
        for name, ours in cases:
            rows.append((name, *best_of([ours, tgru], args.rounds, args.min_time), gru_flops()))

    xa = rng.random((B,) + ATARI_IN, dtype=np.float32)
    tat = atari_torch(xa) if torch is not None else None
    rows.append(("atari conv", *best_of([atari_agentnet(xa, rng), tat], args.rounds, args.min_time), atari_flops()))

    print(f"batch {B}; GRU {NIN}->{NH} x {TICKS} ticks; Atari 4x84x84 conv 32-64-64, dense 512-{N_ACTIONS}; "
          f"forward+backward, grads of all weights")
    tag = row_tag()
    print(f"{'case':>16} {'agentnet ms':>12} {'torch ms':>9} {'vs torch':>9} {'GFLOP/s':>8} {'torch GF/s':>10} {'of peak':>8}  core/float")
    for name, a, t, flops in rows:
        g = flops / a / 1e3
        tg = flops / t / 1e3 if t < float("inf") else float("nan")
        print(f"{name:>16} {a / 1e3:12.2f} {t / 1e3:9.2f} {t / a:8.2f}x {g:8.2f} {tg:10.2f} {g / peak:7.0%}  {tag}")


if __name__ == "__main__":
    main()

"""The n-step Q-learning objective (n_steps=5) over [batch 256, tick 32, actions 6], forward and backward
(gradient of loss.sum() with respect to the Q-values): AgentNet's engine against the seed's formula written in
PyTorch (CPU, 1 thread), measured in the same run after a warm-up of 2000 calls. Prints microseconds per call
and the ratio, with the CPU model, the BLAS core and the float mode."""
import numpy as np

import agentnet
import agentnet.tensor as T
from agentnet.learning import qlearning

from _common import header, us_per_call, warm

try:
    import torch
    torch.set_num_threads(1)
except ImportError:  # PyTorch is optional
    torch = None

B, TICKS, ACTIONS, N_STEPS, GAMMA = 256, 32, 6, 5, 0.99
WARMUP = 2000
MIN_TIME = 1.0  # seconds timed per figure


def data(rng):
    q = rng.normal(size=(B, TICKS, ACTIONS)).astype(np.float32)
    a = rng.integers(0, ACTIONS, (B, TICKS)).astype(np.int32)
    r = rng.normal(size=(B, TICKS)).astype(np.float32)
    alive = np.ones((B, TICKS), np.float32)
    for b in range(B):  # one or two session ends per row
        for end in rng.integers(4, TICKS, 2):
            alive[b, end:] = 0
            if rng.random() < 0.5:
                alive[b, end + 2:] = 1
    return q, a, r, alive


def timed(fn):
    """Microseconds per call after WARMUP calls."""
    warm(fn, WARMUP)
    return us_per_call(fn, MIN_TIME)


def agentnet_fn(q, a, r, alive):
    sq, sa, sr, sal = T.tensor3("q"), T.imatrix("a"), T.matrix("r"), T.matrix("alive")
    loss = qlearning.get_elementwise_objective(sq, sa, sr, sal, n_steps=N_STEPS, gamma_or_gammas=GAMMA).sum()
    f = agentnet.function([sq, sa, sr, sal], [loss, T.grad(loss, sq)])
    return lambda: f(q, a, r, alive)


def torch_fn(q, a, r, alive):
    """The seed's algorithm: a backward scan over ticks with n-step block boundaries, then the squared error."""
    tq = torch.tensor(q, requires_grad=True)
    ta, tr, tal = torch.tensor(a, dtype=torch.int64), torch.tensor(r), torch.tensor(alive)
    last = TICKS - 2  # crop_last
    tmax = [(last - t) % N_STEPS == 0 for t in range(TICKS)]
    ends = torch.zeros_like(tal)
    ends[:, :-1] = ((tal[:, :-1] - tal[:, 1:]) == 1).float()

    def step():
        tq.grad = None
        qa = tq.gather(2, ta[..., None])[..., 0]
        v = tq.max(dim=2).values.detach()
        refs = [None] * TICKS
        g = torch.zeros(B)
        for t in range(last, -1, -1):
            cand = tr[:, t] + GAMMA * (v[:, t + 1] if tmax[t] else g)
            g = torch.where(ends[:, t] > 0, tr[:, t], cand)
            refs[t] = g
        refs[TICKS - 1] = qa[:, TICKS - 1].detach()
        ref = torch.stack(refs, dim=1)
        ref = torch.cat([ref[:, :-1], qa[:, -1:]], dim=1)
        loss = (((ref - qa) ** 2) * tal).sum()
        loss.backward()
        return loss.item(), tq.grad.numpy()
    return step


def main():
    rng = np.random.default_rng(0)
    q, a, r, alive = data(rng)
    print(f"{header()}; torch threads: 1")
    print(f"Q-learning objective, n_steps={N_STEPS}, [batch {B}, tick {TICKS}, actions {ACTIONS}], forward + backward")
    ours = agentnet_fn(q, a, r, alive)
    t_ours = timed(ours)
    print(f"  agentnet: {t_ours:9.1f} us/call")
    if torch is None:
        print("  torch: not installed")
        return
    theirs = torch_fn(q, a, r, alive)
    (l1, g1), (l2, g2) = ours(), theirs()
    assert np.allclose(l1, l2, rtol=1e-4) and np.allclose(g1, g2, atol=1e-3), "AgentNet and PyTorch disagree"
    t_torch = timed(theirs)
    print(f"  torch:    {t_torch:9.1f} us/call")
    print(f"  ratio torch / agentnet: {t_torch / t_ours:.1f}x (target >= 3x)")


if __name__ == "__main__":
    main()

"""Writes torch_cells.npz: torch.nn.GRUCell and torch.nn.LSTMCell (float64) run for 50 ticks on fixed random
weights and inputs, for test_memory_cells.py to compare against without torch installed (CI has none).

    python python/tests/data/make_torch_cells.py      # needs torch; rewrites torch_cells.npz beside this file

Arrays, all float64: ``x`` [50, 3, 5] per-tick inputs; for each of ``gru`` and ``lstm`` torch's own parameters
``{cell}_weight_ih`` [gates·4, 5], ``{cell}_weight_hh`` [gates·4, 4], ``{cell}_bias_ih``, ``{cell}_bias_hh`` and
the states after the last tick (``gru_h``; ``lstm_h``, ``lstm_c``), from zero initial states. GRU's ``b_hn`` (the
candidate's hidden bias, inside ``r * (...)``) is zero because Lasagne's formula has no such term; every other bias
is random.
"""
import os

import numpy as np
import torch

TICKS, BATCH, NIN, NH = 50, 3, 5, 4


def main():
    rng = np.random.RandomState(11)
    x = rng.normal(size=(TICKS, BATCH, NIN))
    out = {"x": x}
    gru = torch.nn.GRUCell(NIN, NH).double()
    lstm = torch.nn.LSTMCell(NIN, NH).double()
    with torch.no_grad():
        for name, cell in (("gru", gru), ("lstm", lstm)):
            for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, p).copy_(torch.tensor(rng.normal(0, 0.4, getattr(cell, p).shape)))
        gru.bias_hh[2 * NH:] = 0  # b_hn: no counterpart in Lasagne's GRU
        for name, cell in (("gru", gru), ("lstm", lstm)):
            for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                out[f"{name}_{p}"] = getattr(cell, p).numpy().copy()
        h = torch.zeros(BATCH, NH, dtype=torch.float64)
        lh = lc = torch.zeros(BATCH, NH, dtype=torch.float64)
        for t in range(TICKS):
            xt = torch.tensor(x[t])
            h = gru(xt, h)
            lh, lc = lstm(xt, (lh, lc))
    out.update(gru_h=h.numpy(), lstm_h=lh.numpy(), lstm_c=lc.numpy())
    np.savez(os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_cells.npz"), **out)


if __name__ == "__main__":
    main()

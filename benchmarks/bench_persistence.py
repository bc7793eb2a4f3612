"""Save and load times of a 1M-parameter network (DenseLayer 4-1000-1000, 1,006,000 float32 parameters):
agentnet.utils.persistence against torch.save/torch.load and safetensors.numpy of the same tensors, measured in
the same run, best of N. AgentNet's save is atomic and fsyncs the file and its folder; the others do not sync,
so they are also timed followed by an fsync of the written file."""
import argparse
import os
import tempfile
import time

import numpy as np

from agentnet.layers import DenseLayer, InputLayer, get_all_params
from agentnet.utils import persistence

from _common import header

try:
    import torch
    torch.set_num_threads(1)
except Exception:  # PyTorch is optional (and a CUDA wheel without its libraries fails to import)
    torch = None
try:
    import safetensors.numpy as st_numpy
except ImportError:
    st_numpy = None


def best_of(cases, rounds):
    """Best time in ms of each (name, fn), the cases interleaved round by round so disk noise hits them alike."""
    for _, fn in cases:
        fn()
    times = [float("inf")] * len(cases)
    for _ in range(rounds):
        for i, (_, fn) in enumerate(cases):
            start = time.perf_counter()
            fn()
            times[i] = min(times[i], time.perf_counter() - start)
    return [(name, t * 1e3) for (name, _), t in zip(cases, times)]


def fsynced(path, write):
    def run():
        write()
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return run


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--dir", default=None, help="folder for the files (default: a new temporary folder)")
    args = ap.parse_args()
    folder = args.dir or tempfile.mkdtemp(prefix="bench-persistence-")
    os.makedirs(folder, exist_ok=True)

    rng = np.random.default_rng(0)
    net = DenseLayer(DenseLayer(InputLayer((None, 4)), 1000, name="h"), 1000, name="out")
    for p in get_all_params(net):
        p.set_value(rng.standard_normal(p.get_value().shape).astype(np.float32))
    state = persistence.get_state_dict(net)
    n_params = sum(v.size for v in state.values())

    print(header())
    print(f"float32 parameters; files in {folder}")
    print(f"network: DenseLayer 4-1000-1000, {n_params:,} parameters ({n_params * 4 / 2**20:.2f} MiB); best of {args.rounds}")

    ours = os.path.join(folder, "agentnet.safetensors")
    saves = [("agentnet save (atomic, fsync)", lambda: persistence.save(net, ours))]
    loads = [("agentnet load (into the network)", lambda: persistence.load(net, ours)),
             ("agentnet read_file (to numpy)", lambda: persistence.read_file(ours))]
    if st_numpy is not None:
        path = os.path.join(folder, "st.safetensors")
        write = lambda: st_numpy.save_file(state, path)
        saves += [("safetensors.numpy.save_file", write), ("safetensors.numpy.save_file + fsync", fsynced(path, write))]
        loads += [("safetensors.numpy.load_file", lambda: st_numpy.load_file(path))]
    if torch is not None:
        tensors = {k: torch.from_numpy(v.copy()) for k, v in state.items()}
        pt = os.path.join(folder, "weights.pt")
        write_pt = lambda: torch.save(tensors, pt)
        saves += [("torch.save", write_pt), ("torch.save + fsync", fsynced(pt, write_pt))]
        loads += [("torch.load", lambda: torch.load(pt))]
        print(f"torch {torch.__version__}")
    else:
        print("torch: not available (install it to compare)")
    rows_save, rows_load = best_of(saves, args.rounds), best_of(loads, args.rounds)

    for title, rows in (("save", rows_save), ("load", rows_load)):
        anchor = rows[0][1]
        print(f"\n{title:>36} {'ms':>9} {'time / agentnet':>16}")
        for name, ms in rows:
            print(f"{name:>36} {ms:9.2f} {ms / anchor:15.2f}x")


if __name__ == "__main__":
    main()

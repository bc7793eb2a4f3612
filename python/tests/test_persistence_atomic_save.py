"""agentnet.utils.persistence.save is atomic: a process killed in the middle of a save leaves the previous file
whole (the new one is written to a temporary file and renamed)."""
import os
import signal
import subprocess
import sys
import time

import numpy as np

from agentnet.layers import DenseLayer, InputLayer, get_all_params
from agentnet.utils.persistence import load, save

CHILD = r"""
import sys
import numpy as np
from agentnet.layers import DenseLayer, InputLayer, get_all_params
from agentnet.utils.persistence import save
net = DenseLayer(DenseLayer(InputLayer((None, 4)), 1500, name="h"), 1500, name="out")
params = get_all_params(net)
k = 0
while True:
    k += 1
    for p in params:
        p.set_value(np.full(p.get_value().shape, k, np.float32))
    save(net, sys.argv[1])
    print(k, flush=True)
"""


def test_a_save_killed_midway_leaves_the_old_file_intact(tmp_path):
    net = DenseLayer(DenseLayer(InputLayer((None, 4)), 1500, name="h"), 1500, name="out")
    path = tmp_path / "w.safetensors"
    for p in get_all_params(net):
        p.set_value(np.zeros(p.get_value().shape, np.float32))
    save(net, path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    rng = np.random.default_rng(3)
    seen, interrupted, rounds = set(), 0, 0
    # Each round kills a child at a random moment (a save takes most of its loop); rounds go on until one kill has
    # provably landed inside a save (its temporary file is left behind), at most 12.
    while rounds < 3 or (interrupted == 0 and rounds < 12):
        rounds += 1
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, env=env)
        try:
            child.stdout.readline()  # one complete save done; the next one is under way
            time.sleep(float(rng.uniform(0, 0.2)))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        leftovers = [f for f in os.listdir(tmp_path) if f.startswith(".w.safetensors.tmp-")]
        interrupted += len(leftovers)
        for f in leftovers:
            os.unlink(tmp_path / f)
        assert load(net, path) == ([], [], [])
        values = np.unique(np.concatenate([p.get_value().ravel() for p in get_all_params(net)]))
        assert len(values) == 1, "the file mixes two saves"
        seen.add(float(values[0]))
    assert seen - {0.0}, "no save completed"
    assert interrupted > 0, "no kill landed inside a save"

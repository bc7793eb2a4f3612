"""Leak report: runs a workload that touches every engine area under valgrind's memcheck and lists the leaked
blocks whose allocation stack passes through the engine (``libagentnet.so``); CPython's own allocations are not ours.

    python tools/leak_report.py            # runs valgrind on itself with --workload, prints the engine's records
    python tools/leak_report.py --workload # the workload alone

Valgrind's "definitely" and "indirectly lost" blocks are reported, except those a global's one-time initialiser
(``swift_once``) made: they exist once per process however long it runs; "still reachable" ones (process-wide caches, the
handle table's slots, OpenBLAS buffers) are counted but not treated as leaks. Exit status 1 when the engine leaks.
"""
import os
import re
import subprocess
import sys


def workload():
    import gc

    import numpy as np

    import agentnet
    from agentnet import layers, memory, tensor as T, updates
    from agentnet.agent import Recurrence
    from agentnet.envs import CartPoleVectorEnv
    from agentnet.learning import qlearning
    from agentnet.resolver import EpsilonGreedyResolver
    from agentnet.utils import persistence

    for round_ in range(3):
        x = T.matrix("x")
        w = agentnet.shared(np.ones((4, 8), np.float32), "w")
        y = T.tanh(T.dot(x, w)).sum()
        f = agentnet.function([x], [y, T.grad(y, w)], updates=[(w, w - 0.1 * T.grad(y, w))])
        f(np.ones((3, 4), np.float32))

        obs = layers.InputLayer((None, 4))
        prev = layers.InputLayer((None, 16))
        h = memory.GRUCell(prev, obs, name="gru")
        q = layers.DenseLayer(h, 2, nonlinearity=None)
        seq = layers.InputLayer((None, 5, 4))
        rec = Recurrence(input_sequences={obs: seq}, state_variables={h: prev}, tracked_outputs=[q])
        qs = layers.get_output(rec[q])
        actions = T.imatrix("a")
        rewards = T.matrix("r")
        loss = qlearning.get_elementwise_objective(qs, actions, rewards).mean()
        params = layers.get_all_params(rec, trainable=True)
        step = agentnet.function([seq.input_var, actions, rewards], [loss], updates=updates.adam(loss, params))
        step(np.ones((2, 5, 4), np.float32), np.zeros((2, 5), np.int32), np.ones((2, 5), np.float32))

        resolver = EpsilonGreedyResolver(layers.DenseLayer(obs, 2), epsilon=0.5)
        agentnet.function([obs.input_var], [layers.get_output(resolver)])(np.ones((3, 4), np.float32))

        env = CartPoleVectorEnv(num_envs=4)
        env.reset(seed=round_)
        for _ in range(20):
            env.step(np.zeros(4, np.int64))
        env.close()

        path = f"/tmp/agentnet_leak_{os.getpid()}.safetensors"
        persistence.save(q, path)
        persistence.load(q, path)
        os.remove(path)
        del x, w, y, f, obs, prev, h, q, seq, rec, qs, loss, params, step, resolver, env
        gc.collect()


RECORD = re.compile(r"^==\d+== (?P<bytes>[\d,]+) (?:\(.*?\) )?bytes in [\d,]+ blocks are (?P<kind>definitely|indirectly|possibly) lost")


def main():
    if "--workload" in sys.argv:
        workload()
        return 0
    log = "/tmp/agentnet_valgrind.log"
    # Valgrind 3.19 cannot read the DWARF 5 that Swift's clang writes: run a copy without debug info (the symbol
    # table stays, so the engine's frames keep their names).
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    from agentnet import _lib
    lib = os.path.abspath(_lib.lib._name)
    stripped = "/tmp/agentnet_leak_lib/libagentnet.so"
    os.makedirs(os.path.dirname(stripped), exist_ok=True)
    subprocess.run(["objcopy", "--strip-debug", lib, stripped], check=True)
    cmd = ["valgrind", "--leak-check=full", "--num-callers=40", f"--log-file={log}", sys.executable, __file__, "--workload"]
    env = dict(os.environ, PYTHONMALLOC="malloc", OPENBLAS_NUM_THREADS="1", AGENTNET_LIB=stripped)
    subprocess.run(cmd, env=env, check=True)
    text = open(log).read().split("\n")
    ours, totals, i = [], {"definitely": 0, "indirectly": 0, "possibly": 0}, 0
    while i < len(text):
        m = RECORD.match(text[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(text) and text[j].strip() not in ("", f"{text[j].split(' ')[0]}"):
            j += 1
        block = text[i:j]
        if any("libagentnet" in line for line in block):
            n = int(m.group("bytes").replace(",", ""))
            # A global's one-time initialiser (swift_once) allocates once per process, whatever the workload does.
            once = any("once_slow" in line for line in block)
            kind = "once" if once else m.group("kind")
            totals[kind] = totals.get(kind, 0) + n
            if not once:
                ours.append("\n".join(block[:14]))
        i = j
    summary = [line for line in text if "LEAK SUMMARY" in line or re.search(r"(definitely|indirectly|possibly) lost:|still reachable:", line)]
    print("\n".join(summary))
    print(f"engine blocks: definitely lost {totals['definitely']} B, indirectly {totals['indirectly']} B, possibly {totals['possibly']} B "
          f"in {len(ours)} records; {totals.get('once', 0)} B held by globals' one-time initialisers (log: {log})")
    for rec in ours[:20]:
        print(rec, "\n")
    return 1 if totals["definitely"] or totals["indirectly"] else 0


if __name__ == "__main__":
    sys.exit(main())

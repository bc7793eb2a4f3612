"""Eight Python threads at once: independent compiled functions, functions updating the same shared values, one
environment stepped from several threads, and graph construction. Results must equal the serial ones; engine calls
release the GIL (ctypes.CDLL), so the threads really run the engine side by side."""
import ctypes
import threading

import numpy as np

import agentnet
from agentnet import layers
from agentnet import tensor as T
from agentnet._lib import lib
from agentnet.envs import CartPoleVectorEnv

THREADS = 8


def on_threads(body, n=THREADS):
    """Runs ``body(i)`` on ``n`` threads released together; returns the results in order, re-raises the first error."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i):
        barrier.wait()
        try:
            results[i] = body(i)
        except BaseException as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def test_engine_calls_release_the_gil():
    # ctypes.PyDLL keeps the GIL during foreign calls; CDLL releases it.
    assert isinstance(lib, ctypes.CDLL) and not isinstance(lib, ctypes.PyDLL)
    assert not type(lib)._func_flags_ & ctypes._FUNCFLAG_PYTHONAPI


def test_independent_functions_on_eight_threads():
    rng = np.random.default_rng(0)
    x = T.matrix("x")
    starts = [rng.standard_normal((16, 16)).astype(np.float32) for _ in range(THREADS)]
    weights = [agentnet.shared(w) for w in starts]
    fs = [agentnet.function([x], T.dot(x, w), updates=[(w, w + 1)]) for w in weights]
    data = rng.standard_normal((8, 16)).astype(np.float32)
    calls = 200
    outputs = on_threads(lambda i: [fs[i](data) for _ in range(calls)])
    for i in range(THREADS):
        w = starts[i].copy()
        for k in range(calls):
            np.testing.assert_allclose(outputs[i][k], data @ w, rtol=1e-4, atol=1e-3)
            w += np.float32(1)  # the update, rounded to float32 as the engine does
        np.testing.assert_array_equal(weights[i].get_value(), w)


def test_functions_writing_the_same_shared_values_never_interleave():
    size, calls = 4096, 200
    a, b = agentnet.shared(np.zeros(size, np.float32)), agentnet.shared(np.zeros(size, np.float32))
    inc_a = agentnet.function([], [], updates=[(a, a + 1)])
    inc_ab = agentnet.function([], [], updates=[(b, b + 1), (a, a + 1)])
    inc_ba = agentnet.function([], [], updates=[(a, a + 1), (b, b + 1)])
    read = agentnet.function([], [a, b])

    def body(i):
        torn = 0
        for _ in range(calls):
            kind = i % 4
            if kind == 0:
                inc_a()
            elif kind == 1:
                inc_ab()
            elif kind == 2:
                inc_ba()
            else:
                va, vb = read()
                torn += int(va.min() != va.max() or vb.min() != vb.max())
        return torn

    assert on_threads(body) == [0] * THREADS
    # Threads 0 and 4 ran inc_a, 1 and 5 inc_ab, 2 and 6 inc_ba: the serial counts.
    np.testing.assert_array_equal(a.get_value(), np.full(size, 6 * calls, np.float32))
    np.testing.assert_array_equal(b.get_value(), np.full(size, 4 * calls, np.float32))


def test_one_function_from_eight_threads_counts_every_call():
    counter = agentnet.shared(np.float32(0))
    x = T.vector("x")
    f = agentnet.function([x], x.sum(), updates=[(counter, counter + 1)])
    sums = on_threads(lambda i: sum(float(f(np.full(100 + i, i, np.float32))) for _ in range(300)))
    assert float(counter.get_value()) == THREADS * 300
    assert sums == [300 * i * (100 + i) for i in range(THREADS)]


def test_set_value_and_get_value_race_with_calls():
    w = agentnet.shared(np.zeros(1000, np.float32))
    f = agentnet.function([], w.sum(), updates=[(w, w + 1)])

    def body(i):
        seen = []
        for k in range(200):
            if i == 0:
                seen.append(float(f()))
            elif i == 1:
                w.set_value(np.full(1000 * (1 + k % 2), k, np.float32))
            else:
                v = w.get_value()
                seen.append(v.min() == v.max())
        return seen

    results = on_threads(body, n=4)
    assert all(s % 1000 == 0 for s in results[0])  # each call summed one whole constant value
    assert all(results[2]) and all(results[3])


def test_one_vector_env_stepped_from_eight_threads():
    per_thread, n = 40, 4

    def make():
        env = CartPoleVectorEnv(num_envs=n, max_episode_steps=20)
        env.reset(seed=3)
        return env

    def step(env):
        obs, rewards, terminated, truncated, _ = env.step(np.ones(n, np.int64))
        return obs.tobytes() + rewards.tobytes() + terminated.tobytes() + truncated.tobytes()

    serial = make()
    expected = sorted(step(serial) for _ in range(THREADS * per_thread))
    shared = make()
    seen = on_threads(lambda i: [step(shared) for _ in range(per_thread)])
    # Every step happened exactly once and each thread got a whole, consistent result.
    assert sorted(r for rs in seen for r in rs) == expected
    np.testing.assert_array_equal(shared._batch.state(), serial._batch.state())


def test_graphs_layers_and_training_built_on_eight_threads():
    def body(i):
        rng = np.random.default_rng(i)
        x = T.matrix("x")
        w0 = rng.standard_normal((3, 2)).astype(np.float32)
        net = layers.DenseLayer(layers.InputLayer((None, 3), x), 2, W=w0, nonlinearity=None)
        out = layers.get_output(net)
        loss = (out ** 2).sum()
        (g,) = T.grad(loss, [net.W])
        out.name = f"out{i}"
        f = agentnet.function([x], [out, g])
        data = rng.standard_normal((5, 3)).astype(np.float32)
        y, gw = f(data)
        np.testing.assert_allclose(y, data @ w0, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(gw, 2 * data.T @ (data @ w0), rtol=1e-4, atol=1e-4)
        assert out.name == f"out{i}"
        params = layers.get_all_params(net, trainable=True)
        step = agentnet.function([x], loss, updates=agentnet.updates.sgd(loss, params, 0.01))
        losses = [float(step(data)) for _ in range(20)]
        assert losses[-1] < losses[0]
        return losses

    results = on_threads(body)
    # The same graph built serially trains identically.
    assert results == [body(i) for i in range(THREADS)]


def test_random_draws_from_one_stream_on_eight_threads_partition_it():
    srng = T.random.RandomStreams(seed=11)
    f = agentnet.function([], srng.uniform((64,)))
    drawn = on_threads(lambda i: [f() for _ in range(30)])
    concurrent = np.sort(np.concatenate([d for ds in drawn for d in ds]))
    serial_f = agentnet.function([], T.random.RandomStreams(seed=11).uniform((64,)))
    serial = np.sort(np.concatenate([serial_f() for _ in range(THREADS * 30)]))
    np.testing.assert_array_equal(concurrent, serial)


def test_openblas_gemm_from_eight_threads_at_once():
    # Products large enough for OpenBLAS's blocked path and its buffer pool, called from eight threads at once.
    rng = np.random.default_rng(1)
    a, b = T.matrix("a"), T.matrix("b")
    fs = [agentnet.function([a, b], T.dot(a, b)) for _ in range(THREADS)]  # one each: no shared plan lock
    pairs = [(rng.standard_normal((96, 256)).astype(np.float32), rng.standard_normal((256, 192)).astype(np.float32))
             for _ in range(THREADS)]
    results = on_threads(lambda i: [fs[i](*pairs[i]) for _ in range(5)])
    for (x, y), outs in zip(pairs, results):
        want = x.astype(np.float64) @ y.astype(np.float64)
        for out in outs:
            np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-3)

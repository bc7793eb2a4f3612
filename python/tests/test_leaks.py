"""Nothing leaks: creating and releasing 10,000 of each engine object (shared values, expressions, compiled
functions, engine layers, environments) returns the live handle count to its baseline and keeps the resident
memory flat. Shared values used to leak with their tensor data (a SharedValue <-> Node reference cycle):
10,000 x shared(4 KB) cost +81 MiB."""
import ctypes
import gc
import os

import numpy as np
import pytest

import agentnet
from agentnet import layers
from agentnet import tensor as T
from agentnet._lib import check, lib
from agentnet.envs import CartPoleEnv, CartPoleVectorEnv, _native

N = 10_000
PAGE = os.sysconf("SC_PAGE_SIZE")
#: Allowed RSS growth over N creations after warm-up (allocator slack, not per-object cost).
SLACK_MIB = 4


def live_handles():
    n = ctypes.c_int64()
    check(lib.agn_live_handles(ctypes.byref(n)))
    return n.value


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


def measure(make, n=N, warmup=500):
    """Handles and RSS (MiB) before and after creating and dropping `n` objects (each released at once)."""
    for _ in range(warmup):
        make()
    gc.collect()
    handles, rss = live_handles(), rss_mib()
    for _ in range(n):
        make()
    gc.collect()
    return live_handles() - handles, rss_mib() - rss


def test_shared_values_are_freed_with_their_data():
    data = np.ones(1024, np.float32)  # 4 KB each
    handles, growth = measure(lambda: agentnet.shared(data))
    assert handles == 0
    assert growth < SLACK_MIB, f"+{growth:.1f} MiB for {N} shared values of 4 KB"


def test_shared_values_in_expressions_are_freed():
    data = np.ones(256, np.float32)

    def make():
        w = agentnet.shared(data)
        return (w * 2 + 1).sum()

    handles, growth = measure(make)
    assert handles == 0
    assert growth < SLACK_MIB


def test_expressions_are_freed():
    x = T.matrix("x")

    def make():
        return T.tanh(T.dot(x, np.ones((3, 3), np.float32)) + 1).mean(axis=0)

    handles, growth = measure(make)
    assert handles == 0
    assert growth < SLACK_MIB


def test_compiled_functions_and_their_plans_are_freed():
    x = T.matrix("x")
    w = agentnet.shared(np.ones((8, 8), np.float32))
    data = np.ones((4, 8), np.float32)

    def make():
        f = agentnet.function([x], T.dot(x, w).sum(), updates=[(w, w * 0.5 + 0.5)])
        f(data)  # compiles a plan with its buffers

    handles, growth = measure(make, warmup=300)
    assert handles == 0
    assert growth < SLACK_MIB
    np.testing.assert_array_equal(w.get_value(), np.ones((8, 8), np.float32))


def test_training_steps_with_adam_are_freed():
    x = T.matrix("x")

    def make():
        net = layers.DenseLayer(layers.InputLayer((None, 4), x), 16)
        params = layers.get_all_params(net, trainable=True)
        loss = (layers.get_output(net) ** 2).mean()
        step = agentnet.function([x], loss, updates=agentnet.updates.adam(loss, params))
        step(np.ones((2, 4), np.float32))

    handles, growth = measure(make, n=1_000, warmup=200)
    assert handles == 0
    assert growth < SLACK_MIB


def test_engine_layers_are_freed():
    def make():
        layer = layers.DenseLayer((None, 32), 32)
        return layer.get_output_for(T.matrix("x"))

    handles, growth = measure(make)
    assert handles == 0
    assert growth < SLACK_MIB


def test_environments_are_freed():
    def make():  # the engine batch behind every env class
        batch = _native.NativeBatch("CartPole-v1", 8, _native.NEXT_STEP, 500)
        batch.seed(0)
        batch.reset()
        batch.step()

    handles, growth = measure(make)
    assert handles == 0
    assert growth < SLACK_MIB


def test_gymnasium_env_classes_release_their_batch():
    def make():
        env = CartPoleVectorEnv(num_envs=8)
        env.reset(seed=0)
        env.step(np.zeros(8, np.int64))
        single = CartPoleEnv()
        single.reset(seed=0)
        single.step(0)

    handles, _ = measure(make, n=500, warmup=50)
    assert handles == 0


def test_random_streams_are_freed():
    def make():
        srng = T.random.RandomStreams(seed=1)
        return srng.uniform((4,))

    handles, growth = measure(make)
    assert handles == 0
    assert growth < SLACK_MIB

"""Misuse of the Python API: each case raises a specific exception (the one numpy would, where numpy has one) with a
message naming the argument, and never crashes the interpreter or leaks a ctypes error."""
import numpy as np
import pytest

import agentnet
from agentnet import layers as L
from agentnet import tensor as T
from agentnet import updates

M = np.ones((2, 3), np.float32)
V = np.arange(4, dtype=np.float32)
I = np.array([0, 2, 1], np.int32)


def x_matrix():
    return T.matrix("x")


CASES = []


def case(id_, exc, match, fn):
    CASES.append(pytest.param(fn, exc, match, id=id_))


# ----- axes: floats are a TypeError (numpy: "'float' object cannot be interpreted as an integer") -----
AXIS_OPS = {
    "sum": lambda x, a: T.sum(x, axis=a), "mean": lambda x, a: T.mean(x, axis=a), "max": lambda x, a: T.max(x, axis=a),
    "min": lambda x, a: T.min(x, axis=a), "prod": lambda x, a: T.prod(x, axis=a),
    "argmax": lambda x, a: T.argmax(x, axis=a), "argmin": lambda x, a: T.argmin(x, axis=a),
    "var": lambda x, a: T.var(x, axis=a), "std": lambda x, a: T.std(x, axis=a),
    "softmax": lambda x, a: T.softmax(x, axis=a), "log_softmax": lambda x, a: T.log_softmax(x, axis=a),
    "logsumexp": lambda x, a: T.logsumexp(x, axis=a), "cumsum": lambda x, a: T.cumsum(x, axis=a),
    "concatenate": lambda x, a: T.concatenate([x, x], axis=a), "stack": lambda x, a: T.stack([x, x], axis=a),
    "repeat": lambda x, a: T.repeat(x, 2, axis=a), "take": lambda x, a: T.take(x, I[:1], axis=a),
}
for name, op in AXIS_OPS.items():
    for bad in (1.5, "1", 1.0 + 2j, np.float32(0.0)):
        for kind, x in (("eager", M), ("symbolic", None)):
            case(f"{name}-axis-{bad!r}-{kind}", TypeError, "axis",
                 lambda op=op, bad=bad, x=x: op(x_matrix() if x is None else x, bad))
    for bad in (5, -7, 2**40):
        case(f"{name}-axis-out-of-range-{bad}", (ValueError, IndexError), "axis", lambda op=op, bad=bad: op(M, bad))
    case(f"{name}-axis-list-of-floats", TypeError, "axis", lambda op=op: op(M, [0.5]) if op is not AXIS_OPS["softmax"] else T.softmax(M, axis=[0.5]))

# ----- shapes -----
SHAPE_OPS = {
    "zeros": lambda s: T.zeros(s), "ones": lambda s: T.ones(s), "alloc": lambda s: T.alloc(1.0, s),
    "reshape": lambda s: T.reshape(V, s), "reshape-symbolic": lambda s: T.reshape(T.vector("v"), s),
    "broadcast_to": lambda s: T.broadcast_to(V, s),
}
for name, op in SHAPE_OPS.items():
    for bad, exc in (((1,) * 9, ValueError), ((1,) * 12, ValueError), ((2, -3), ValueError), ((2**40,), ValueError),
                     ((1.5, 2), TypeError), (("a",), TypeError), ((None, 2), TypeError), (("2", 2), TypeError)):
        case(f"{name}-shape-{bad!r}"[:60], exc, "shape|dimension", lambda op=op, bad=bad: op(bad))

# ----- counts that become dimensions -----
for bad, exc in ((10**12, ValueError), (-1, ValueError), (2**31, ValueError), (1.5, TypeError), ("2", TypeError),
                 (None, TypeError)):
    case(f"repeat-repeats-{bad!r}", exc, "repeats", lambda bad=bad: T.repeat(M, bad, axis=0))
    case(f"repeat-repeats-symbolic-{bad!r}", exc, "repeats", lambda bad=bad: T.repeat(x_matrix(), bad, axis=0))
    case(f"tile-reps-{bad!r}", exc, "reps", lambda bad=bad: T.tile(M, (bad, 1)))
    case(f"one_hot-depth-{bad!r}", exc, "depth", lambda bad=bad: T.one_hot(I, bad))
case("tile-reps-too-many-axes", ValueError, "tile|rank|dimensions", lambda: T.tile(M, (1,) * 5))
case("repeat-product-too-large", ValueError, "repeats", lambda: T.repeat(np.ones((3, 2), np.float32), 2**30, axis=0))

# ----- rank limit at creation -----
case("reshape-rank-12", ValueError, "shape", lambda: T.reshape(T.vector("x"), (1,) * 12))
case("dimshuffle-rank-12", ValueError, "dimshuffle|pattern", lambda: T.dimshuffle(M, *(["x"] * 10 + [0, 1])))
case("dimshuffle-rank-9-symbolic", ValueError, "dimshuffle|pattern", lambda: T.dimshuffle(x_matrix(), *(["x"] * 7 + [0, 1])))
for bad, exc in ((1.5, TypeError), ("y", TypeError), (-1, ValueError), (9, ValueError)):
    case(f"dimshuffle-entry-{bad!r}", exc, "dimshuffle", lambda bad=bad: T.dimshuffle(M, 0, bad))
case("tensor-rank-9", ValueError, "rank|8", lambda: T.tensor("float32", ndim=9))
case("flatten-ndim-float", TypeError, "ndim", lambda: T.flatten(M, 1.5))
case("flatten-ndim-0", ValueError, "ndim", lambda: T.flatten(M, 0))

# ----- casts and dtypes -----
case("cast-folding-saturates-not-crash", None, None, lambda: T.cast(np.float32(1e20), "int32"))
for bad in ("complex64", "float128x", "object", "U3"):
    case(f"cast-dtype-{bad}", TypeError, "dtype|data type", lambda bad=bad: T.cast(M, bad))
case("constant-object-array", TypeError, "convert|tensor", lambda: T.exp(np.array([object()])))
case("int-too-large", ValueError, "int32", lambda: T.add(np.array([2**40]), 1))

# ----- indexing -----
case("getitem-out-of-range-eager", IndexError, "index", lambda: T.take(M, np.array([5], np.int32), axis=0))
case("getitem-negative-take-ok", None, None, lambda: T.take(M, np.array([-1], np.int32), axis=0))
case("take-negative-disallowed", IndexError, "negative|index", lambda: T.take(M, np.array([-1], np.int32), axis=0,
                                                                               negative_indices=False))
for idx in (7, -9, 2**40, -2**40):
    case(f"index-{idx}", IndexError, "index", lambda idx=idx: agentnet.function([], agentnet.shared(M)[idx])())
case("index-float", (TypeError, IndexError), "ind", lambda: x_matrix()[1.5])
case("huge-slice-is-clamped", None, None, lambda: agentnet.function([], agentnet.shared(M)[10**30:])())

# ----- conv / pool static shapes -----
case("conv2d-filter-larger-than-input", ValueError, r"\(4, 3, 20, 20\).*\(None, 3, 8, 8\)|filter",
     lambda: T.nnet.conv2d(T.tensor4("x", shape=(None, 3, 8, 8)), T.tensor4("w", shape=(4, 3, 20, 20))))
case("conv2d-layer-filter-larger-than-input", ValueError, "filter",
     lambda: L.Conv2DLayer((None, 3, 8, 8), 4, 20))
for bad in (-1, 0, 1.5, "a"):
    case(f"conv2d-layer-num_filters-{bad!r}", (ValueError, TypeError), "num_filters",
         lambda bad=bad: L.Conv2DLayer((None, 3, 8, 8), bad, 3))
    case(f"conv2d-layer-stride-{bad!r}", (ValueError, TypeError), "stride",
         lambda bad=bad: L.Conv2DLayer((None, 3, 8, 8), 4, 3, stride=bad))

# ----- layers -----
for bad, exc in ((0, ValueError), (-1, ValueError), (1.5, TypeError), ("a", TypeError), (None, TypeError)):
    case(f"dense-num_units-{bad!r}", exc, "num_units", lambda bad=bad: L.DenseLayer((None, 3), bad))
    case(f"embedding-input_size-{bad!r}", exc, "input_size", lambda bad=bad: L.EmbeddingLayer((None,), bad, 4))
    case(f"embedding-output_size-{bad!r}", exc, "output_size", lambda bad=bad: L.EmbeddingLayer((None,), 4, bad))
for bad, exc in ((-1, ValueError), ((-1, 2), ValueError), (1.5, TypeError), ("a", TypeError), ([(1, -2)], ValueError)):
    case(f"pad-width-{bad!r}", exc, "width|pad", lambda bad=bad: L.PadLayer((None, 1, 4, 4), bad))
case("pad-incoming-int", TypeError, "incoming", lambda: L.PadLayer(-1, 1))
for bad in ((None, 0), (None, -3), (None, 1.5)):
    case(f"input-layer-shape-{bad!r}", ValueError, "input_shape|shape", lambda bad=bad: L.DenseLayer(bad, 3))
case("dense-incoming-string", TypeError, "incoming", lambda: L.DenseLayer("x", 3))
case("dense-nonlinearity-not-callable", TypeError, "nonlinearity", lambda: L.DenseLayer((None, 3), 2, nonlinearity=3))


def embedding_minus_one():
    l_in = L.InputLayer((None,), input_var=T.ivector("i"))
    emb = L.EmbeddingLayer(l_in, 5, 2)
    f = agentnet.function([l_in.input_var], L.get_output(emb))
    return f(np.array([0, -1], np.int32))


case("embedding-index-minus-one", IndexError, "index", embedding_minus_one)


def embedding_too_large():
    l_in = L.InputLayer((None,), input_var=T.ivector("i"))
    f = agentnet.function([l_in.input_var], L.get_output(L.EmbeddingLayer(l_in, 5, 2)))
    return f(np.array([5], np.int32))


case("embedding-index-too-large", IndexError, "index", embedding_too_large)

# ----- functions -----
case("function-input-not-symbolic", TypeError, "input 0", lambda: agentnet.function([M], T.sum(M)))
case("function-input-shared", TypeError, "input 0", lambda: agentnet.function([agentnet.shared(M)], T.sum(M)))
case("function-update-target-not-shared", TypeError, "update target", lambda: agentnet.function([], [], updates=[(T.vector(), V)]))


def call_with(value, dtype="float32", ndim=2):
    x = T.tensor(dtype, ndim=ndim, name="xin")
    return agentnet.function([x], T.sum(x))(value)


for value, exc in ((np.ones(3, np.float32), ValueError), (np.ones((2, 2, 2), np.float32), ValueError),
                   ("abc", (TypeError, ValueError)), (np.array([[object()]]), TypeError),
                   (np.ones((2, 2), np.complex64), TypeError), (np.full((2, 2), np.nan, np.float32), agentnet.AgentNetError),
                   (None, (TypeError, ValueError))):
    case(f"function-call-{type(value).__name__}-{getattr(value, 'shape', '')}-{getattr(value, 'dtype', '')}"[:70],
         exc, "xin|input", lambda value=value: call_with(value))
def too_many_args():
    a = T.vector("a")
    return agentnet.function([a], a * 0)(V, V)


case("function-call-too-many-args", TypeError, "input|argument", too_many_args)

# ----- shared values -----
for value, exc in ((np.ones(3), ValueError), (np.ones((2, 2, 2)), ValueError), (np.array([[object()]]), TypeError),
                   (np.ones((2, 3)) * 1.5, None)):
    case(f"shared-set-{getattr(value, 'shape', '')}-{getattr(value, 'dtype', '')}", exc, "shared|rank|shape|convert",
         lambda value=value: agentnet.shared(M, name="w").set_value(value))
case("shared-int-set-float", TypeError, "shared|float", lambda: agentnet.shared(I, name="iw").set_value(np.ones(3)))
case("shared-rank-9", ValueError, "rank|dimensions|8", lambda: agentnet.shared(np.ones((1,) * 9, np.float32)))
case("shared-object", TypeError, "convert", lambda: agentnet.shared(np.array([object()])))

# ----- updates -----
W = agentnet.shared(M, name="W")
LOSS = T.sum(W * W)
for opt in ("sgd", "momentum", "nesterov_momentum", "adagrad", "rmsprop", "adadelta", "adam", "adamax"):
    fn = getattr(updates, opt)
    case(f"{opt}-learning_rate-string", TypeError, "learning_rate", lambda fn=fn: fn(LOSS, [W], learning_rate="a"))
    case(f"{opt}-learning_rate-vector", (TypeError, ValueError), "learning_rate",
         lambda fn=fn: fn(LOSS, [W], learning_rate=np.ones(2)))
    case(f"{opt}-params-single", TypeError, "params", lambda fn=fn: fn(LOSS, W, learning_rate=0.1))
    case(f"{opt}-params-not-shared", ValueError, "params", lambda fn=fn: fn(LOSS, [T.vector()], learning_rate=0.1))

# ----- environments -----
ENV_CLASSES = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "Pendulum-v1"]


def native(env_id, **kwargs):
    import gymnasium
    return gymnasium.make_vec("agentnet/" + env_id, **kwargs)


for env_id in ENV_CLASSES:
    for bad, exc in ((0, ValueError), (-1, ValueError), (2**31, ValueError), (2**63, ValueError), (1.5, TypeError),
                     ("a", TypeError)):
        case(f"{env_id}-num_envs-{bad!r}", exc, "num_envs", lambda env_id=env_id, bad=bad: native(env_id, num_envs=bad))
    for bad, exc in (("a", TypeError), (1.5, TypeError), (0, ValueError), (-5, ValueError), (2**64, ValueError)):
        case(f"{env_id}-max_episode_steps-{bad!r}", exc, "max_episode_steps",
             lambda env_id=env_id, bad=bad: native(env_id, num_envs=1, max_episode_steps=bad))


def cartpole_direct(**kwargs):
    from agentnet.envs.vector import CartPoleVectorEnv
    return CartPoleVectorEnv(**kwargs)


case("cartpole-class-max_episode_steps-str", TypeError, "max_episode_steps", lambda: cartpole_direct(max_episode_steps="a"))
case("cartpole-class-num_envs-huge", ValueError, "num_envs", lambda: cartpole_direct(num_envs=2**31))

# ----- inputs, names, threads, random streams -----
from agentnet.tensor.random import RandomStreams  # noqa: E402

for bad, exc in (((-2, 3), ValueError), ((1.5, 3), TypeError), ((2**63, 3), ValueError), (("a", 3), TypeError)):
    case(f"matrix-shape-{bad!r}", exc, "shape", lambda bad=bad: T.matrix("x", shape=bad))
for bad, exc in ((-1, ValueError), (9, ValueError), (1.5, TypeError)):
    case(f"tensor-ndim-{bad!r}", exc, "ndim", lambda bad=bad: T.tensor("float32", ndim=bad))
for bad in (5, b"x", ["w"]):
    case(f"input-name-{bad!r}", TypeError, "name", lambda bad=bad: T.vector(name=bad))
    case(f"shared-name-{bad!r}", TypeError, "name", lambda bad=bad: agentnet.shared(V, name=bad))
for bad, exc in ((0, ValueError), (2**40, ValueError), ("a", TypeError), (1.5, TypeError)):
    case(f"set_num_threads-{bad!r}", exc, "n ", lambda bad=bad: agentnet.set_num_threads(bad))
for bad in (1.5, "s", None):
    case(f"random-streams-seed-{bad!r}", TypeError, "seed", lambda bad=bad: RandomStreams(bad))
for bad, exc in (((2**40,), ValueError), ((1.5,), TypeError), ((-1,), ValueError), ((1,) * 9, ValueError)):
    case(f"random-uniform-size-{bad!r}", exc, "size", lambda bad=bad: RandomStreams(1).uniform(bad))
case("random-binomial-n-huge", agentnet.AgentNetError, "binomial", lambda: agentnet.function([], RandomStreams(1).binomial((2,), n=2**30, p=0.5))())
case("grad-clip-bounds", ValueError, "lower", lambda: T.grad_clip(T.vector(), 1, -1))
case("arange-nan", ValueError, "arange", lambda: T.arange(0, float("nan")))
case("arange-too-many", ValueError, "arange", lambda: T.arange(0, 1e12))
case("one_hot-negative-index", IndexError, "index", lambda: T.one_hot(np.array([-1]), 3))

# ----- the issue-9 reproducers at the C level: each returns a status and a message, never a crash -----
import ctypes  # noqa: E402

from agentnet import _lib  # noqa: E402


def c_status(expected_status, match, call):
    status = call()
    if status != expected_status:
        raise AssertionError(f"status {status}, expected {expected_status}: {_lib.last_error()}")
    _lib.check(status)


def function_call_with(words):
    f = agentnet.function([], T.zeros((2,)))
    return lambda: _lib.lib.agn_function_call(f.handle, (ctypes.c_int64 * 2)(*words), 2)


def node_create_raw(attrs):
    return lambda: _lib.lib.agn_node_create(b"add", attrs, None, 0, ctypes.byref(ctypes.c_int64()))


def env_get_rng(index):
    import gymnasium
    env = gymnasium.make_vec("agentnet/CartPole-v1", num_envs=2)
    state, seeded = (ctypes.c_uint64 * 4)(), ctypes.c_int32()

    def call():
        return _lib.lib.agn_env_get_rng(ctypes.c_int64(env.unwrapped._batch.handle), ctypes.c_int64(index),
                                        ctypes.cast(state, ctypes.c_void_p), ctypes.cast(ctypes.pointer(seeded), ctypes.c_void_p))
    return call


for words in ((-1, 0), (1 << 40, 0), (0, -1), (2**63 - 1, 2**63 - 1)):
    case(f"c-function_call-desc-{words}", ValueError, "call descriptor",
         lambda words=words: c_status(_lib.E_INVALID_ARGUMENT, "", function_call_with(words)))
for attrs in (b"[" * 100000, b'{"a":' * 5000, b"\xff\xfe", b"{" + b'"x": 1e999,' * 3 + b"}"):
    case(f"c-node_create-json-{attrs[:8]!r}", ValueError, "JSON|input|add",
         lambda attrs=attrs: c_status(_lib.E_INVALID_ARGUMENT, "", node_create_raw(attrs)))
for index in (2**63 - 1, -2**63, 2, -1):
    case(f"c-env_get_rng-{index}", ValueError, "sub-env index",
         lambda index=index: c_status(_lib.E_INVALID_ARGUMENT, "", env_get_rng(index)))
case("c-node_info-rank-12-cannot-exist", ValueError, "rank 12|12 dimensions|exceeds",
     lambda: _core_node("reshape", [T.vector("x")], shape=[1] * 12))
case("c-tensor-1TB", MemoryError, "cannot allocate|too large", lambda: agentnet.function([], T.zeros((2**31 - 1, 2**31 - 1)))())


def _core_node(kind, inputs, **attrs):
    return agentnet._core.node(kind, inputs, **attrs)


# ----- initializers, constraints, objectives, persistence -----
from agentnet import init  # noqa: E402
from agentnet.learning import qlearning  # noqa: E402
from agentnet.utils import persistence  # noqa: E402

for make, arg in ((lambda v: init.Constant(v), "val"), (lambda v: init.Normal(std=v), "std"), (lambda v: init.Normal(mean=v), "mean"),
                  (lambda v: init.Uniform(v), "range"), (lambda v: init.Uniform((0, v)), "range"), (lambda v: init.Uniform(std=v), "std"),
                  (lambda v: init.GlorotUniform(gain=v), "gain"), (lambda v: init.HeNormal(gain=v), "gain"),
                  (lambda v: init.Orthogonal(gain=v), "gain"), (lambda v: init.Sparse(std=v), "std")):
    for bad in ("x", 1j) + ((None,) if make(0.1).__class__ is not init.Uniform or arg == "range" else ()):
        case(f"init-{arg}-{bad!r}", TypeError, arg, lambda make=make, bad=bad: make(bad).sample((3, 2)))
case("init-uniform-range-triple", ValueError, "range", lambda: init.Uniform((1, 2, 3)))
case("init-shape-negative", ValueError, "shape|negative", lambda: init.GlorotUniform().sample((2, -1)))
case("init-shape-float", TypeError, "shape|integer", lambda: init.GlorotUniform().sample((2, 1.5)))
for bad in ("x", None, 1j):
    case(f"total_norm_constraint-max_norm-{bad!r}", TypeError, "max_norm", lambda bad=bad: updates.total_norm_constraint([T.vector()], bad))
    case(f"norm_constraint-max_norm-{bad!r}", TypeError, "max_norm", lambda bad=bad: updates.norm_constraint(T.matrix(), bad))
    case(f"norm_constraint-epsilon-{bad!r}", TypeError, "epsilon", lambda bad=bad: updates.norm_constraint(T.matrix(), 1.0, epsilon=bad))
case("total_norm_constraint-no-tensors", ValueError, "tensor", lambda: updates.total_norm_constraint([], 1.0))
case("norm_constraint-negative", ValueError, "max_norm", lambda: updates.norm_constraint(T.matrix(), -1.0))


def q_objective(**kwargs):
    return qlearning.get_elementwise_objective(T.tensor3("q"), T.imatrix("a"), T.matrix("r"), **kwargs)


for bad, exc in (("x", TypeError), (None, TypeError), (np.ones((2, 2, 2)), ValueError), (np.array(["a"]), TypeError)):
    case(f"qlearning-gamma-{bad!r}"[:50], exc, "gamma_or_gammas", lambda bad=bad: q_objective(gamma_or_gammas=bad))
for bad, exc in ((0, ValueError), (-1, ValueError), (1.5, ValueError), ("2", ValueError)):
    case(f"qlearning-n_steps-{bad!r}", (TypeError, ValueError), "n_steps", lambda bad=bad: q_objective(n_steps=bad))
case("qlearning-qvalues-rank-1", ValueError, "qvalues", lambda: qlearning.get_elementwise_objective(T.vector(), T.imatrix(), T.matrix()))


def malformed_file(content):
    import tempfile
    path = tempfile.mktemp(suffix=".safetensors")
    with open(path, "wb") as f:
        f.write(content)
    try:
        return persistence.load(L.DenseLayer((None, 3), 2), path)
    finally:
        import os
        os.remove(path)


import struct  # noqa: E402

for name, content in (("empty", b""), ("short", b"\x01\x02"), ("header-huge", struct.pack("<Q", 2**63) + b"{}"),
                      ("header-past-end", struct.pack("<Q", 1000) + b"{}"), ("not-json", struct.pack("<Q", 4) + b"[[[["),
                      ("deep-json", struct.pack("<Q", 5000) + b'{"a":' * 1000),
                      ("bad-dtype", struct.pack("<Q", 64) + b'{"W": {"dtype": "F99", "shape": [3, 2], "data_offsets": [0, 24]}}'.ljust(64) + bytes(24)),
                      ("bad-offsets", struct.pack("<Q", 64) + b'{"W": {"dtype": "F32", "shape": [3, 2], "data_offsets": [24, 0]}}'.ljust(64) + bytes(24))):
    case(f"load-malformed-{name}", ValueError, "safetensors", lambda content=content: malformed_file(content))
case("load-missing-file", OSError, "cannot open", lambda: persistence.load(L.DenseLayer((None, 3), 2), "/nonexistent-dir/x.safetensors"))
case("save-filename-int", TypeError, "filename", lambda: persistence.save(L.DenseLayer((None, 3), 2), 5))
case("set_state_dict-list", TypeError, "state_dict", lambda: persistence.set_state_dict(L.DenseLayer((None, 3), 2), [1, 2]))
case("set_state_dict-object", TypeError, "state dict entry 'W'",
     lambda: persistence.set_state_dict(L.DenseLayer((None, 3), 2), {"W": np.array([object()])}))

# ----- memory limit -----
for bad, exc in ((-1, ValueError), (0, ValueError), ("1GB", TypeError), (1.5, TypeError), (2**64, ValueError)):
    case(f"set_memory_limit-{bad!r}", exc, "nbytes|memory", lambda bad=bad: agentnet.set_memory_limit(bad))


@pytest.mark.parametrize("fn, exc, match", CASES)
def test_misuse_raises_a_clear_error(fn, exc, match):
    if exc is None:
        fn()
        return
    with pytest.raises(exc, match=match) as info:
        fn()
    assert not type(info.value).__module__.startswith("ctypes")
    assert "ArgumentError" not in type(info.value).__name__


def test_suite_is_large_enough():
    assert len(CASES) >= 300
